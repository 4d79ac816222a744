#!/usr/bin/env node
import { parseServeConfig, SERVE_USAGE } from './config.js';
import { startDemoWork } from './demo-work.js';
import { serve, type Running } from './serve.js';
import { withLocalAccess } from './local-access.js';
import { ADMIN_USAGE, runAdminCommand } from './admin-commands.js';
import { CLIENT_USAGE, runClientCommand } from './client-commands.js';

const USAGE = `activityd — track and control long-running operations

Usage:
  activityd serve [options]        run the server
  activityd demo [options]         run the server with simulated work
  activityd admin-token --reset    replace the admin token of --data-dir and print it

${SERVE_USAGE}

${CLIENT_USAGE}

${ADMIN_USAGE}`;

const say = (line: string): void => void process.stdout.write(`${line}\n`);

/** Drains on the first SIGTERM/SIGINT; a second one exits at once. */
function drainOnSignals(running: Running, stopWork: () => void = () => {}): void {
  let draining = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (draining) process.exit(1);
    draining = true;
    say(`${signal}: draining`);
    stopWork();
    running.close().then(() => process.exit(0), (error: unknown) => {
      process.stderr.write(`error while draining: ${String(error)}\n`);
      process.exit(1);
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

async function main(argv: string[]): Promise<void> {
  const [command = 'help', ...rest] = argv;
  switch (command) {
    case 'serve':
    case 'demo': {
      const config = parseServeConfig(rest, process.env, command === 'demo' ? { store: 'memory' } : {});
      if (config.help) return say(USAGE);
      const running = await serve(config, say);
      drainOnSignals(running, command === 'demo' ? startDemoWork(running.hub) : undefined);
      return;
    }
    case 'admin-token': {
      const config = parseServeConfig(rest.filter((a) => a !== '--reset'), process.env);
      if (!rest.includes('--reset')) return say('usage: activityd admin-token --reset [--data-dir DIR]');
      await withLocalAccess(config.dataDir, async (access) => {
        say(`admin token for ${config.dataDir} (shown once): ${await access.resetAdminToken()}`);
      });
      return;
    }
    case 'users':
    case 'groups':
    case 'tokens':
    case 'keys':
      return runAdminCommand(command, rest, process.env, say);
    case 'ls':
    case 'get':
    case 'watch':
    case 'cancel':
    case 'result':
    case 'run':
      process.exitCode = await runClientCommand(command, rest, process.env, say);
      return;
    case 'help':
    case '--help':
    case '-h':
      return say(USAGE);
    default:
      throw new Error(`unknown command '${command}'\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`activityd: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
