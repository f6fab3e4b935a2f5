/**
 * Test plugin for host services. Each root registers the shared queue `jobs`, logs what onQueueReady
 * dequeues, and with the configuration `{"tickMs": n}` ticks, counting `sdk_ticks` and logging
 * `tick <n> at <now()>`. The request header `x-op` picks what a request does; most answer 200 with a
 * JSON body: `props` (attributes and filter state, reported in the response header `x-props`),
 * `shared-read`/`shared-write`/`shared-cas` (key `x-key`; the CAS `shared-read` saw is kept per VM),
 * `enqueue` (`x-item` onto `jobs`), `metrics`, `random`, `now`, `log`, `utf8` (round-trips the request body,
 * and reports the bytes `encodeUtf8` gives for a string holding a lone surrogate).
 */
import {
  Action, Counter, Gauge, Histogram, HttpContext, RootContext, bufferBody, decodeUtf8, encodeUtf8, getProperty,
  getPropertyBoolean, getPropertyInt64, getPropertyNumber, log, metric, now, parseJson, randomBytes, randomInt,
  readBuffer, readText, registerRootContext, setProperty, sharedData, sharedQueue, type HookResult,
} from '../../index.ts';

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

class ServicesRoot extends RootContext {
  lastCas = 0;
  ticks = 0;
  queue = 0;

  override onConfigure(configuration: string): boolean {
    const parsed = parseJson(configuration || '{}');
    const config = (parsed.ok ? parsed.value : {}) as { tickMs?: number };
    if (config.tickMs) this.setTickPeriod(config.tickMs);
    this.queue = sharedQueue.register('jobs');
    return true;
  }

  override onTick(): void {
    this.ticks++;
    metric(Counter, 'sdk_ticks').increment();
    log.info(`tick ${this.ticks} at ${now()}`);
  }

  override onQueueReady(queueId: number): void {
    const items: string[] = [];
    for (let item = sharedQueue.dequeue(queueId); item; item = sharedQueue.dequeue(queueId)) items.push(decodeUtf8(item));
    log.info(`queue ${queueId === this.queue ? 'jobs' : queueId} ready: ${items.join(',')}`);
  }

  createHttpContext(id: number): HttpContext {
    return new Services(id, this);
  }
}

class Services extends HttpContext<ServicesRoot> {
  op = '';

  answer(value: unknown): Action {
    this.sendLocalResponse(200, JSON.stringify(value), [['content-type', 'application/json']], `sdk_${this.op}`);
    return Action.Pause;
  }

  override onRequestHeaders(): HookResult {
    const h = this.requestHeaders;
    this.op = h.get('x-op') ?? '';
    const key = h.get('x-key') ?? 'key';
    switch (this.op) {
      case 'props': {
        setProperty(['sdk_note'], h.get('x-note') ?? '');
        const props = { path: getProperty(['request', 'path']), note: getProperty(['sdk_note']), plugin: getProperty(['plugin_name']) };
        h.set('x-props', JSON.stringify(props));
        return Action.Continue;
      }
      case 'shared-read': {
        const found = sharedData.get(key);
        this.root.lastCas = found?.cas ?? 0;
        return this.answer({ value: found ? decodeUtf8(found.value) : null, cas: found?.cas ?? null });
      }
      case 'shared-write':
        return this.answer({ ok: sharedData.set(key, h.get('x-value') ?? '') });
      case 'shared-cas':
        return this.answer({ ok: sharedData.set(key, h.get('x-value') ?? '', this.root.lastCas) });
      case 'enqueue': {
        const queue = sharedQueue.resolve('jobs');
        if (queue !== undefined) sharedQueue.enqueue(queue, h.get('x-item') ?? '');
        return this.answer({ queue: queue ?? null });
      }
      case 'metrics': {
        const counter = metric(Counter, 'sdk_requests');
        const gauge = metric(Gauge, 'sdk_level');
        counter.increment(Number(h.get('x-by') ?? '1'));
        gauge.set(Number(h.get('x-level') ?? '0'));
        gauge.add(-2);
        metric(Histogram, 'sdk_latency_ms').record(Number(h.get('x-latency') ?? '0'));
        return this.answer({ counter: counter.value(), gauge: gauge.value() });
      }
      case 'typed-props':
        return this.answer({
          connectionId: String(getPropertyInt64(['connection', 'id'])),
          mtls: getPropertyBoolean(['connection', 'mtls']) ?? null,
          notBoolean: getPropertyBoolean(['request', 'path']) ?? null,
          missing: getPropertyInt64(['nope']) ?? null,
          config: readText('plugin configuration'),
          configBuffer: readBuffer('plugin configuration') === undefined ? 'absent' : 'present',
        });
      case 'callout':
        this.httpCall({ cluster: 'auth', path: '/check', authority: 'auth.internal', timeoutMs: 2000 }, (answer) =>
          this.answer({ failed: answer.failed, status: answer.status, failure: answer.failure ?? null }),
        );
        return Action.Pause;
      case 'close':
        this.closeStream();
        return Action.Continue;
      case 'random':
        return this.answer({ a: hex(randomBytes(16)), b: hex(randomBytes(16)), int: randomInt(1000) });
      case 'now':
        return this.answer({ now: now() });
      case 'log':
        for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'critical'] as const) log[level](`level ${level}`);
        return this.answer({ level: log.level() });
      default:
        return Action.Continue;
    }
  }

  override onRequestBody(bodySize: number, endOfStream: boolean): HookResult {
    if (this.op !== 'utf8') return Action.Continue;
    return bufferBody(this, 'request', bodySize, endOfStream, (body) => {
      const text = decodeUtf8(body);
      const encoded = encodeUtf8(text);
      const same = decodeUtf8(encoded) === text;
      const lone = hex(new Uint8Array(encodeUtf8('a\ud800b')));
      return this.answer({ text, chars: [...text].length, bytes: encoded.byteLength, hex: hex(new Uint8Array(encoded)), same, lone });
    });
  }

  override onResponseHeaders(): HookResult {
    if (this.op === 'props') this.responseHeaders.set('x-code', String(getPropertyNumber(['response', 'code'])));
    return Action.Continue;
  }
}

registerRootContext(() => new ServicesRoot());
