/**
 * The hand-written plugin bundle the script-guest tests run: it talks to `__host[n]` directly and defines
 * `__proxy_dispatch`, as a bundle built from the SDK does, plus the host options and request they share.
 */
import type { HostOptions } from '../../src/index.ts';

/** Helpers every bundle below starts with: header pairs and UTF-8 through the host functions, as the SDK does. */
export const PRELUDE = String.raw`
  const H = globalThis.__host;
  const text = (ab) => H[36](ab, 0, ab.byteLength);
  const pairs = (list) => {
    const enc = list.map(([k, v]) => [new Uint8Array(H[35](k)), new Uint8Array(H[35](v))]);
    let size = 4;
    for (const [k, v] of enc) size += 10 + k.length + v.length;
    const out = new Uint8Array(size);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, enc.length, true);
    let o = 4;
    for (const [k, v] of enc) { dv.setUint32(o, k.length, true); dv.setUint32(o + 4, v.length, true); o += 8; }
    for (const [k, v] of enc) { out.set(k, o); o += k.length + 1; out.set(v, o); o += v.length + 1; }
    return out.buffer;
  };
  const unpairs = (ab) => {
    const dv = new DataView(ab);
    const n = dv.getUint32(0, true);
    const lens = [];
    let o = 4;
    for (let i = 0; i < n; i++, o += 8) lens.push([dv.getUint32(o, true), dv.getUint32(o + 4, true)]);
    return lens.map(([kl, vl]) => { const k = H[36](ab, o, kl); o += kl + 1; const v = H[36](ab, o, vl); o += vl + 1; return [k, v]; });
  };
`;

/** A small gateway plugin written against the raw glue contract (plugin/sdk/abi.ts numbers). */
export const PLUGIN = String.raw`(() => {
  ${PRELUDE}
  H[0](2, 'bundle loaded');
  let config = '';
  const callouts = new Map();
  globalThis.__proxy_dispatch = (kind, a, b, c, d, e) => {
    switch (kind) {
      case 1: H[0](2, 'vm start with ' + b + ' bytes of vm config'); return 1;
      case 2: {
        const cfg = H[4](7, 0, b);
        config = typeof cfg === 'number' ? 'status ' + cfg : text(cfg);
        H[0](2, 'configured: ' + config);
        return 1;
      }
      case 5: {
        const path = H[9](0, ':path');
        if (path === '/deny') {
          H[15](403, 'denied_by_script', H[35]('no entry'), pairs([['x-deny', 'yes']]), -1);
          return 1;
        }
        if (path === '/throw') throw new TypeError('boom in request headers');
        if (path === '/async') {
          Promise.resolve().then(() => H[10](0, 'x-async', 'job ran'));
          (async () => { await null; await null; H[10](0, 'x-async-deep', 'yes'); })();
          return 0;
        }
        if (path === '/callout') {
          const token = H[18]('auth', pairs([[':method', 'GET'], [':path', '/check?u=1'], [':authority', 'auth.local']]), new ArrayBuffer(0), new ArrayBuffer(0), 1000);
          callouts.set(token, a);
          H[0](2, 'callout token ' + token);
          return 1;
        }
        if (path === '/spin') for (;;) {}
        if (path === '/values') {
          const cas0 = (H[21]('k', H[35]('v1'), 0), H[19]('k'), H[20]());
          const value = text(H[19]('k'));
          const metric = H[26](0, 'script_counter');
          H[27](metric, 5); H[27](metric, 2);
          const random = H[34](16);
          const report = {
            value, cas: H[20](), casChanged: cas0 === H[20](), missing: H[19]('nope'), metric: H[29](metric), badMetric: H[29](999),
            logLevel: H[1](), time: H[2](), size: H[33](0), pluginName: text(H[13](H[35]('plugin_name'))), noProp: H[13](H[35]('nope')),
            decoded: H[36](H[35]('héllo'), 1, 100), clamped: H[36](H[35]('abc'), 10, 5), random: random.byteLength,
            guestRealm: random instanceof ArrayBuffer, absent: H[9](0, 'x-absent'), status: H[32](), statusCode: H[20](),
          };
          H[0](2, 'values ' + JSON.stringify(report));
          return 0;
        }
        H[10](0, 'x-plugin', 'on');
        H[10](0, 'x-config', config);
        H[11](0, 'user-agent', 'script-guest');
        H[12](0, 'x-remove-me');
        H[10](0, 'x-route', text(H[13](H[35]('xds\0route_name'))));
        H[10](0, 'x-count', String(unpairs(H[7](0)).length));
        return 0;
      }
      case 6: {
        if (c === 0) return 1;
        const body = text(H[4](0, 0, b));
        H[6](0, 0, b, H[35](body.toUpperCase()));
        return 0;
      }
      case 8: H[10](2, 'x-response', 'seen'); return 0;
      case 11: {
        const stream = callouts.get(b);
        H[30](stream);
        H[10](0, 'x-auth-status', H[9](6, ':status'));
        H[10](0, 'x-auth-body', text(H[4](4, 0, d)));
        H[16](0);
        return 0;
      }
      case 12: return 1;
      default: return 0;
    }
  };
})();`;

export const base: HostOptions = {
  script: { source: PLUGIN, filename: 'test-plugin.js' },
  pluginName: 'script-test',
  pluginConfig: { mode: 'test' },
  properties: { 'xds.route_name': 'route-1' },
};
export const request = { ':method': 'GET', ':path': '/', ':authority': 'gw.local', 'x-remove-me': '1' };

