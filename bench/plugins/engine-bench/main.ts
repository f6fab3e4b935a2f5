/**
 * Benchmark plugin: on each request-headers callback it repeats one operation `iterations` times, chosen
 * by the configuration `{"op": "empty" | "header" | "json1k" | "json100k" | "scan1k" | "scan100k" | "scan1m",
 * "iterations": N}` (`scan…`: the engine's native JSON scanner, `JsonMembers`, over a chat body of that size). It holds the
 * request headers (Pause) so that header reads stay valid across repeated callbacks.
 */
import { Action, HttpContext, RootContext, encodeUtf8, registerRootContext, type HookResult } from '../../../plugin/sdk/index.ts';
import { JsonMembers } from '../../../plugin/sdk/json-members.ts';

const SIZES: Record<string, number> = { json1k: 1024, json100k: 100 * 1024, scan1k: 1024, scan100k: 100 * 1024, scan1m: 1024 * 1024 };
const TOP = new JsonMembers(['model', 'stream', 'stream_options']);

interface BenchConfig {
  op: string;
  iterations: number;
  payload: string;
  bytes: ArrayBuffer;
}

function payload(bytes: number): string {
  const items: Array<{ role: string; content: string; index: number }> = [];
  let size = 2;
  for (let i = 0; size < bytes; i++) {
    const item = { role: i % 2 ? 'assistant' : 'user', content: `message number ${i} with some text`, index: i };
    items.push(item);
    size += JSON.stringify(item).length + 1;
  }
  return JSON.stringify({ model: 'openai/gpt-4.1', messages: items });
}

class BenchRoot extends RootContext {
  config: BenchConfig = { op: 'empty', iterations: 1, payload: '', bytes: new ArrayBuffer(0) };

  override onConfigure(raw: string): boolean {
    const parsed = JSON.parse(raw || '{}') as { op?: string; iterations?: number };
    const op = parsed.op ?? 'empty';
    const text = SIZES[op] ? payload(SIZES[op]) : '';
    this.config = { op, iterations: parsed.iterations ?? 1, payload: text, bytes: encodeUtf8(text) };
    return true;
  }

  createHttpContext(id: number): HttpContext {
    return new Bench(id, this);
  }
}

class Bench extends HttpContext<BenchRoot> {
  override onRequestHeaders(): HookResult {
    const { op, iterations, payload, bytes } = this.root.config;
    let sink = 0;
    for (let i = 0; i < iterations; i++) {
      if (op === 'header') sink += (this.requestHeaders.get(':path') ?? '').length;
      else if (op === 'json1k' || op === 'json100k') sink += JSON.stringify(JSON.parse(payload)).length;
      else if (op.startsWith('scan') && TOP.scan(bytes) === 'object') sink += TOP.objectEnd;
    }
    return sink < 0 ? Action.Continue : Action.Pause;
  }
}

registerRootContext(() => new BenchRoot());
