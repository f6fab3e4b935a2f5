/** `npm start` (plugin/ai-proxy/cli/serve.ts) as a child process for tests: its output, its gateway URL once printed, Ctrl-C. */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ServeRun {
  child: ChildProcess;
  out: { text: string };
  /** The gateway URL, once the CLI printed it and its `try` line. */
  ready: Promise<string>;
  exited: Promise<number | null>;
}

export function startServe(args: string[], env: Record<string, string> = {}): ServeRun {
  const child = spawn(process.execPath, ['--import', 'tsx', 'plugin/ai-proxy/cli/serve.ts', ...args], { env: { ...process.env, ...env } });
  const out = { text: '' };
  child.stdout.on('data', (c: Buffer) => (out.text += c));
  child.stderr.on('data', (c: Buffer) => (out.text += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const m = /^try\s.*$/m.test(out.text) && /^gateway\s+(\S+)/m.exec(out.text);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`exited ${code}: ${out.text}`)));
  });
  ready.catch(() => {});
  return { child, out, ready, exited };
}

/** Ctrl-C, then the exit code. */
export function stopServe(run: ServeRun): Promise<number | null> {
  run.child.kill('SIGINT');
  return run.exited;
}
