import { describe, expect, it } from 'vitest';
import { createHost } from '../src/index.ts';
import { guest } from './support/wat.ts';

const addHeader = guest({
  imports: ['proxy_log', 'proxy_add_header_map_value'],
  strings: { key: 'x-added', value: 'yes', hello: 'hello from guest' },
  body: `
  (func (export "proxy_on_request_headers") (param $ctx i32) (param $n i32) (param $eos i32) (result i32)
    (call $log (i32.const 2) (global.get $hello) (global.get $hello_len))
    (drop (call $proxy_add_header_map_value (i32.const 0) (global.get $key) (global.get $key_len) (global.get $value) (global.get $value_len)))
    (i32.const 0))`,
});

describe('smoke', () => {
  it('adds a header and logs (reference §4 proxy_add_header_map_value)', async () => {
    const host = await createHost({ module: addHeader });
    const stream = host.newHttpStream();
    const r = stream.sendRequestHeaders({ ':method': 'GET', ':path': '/', ':authority': 'a' }, true);
    expect(r.action).toBe('Continue');
    expect(stream.upstream.header('x-added')).toBe('yes');
    expect(host.logs.messages('info')).toEqual(['hello from guest']);
  });
});
