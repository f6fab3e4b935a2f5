/**
 * Runs a guest export so that no guest can take the Node process down: a trap, a stack overflow or a
 * call that outlives the watchdog becomes a `GuestTrap` the VM turns into an Envoy-style VM failure.
 */
import vm from 'node:vm';

export class GuestTrap extends Error {
  constructor(
    readonly callback: string,
    readonly reason: string,
  ) {
    super(`Function: ${callback} failed: ${reason}`);
  }
}

export type GuestFunction = (...args: Array<number | bigint>) => unknown;

export class GuestCaller {
  private readonly sandbox: { fn: GuestFunction | null; args: Array<number | bigint>; result: unknown };
  private readonly context: vm.Context;
  private readonly script = new vm.Script('result = fn(...args)');

  constructor(private readonly timeoutMs: number) {
    this.sandbox = { fn: null, args: [], result: undefined };
    this.context = vm.createContext(this.sandbox);
  }

  call(name: string, fn: GuestFunction, args: Array<number | bigint>, watched: boolean): unknown {
    try {
      if (!watched || this.timeoutMs <= 0) return fn(...args);
      this.sandbox.fn = fn;
      this.sandbox.args = args;
      this.script.runInContext(this.context, { timeout: this.timeoutMs });
      return this.sandbox.result;
    } catch (error) {
      if (error instanceof GuestTrap) throw error;
      throw new GuestTrap(name, describe(error, this.timeoutMs));
    } finally {
      this.sandbox.fn = null;
      this.sandbox.args = [];
      this.sandbox.result = undefined;
    }
  }
}

function describe(error: unknown, timeoutMs: number): string {
  const { name, message } = (error ?? {}) as { name?: string; message?: string };
  if (typeof message !== 'string') return `Uncaught ${String(error)}`;
  if (/Script execution timed out/.test(message)) return `guest did not return within ${timeoutMs} ms`;
  return `Uncaught ${name ?? 'Error'}: ${message}`;
}
