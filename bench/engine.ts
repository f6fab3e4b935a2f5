/**
 * Engine benchmarks (issue: toolchain and SDK): module size, compile time, VM start, an empty callback,
 * one host call from JS, JSON work inside the engine — each for the built `.wasm` (QuickJS) and, as the
 * ratio's base, for the same bundle run natively on V8 through the same harness host functions.
 */
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createHost, type Host } from '../harness/src/index.ts';
import { microsPerCall } from './measure.ts';

type Mode = 'wasm' | 'node';

function source(name: string, mode: Mode) {
  return mode === 'wasm' ? { module: readFileSync(`dist/${name}.wasm`) } : { script: { source: readFileSync(`dist/${name}.js`, 'utf8'), filename: `${name}.js` } };
}

async function benchHost(mode: Mode, op: string, iterations: number): Promise<{ host: Host; call: () => void }> {
  const host = await createHost({ ...source('engine-bench', mode), pluginConfig: { op, iterations }, canary: false, callbackTimeoutMs: 0 });
  const stream = host.newHttpStream(0);
  stream.sendRequestHeaders({ ':method': 'GET', ':path': '/v1/chat/completions', ':authority': 'bench' }, true);
  const vm = host.workers[0]!;
  const args = [stream.contextId, 6, 1];
  return { host, call: () => void vm.call('proxy_on_request_headers', args, stream.contextId) };
}

export async function callbackMicros(mode: Mode, op: string, iterations: number, perRound: number): Promise<number> {
  const { call } = await benchHost(mode, op, iterations);
  return microsPerCall(call, perRound);
}

export async function vmStartMillis(mode: Mode): Promise<number> {
  const host = await createHost({ ...source('passthrough', mode), canary: false, workers: 1, callbackTimeoutMs: 0 });
  const samples: number[] = [];
  for (let i = 0; i < 20; i++) {
    const started = performance.now();
    host.startVm(`bench-${i}`);
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return samples[10]!;
}

/** Compile time in a fresh process, with V8's defaults and with Envoy's `--no-liftoff`. */
export function compileMillis(file: string, flags: string[]): number {
  const script = `const b=require('fs').readFileSync(${JSON.stringify(file)});const t=performance.now();new WebAssembly.Module(b);console.log(performance.now()-t)`;
  const runs = [0, 1, 2].map(() => Number(execFileSync(process.execPath, [...flags, '-e', script]).toString()));
  return runs.sort((a, b) => a - b)[1]!;
}

export async function memoryAfterRequests(mode: Mode, requests: number): Promise<{ before: number; after: number }> {
  const host = await createHost({ ...source('rewrite-body', mode), canary: false, callbackTimeoutMs: 0 });
  const body = '{"model":"openai/gpt-4.1","messages":[{"role":"user","content":"hi"}]}';
  const one = () => {
    const s = host.newHttpStream(0);
    s.sendRequestHeaders({ ':method': 'POST', ':path': '/v1/chat/completions', ':authority': 'bench', 'content-type': 'application/json' });
    s.sendRequestBody(body, true);
    s.sendResponseHeaders({ ':status': '200', 'content-type': 'application/json' });
    s.sendResponseBody('{"ok":true}', true);
  };
  for (let i = 0; i < 1000; i++) one();
  const before = host.workers[0]!.memory.pages;
  for (let i = 0; i < requests; i++) one();
  return { before, after: host.workers[0]!.memory.pages };
}
