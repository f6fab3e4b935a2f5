/**
 * The key value of each limit, read from the request headers before the proxy rewrites them (a limit
 * `by` an API-key header still sees it after the credentials are dropped): `x-mse-consumer`, a header's
 * first value, a query parameter (URL-decoded), a cookie, the downstream address (`source.address`
 * without its port) or the first address of a header such as `x-forwarded-for`, the route name; `model`
 * is filled in once the body named it, `global` is `""`. Undefined: the request has no such value.
 */
import { getProperty, type HeaderMap } from '../../sdk/index.ts';
import { withoutPort } from './ip-match.ts';
import type { KeySource, RateLimit } from './rate-limit.ts';

const SOURCE_ADDRESS = ['source', 'address'];
const ROUTE_NAME = ['route_name'];

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

function queryValue(path: string, name: string): string | undefined {
  const q = path.indexOf('?');
  if (q < 0) return undefined;
  const end = path.indexOf('#', q);
  for (const pair of path.slice(q + 1, end < 0 ? undefined : end).split('&')) {
    const eq = pair.indexOf('=');
    if (decode(eq < 0 ? pair : pair.slice(0, eq)) === name) return eq < 0 ? '' : decode(pair.slice(eq + 1));
  }
  return undefined;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq >= 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function readKey(source: KeySource, headers: HeaderMap): string | undefined {
  switch (source.kind) {
    case 'consumer':
      return headers.get('x-mse-consumer');
    case 'header':
      return headers.get(source.name);
    case 'query':
      return queryValue(headers.get(':path') ?? '', source.name);
    case 'cookie':
      return cookieValue(headers.get('cookie'), source.name);
    case 'ip': {
      const address = getProperty(SOURCE_ADDRESS);
      return address === undefined ? undefined : withoutPort(address);
    }
    case 'ip-header': {
      const value = headers.get(source.name);
      const first = value?.split(',')[0]!.trim();
      return first === undefined || first === '' ? undefined : first;
    }
    case 'route':
      return getProperty(ROUTE_NAME);
    case 'model':
      return undefined;
    case 'global':
      return '';
  }
}

export function readKeys(limits: readonly RateLimit[], headers: HeaderMap): Array<string | undefined> {
  return limits.map((limit) => readKey(limit.by, headers));
}
