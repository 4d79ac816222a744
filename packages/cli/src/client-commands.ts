import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Activity } from '@activityd/client';
import { activityTable } from './format.js';
import { clientFrom, csv, parseRemote } from './remote.js';
import { watchWithBars } from './watch-bars.js';

export const CLIENT_USAGE = `Talking to a running server (--url URL, default http://127.0.0.1:4600 or ACTIVITYD_URL; --token T or ACTIVITYD_TOKEN):
  activityd ls [--state S] [--type T] [--json]       list visible activities
  activityd get ID [--json]                          one activity
  activityd watch [--state S] [--type T] [--id ID]   live progress bars with rate and ETA (Ctrl-C to stop)
  activityd cancel ID                                cancel an activity
  activityd result ID                                the result of a completed activity
  activityd run --type T --title "…" -- COMMAND ...   run a command as an activity: "PROGRESS 42 [subtitle]"
                                                     lines report progress; its exit code ends it; cancel kills it`;

type Say = (line: string) => void;

/** `activityd ls|get|watch|cancel|result|run`; resolves to the process exit code. */
export async function runClientCommand(command: string, argv: string[], env: NodeJS.ProcessEnv, say: Say): Promise<number> {
  switch (command) {
    case 'ls': {
      const { values } = parseRemote(argv, { state: { type: 'string' }, type: { type: 'string' }, limit: { type: 'string' } });
      const page = await clientFrom(values, env).list({ state: csv(values.state), type: csv(values.type), limit: Number(values.limit ?? 100) });
      say(values.json ? JSON.stringify(page.activities, null, 2) : activityTable(page.activities, Date.now()));
      return 0;
    }
    case 'get':
    case 'cancel':
    case 'result': {
      const { values, positionals } = parseRemote(argv, {});
      const id = positionals[0];
      if (!id) throw new Error(`activityd ${command} needs an activity id`);
      const client = clientFrom(values, env);
      const out = command === 'get' ? await client.get(id) : command === 'cancel' ? await client.cancel(id) : await client.result(id);
      say(command === 'result' || values.json ? JSON.stringify(out, null, 2) : activityTable([out as Activity], Date.now()));
      return 0;
    }
    case 'watch': {
      const { values } = parseRemote(argv, { state: { type: 'string' }, type: { type: 'string' }, id: { type: 'string' } });
      await watchWithBars(clientFrom(values, env), { state: csv(values.state), type: csv(values.type), id: csv(values.id) });
      return 0;
    }
    case 'run':
      return runCommand(argv, env, say);
    default:
      throw new Error(`unknown command '${command}'`);
  }
}

/** `activityd run`: a shell command as an activity. */
async function runCommand(argv: string[], env: NodeJS.ProcessEnv, say: Say): Promise<number> {
  const split = argv.indexOf('--');
  if (split < 0 || split === argv.length - 1) throw new Error('usage: activityd run --type T --title "…" -- COMMAND [ARGS...]');
  const { values } = parseRemote(argv.slice(0, split), { type: { type: 'string' }, title: { type: 'string' }, cancellable: { type: 'boolean' } });
  const [program, ...args] = argv.slice(split + 1);
  const client = clientFrom(values, env);
  const reporter = await client.report({ type: String(values.type ?? 'command'), title: String(values.title ?? [program, ...args].join(' ')), progress: null });
  say(`activity ${reporter.id}`);
  // Its own process group, so a cancel stops the command and everything it started (a shell's
  // children hold its output open otherwise); Ctrl-C is passed on to the group.
  const child = spawn(program!, args, { stdio: ['inherit', 'pipe', 'inherit'], detached: true });
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  reporter.signal.addEventListener('abort', () => signalGroup('SIGTERM'), { once: true });
  process.once('SIGINT', () => signalGroup('SIGINT'));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const match = /^PROGRESS\s+(\d+(?:\.\d+)?)(?:\s+(.*))?$/.exec(line.trim());
    if (match && Number(match[1]) <= 100) reporter.progress(Number(match[1]), match[2] ?? undefined);
    else process.stdout.write(`${line}\n`);
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c, s) => resolve([c, s]));
  }).catch(async (error: unknown) => {
    // The command could not start (e.g. not found): end the activity now, not when its lease lapses.
    await reporter.fail({ code: 'spawn_failed', message: error instanceof Error ? error.message : String(error) });
    throw error;
  });
  if (reporter.signal.aborted) {
    say(`activity ${reporter.id} was cancelled; the command was stopped`);
    return 130;
  }
  if (code === 0) await reporter.complete({ exitCode: 0 });
  else await reporter.fail({ code: signal ? 'killed' : 'exit_code', message: signal ? `killed by ${signal}` : `exited with code ${code}` });
  return code ?? 1;
}
