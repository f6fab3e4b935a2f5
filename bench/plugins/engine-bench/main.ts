/**
 * Benchmark plugin: on each request-headers callback it repeats one operation `iterations` times, chosen
 * by the configuration `{"op": "empty" | "header" | "json1k" | "json100k", "iterations": N}`. It holds the
 * request headers (Pause) so that header reads stay valid across repeated callbacks.
 */
import { Action, HttpContext, RootContext, registerRootContext, type HookResult } from '../../../plugin/sdk/index.ts';

interface BenchConfig {
  op: string;
  iterations: number;
  payload: string;
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
  config: BenchConfig = { op: 'empty', iterations: 1, payload: '' };

  override onConfigure(raw: string): boolean {
    const parsed = JSON.parse(raw || '{}') as { op?: string; iterations?: number };
    const op = parsed.op ?? 'empty';
    const size = op === 'json1k' ? 1024 : op === 'json100k' ? 100 * 1024 : 0;
    this.config = { op, iterations: parsed.iterations ?? 1, payload: size ? payload(size) : '' };
    return true;
  }

  createHttpContext(id: number): HttpContext {
    return new Bench(id, this);
  }
}

class Bench extends HttpContext<BenchRoot> {
  override onRequestHeaders(): HookResult {
    const { op, iterations, payload } = this.root.config;
    let sink = 0;
    for (let i = 0; i < iterations; i++) {
      if (op === 'header') sink += (this.requestHeaders.get(':path') ?? '').length;
      else if (op === 'json1k' || op === 'json100k') sink += JSON.stringify(JSON.parse(payload)).length;
    }
    return sink < 0 ? Action.Continue : Action.Pause;
  }
}

registerRootContext(() => new BenchRoot());
