/** The complete example of harness/README.md, kept runnable so the README stays true. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHost } from '../src/index.ts';
import { guest } from './support/wat.ts';

let upstream: http.Server;
let url = '';

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ path: req.url, tag: req.headers['x-tag'] ?? null }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
afterAll(() => upstream.close());

it('runs the README example: a WAT plugin tags requests on their way to a real upstream', async () => {
  const plugin = guest({
    imports: ['proxy_log', 'proxy_add_header_map_value'],
    strings: { key: 'x-tag', value: 'from-plugin', line: 'tagged a request' },
    body: `
    (func (export "proxy_on_request_headers") (param $ctx i32) (param $n i32) (param $eos i32) (result i32)
      (drop (call $proxy_add_header_map_value (i32.const 0)
        (global.get $key) (global.get $key_len) (global.get $value) (global.get $value_len)))
      (call $log (i32.const 2) (global.get $line) (global.get $line_len))
      (i32.const 0))`,
  });

  const host = await createHost({ module: plugin, pluginName: 'tagger', workers: 2 });
  const result = await host.exchange({ headers: { ':method': 'GET', ':path': '/hello', ':authority': 'example.com' } }, { upstream: url });

  expect(result.status).toBe(200);
  expect(result.client.json()).toEqual({ path: '/hello', tag: 'from-plugin' });
  expect(result.upstream?.headers).toContainEqual(['x-tag', 'from-plugin']);
  expect(host.logs.messages('info')).toEqual(['tagged a request']);
  expect(result.stream.trace.map((t) => t.callback)).toEqual(['proxy_on_request_headers']);
});
