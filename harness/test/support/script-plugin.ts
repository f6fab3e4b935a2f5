/**
 * The hand-written plugin bundle the script-guest tests run: it talks to `__host[n]` directly and defines
 * `__proxy_dispatch`, as a bundle built from the SDK does (host functions and callback kinds named as in
 * engine/glue-abi.ts), plus the host options and request they share.
 */
import { Callback, HostFn } from '../../../engine/glue-abi.ts';
import type { HostOptions } from '../../src/index.ts';

/** Helpers every bundle below starts with: header pairs and UTF-8 through the host functions, as the SDK does. */
export const PRELUDE = String.raw`
  const H = globalThis.__host;
  const F = ${JSON.stringify(HostFn)};
  const K = ${JSON.stringify(Callback)};
  const text = (ab) => H[F.utf8Decode](ab, 0, ab.byteLength);
  const pairs = (list) => {
    const enc = list.map(([k, v]) => [new Uint8Array(H[F.utf8Encode](k)), new Uint8Array(H[F.utf8Encode](v))]);
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
    return lens.map(([kl, vl]) => { const k = H[F.utf8Decode](ab, o, kl); o += kl + 1; const v = H[F.utf8Decode](ab, o, vl); o += vl + 1; return [k, v]; });
  };
`;

/** A small gateway plugin written against the raw glue contract (engine/glue-abi.ts). */
export const PLUGIN = String.raw`(() => {
  ${PRELUDE}
  H[F.log](2, 'bundle loaded');
  let config = '';
  const callouts = new Map();
  globalThis.__proxy_dispatch = (kind, a, b, c, d, e) => {
    switch (kind) {
      case K.VmStart: H[F.log](2, 'vm start with ' + b + ' bytes of vm config'); return 1;
      case K.Configure: {
        const cfg = H[F.getBufferBytes](7, 0, b);
        config = typeof cfg === 'number' ? 'status ' + cfg : text(cfg);
        H[F.log](2, 'configured: ' + config);
        return 1;
      }
      case K.RequestHeaders: {
        const path = H[F.getHeaderMapValue](0, ':path');
        if (path === '/deny') {
          H[F.sendLocalResponse](403, 'denied_by_script', H[F.utf8Encode]('no entry'), pairs([['x-deny', 'yes']]), -1);
          return 1;
        }
        if (path === '/throw') throw new TypeError('boom in request headers');
        if (path === '/async') {
          Promise.resolve().then(() => H[F.addHeaderMapValue](0, 'x-async', 'job ran'));
          (async () => { await null; await null; H[F.addHeaderMapValue](0, 'x-async-deep', 'yes'); })();
          return 0;
        }
        if (path === '/callout') {
          const token = H[F.httpCall]('auth', pairs([[':method', 'GET'], [':path', '/check?u=1'], [':authority', 'auth.local']]), new ArrayBuffer(0), new ArrayBuffer(0), 1000);
          callouts.set(token, a);
          H[F.log](2, 'callout token ' + token);
          return 1;
        }
        if (path === '/spin') for (;;) {}
        if (path === '/values') {
          const cas0 = (H[F.setSharedData]('k', H[F.utf8Encode]('v1'), 0), H[F.getSharedData]('k'), H[F.lastU32]());
          const value = text(H[F.getSharedData]('k'));
          const metric = H[F.defineMetric](0, 'script_counter');
          H[F.incrementMetric](metric, 5); H[F.incrementMetric](metric, 2);
          const random = H[F.randomBytes](16);
          const report = {
            value, cas: H[F.lastU32](), casChanged: cas0 === H[F.lastU32](), missing: H[F.getSharedData]('nope'), metric: H[F.getMetric](metric), badMetric: H[F.getMetric](999),
            logLevel: H[F.getLogLevel](), time: H[F.getCurrentTimeNanoseconds](), size: H[F.getHeaderMapSize](0), pluginName: text(H[F.getProperty](H[F.utf8Encode]('plugin_name'))), noProp: H[F.getProperty](H[F.utf8Encode]('nope')),
            decoded: H[F.utf8Decode](H[F.utf8Encode]('héllo'), 1, 100), clamped: H[F.utf8Decode](H[F.utf8Encode]('abc'), 10, 5), random: random.byteLength,
            guestRealm: random instanceof ArrayBuffer, absent: H[F.getHeaderMapValue](0, 'x-absent'), status: H[F.getStatus](), statusCode: H[F.lastU32](),
          };
          H[F.log](2, 'values ' + JSON.stringify(report));
          return 0;
        }
        H[F.addHeaderMapValue](0, 'x-plugin', 'on');
        H[F.addHeaderMapValue](0, 'x-config', config);
        H[F.replaceHeaderMapValue](0, 'user-agent', 'script-guest');
        H[F.removeHeaderMapValue](0, 'x-remove-me');
        H[F.addHeaderMapValue](0, 'x-route', text(H[F.getProperty](H[F.utf8Encode]('xds\0route_name'))));
        H[F.addHeaderMapValue](0, 'x-count', String(unpairs(H[F.getHeaderMapPairs](0)).length));
        return 0;
      }
      case K.RequestBody: {
        if (c === 0) return 1;
        const body = text(H[F.getBufferBytes](0, 0, b));
        H[F.setBufferBytes](0, 0, b, H[F.utf8Encode](body.toUpperCase()));
        return 0;
      }
      case K.ResponseHeaders: H[F.addHeaderMapValue](2, 'x-response', 'seen'); return 0;
      case K.HttpCallResponse: {
        const stream = callouts.get(b);
        H[F.setEffectiveContext](stream);
        H[F.addHeaderMapValue](0, 'x-auth-status', H[F.getHeaderMapValue](6, ':status'));
        H[F.addHeaderMapValue](0, 'x-auth-body', text(H[F.getBufferBytes](4, 0, d)));
        H[F.continueStream](0);
        return 0;
      }
      case K.Done: return 1;
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

