// Running the real `activityd` binary: to completion, in the background, or in a pseudo-terminal
// under tmux (its own tmux server, so other tmux users are never touched), and process checks.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { CLI, onCleanup, TOKEN } from './servers.js';

/** The environment the CLI reads its server and token from. */
export const cliEnv = (url: string, token = TOKEN): Record<string, string> => ({ ACTIVITYD_URL: url, ACTIVITYD_TOKEN: token });

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A CLI process in the background: its output so far, and its end. */
export interface CliProcess {
  proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<CliRun>;
}

/** Starts `activityd <args>`; killed after the test if still running. */
export function spawnCli(args: string[], env: Record<string, string>): CliProcess {
  const proc = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  proc.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<CliRun>((resolve) => proc.once('close', (code) => resolve({ code, stdout, stderr })));
  onCleanup(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });
  return { proc, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Runs `activityd <args>` to its end (at most `timeoutMs`). */
export async function runCli(args: string[], env: Record<string, string>, timeoutMs = 15_000): Promise<CliRun> {
  const cli = spawnCli(args, env);
  const timer = setTimeout(() => cli.proc.kill('SIGKILL'), timeoutMs);
  try {
    return await cli.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Is `pid` a live process (not gone, not a zombie)? */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  return stat !== '' && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}

/** The pids of `pid`'s children. */
export function childrenOf(pid: number): number[] {
  const out = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).stdout;
  return out.split('\n').map((s) => Number(s.trim())).filter((n) => n > 0);
}

/** Is tmux installed? */
export const haveTmux = spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;

let sessions = 0;

/** A tmux session running `command` in a `cols`×`rows` pseudo-terminal; killed after the test. */
export function tmuxSession(command: string, cols = 160, rows = 30) {
  const socket = `activityd-test-${process.pid}`;
  const name = `activityd-${process.pid}-${Date.now().toString(36)}-${++sessions}`;
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  tmux('new-session', '-d', '-s', name, '-x', String(cols), '-y', String(rows), command);
  onCleanup(() => {
    try {
      tmux('kill-session', '-t', name);
    } catch {
      // already gone
    }
  });
  return {
    name,
    /** The screen as text, trailing blanks trimmed. */
    capture: () => tmux('capture-pane', '-p', '-t', name).split('\n').map((l) => l.trimEnd()).join('\n').trimEnd(),
    keys: (...keys: string[]) => void tmux('send-keys', '-t', name, ...keys),
    /** Whether the terminal shows its cursor. */
    cursorVisible: () => tmux('display-message', '-p', '-t', name, '#{cursor_flag}').trim() === '1',
  };
}

/** A shell-safe single-quoted word. */
export const shellQuote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
