/**
 * IP addresses and ranges for Higress's `limit_by_per_ip` keys (`1.2.3.4`, `10.0.0.0/8`, `2001:db8::/32`):
 * parsed to bytes once at configure time, matched per request without allocation beyond the parse of the
 * request's address. An IPv4 address also matches as an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`).
 */
export interface Cidr {
  bytes: Uint8Array;
  prefix: number;
}

function parseV4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseV6(text: string): Uint8Array | undefined {
  if (text.length > 45 || !/^[0-9A-Fa-f:.]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string): number[] | undefined => {
    if (half === '') return [];
    const out: number[] = [];
    const parts = half.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseV4(p);
        if (!v4) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(p)) out.push(parseInt(p, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return undefined;
  const all = [...head, ...new Array<number>(fill).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** The 16 bytes of an IPv6 address, IPv4 as IPv4-mapped; undefined when `text` is neither. */
export function parseIp(text: string): Uint8Array | undefined {
  const v4 = parseV4(text);
  if (v4) return Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4);
  return parseV6(text);
}

/** `a.b.c.d`, `a.b.c.d/n`, `v6` or `v6/n`; undefined when it is none of them. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const bytes = parseIp(address);
  if (!bytes) return undefined;
  const isV4 = parseV4(address) !== undefined;
  const max = isV4 ? 32 : 128;
  if (slash < 0) return { bytes, prefix: 128 };
  const bits = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return undefined;
  return { bytes, prefix: Number(bits) + (isV4 ? 96 : 0) };
}

export function inCidr(cidr: Cidr, address: Uint8Array): boolean {
  const full = cidr.prefix >> 3;
  for (let i = 0; i < full; i++) if (cidr.bytes[i] !== address[i]) return false;
  const rest = cidr.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (cidr.bytes[full]! & mask) === (address[full]! & mask);
}

/** The address of Envoy's `source.address` (`1.2.3.4:5678`, `[::1]:5678`, or without a port). */
export function withoutPort(address: string): string {
  if (address.startsWith('[')) {
    const end = address.indexOf(']');
    return end < 0 ? address : address.slice(1, end);
  }
  const colon = address.indexOf(':');
  return colon >= 0 && address.indexOf(':', colon + 1) < 0 ? address.slice(0, colon) : address;
}
