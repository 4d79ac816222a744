import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI, as `npm start` runs it. */
export const CLI = fileURLToPath(new URL('../../packages/cli/dist/main.js', import.meta.url));

/** A real `activityd` process. */
export interface ServeProcess {
  url: string;
  proc: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** SIGTERM, and wait for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, and wait for it to be gone. */
  kill(): Promise<void>;
}

/** Starts `activityd <args>` and resolves once it prints where it listens. */
export function startServe(args: string[], env: Record<string, string> = {}): Promise<ServeProcess> {
  const proc = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`activityd did not start:\n${out}`)), 15_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /activityd listening on (http:\/\/\S+?)\/? /.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({
          url: match[1]!.replace(/\/$/, ''),
          proc,
          output: () => out,
          stop: async () => { proc.kill('SIGTERM'); return exited; },
          kill: async () => { proc.kill('SIGKILL'); await exited; },
        });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`activityd exited with ${code}:\n${out}`)); });
  });
}
