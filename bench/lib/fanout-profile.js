// Summarises a V8 CPU profile (`node --cpu-prof`): where the samples landed, by function (self time)
// and by module (activityd package, dependency, Node internals, GC, idle).
//
//   node bench/lib/fanout-profile.js FILE.cpuprofile [--top 20] [--since-ms 0] [--until-ms Infinity]
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

/** Which part of the program a call frame belongs to. */
function moduleOf({ url, functionName }) {
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(program)') return 'native (program)';
  if (!url) return 'native';
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:').split('/').slice(0, 2).join('/');
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dep) return dep[1];
  const own = /packages\/([^/]+)\/dist\/(.*)$/.exec(url);
  if (own) return `@activityd/${own[1]} ${own[2]}`;
  return url.replace(/^file:\/\/.*\/(bench\/)/, '$1');
}

/**
 * Self time per function and per module, in ms, and the total profiled time; only the samples
 * taken between `sinceMs` and `untilMs` after the profile started (e.g. the measured window).
 */
export function summariseProfile(file, top = 20, { sinceMs = 0, untilMs = Infinity } = {}) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  let at = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at < sinceMs * 1000 || at > untilMs * 1000) continue;
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  }
  const functions = new Map();
  const modules = new Map();
  let total = 0;
  for (const [id, us] of selfUs) {
    const { callFrame } = byId.get(id);
    const where = callFrame.url ? `${moduleOf(callFrame)}:${callFrame.lineNumber + 1}` : moduleOf(callFrame);
    const key = `${callFrame.functionName || '(anonymous)'} ${where}`;
    functions.set(key, (functions.get(key) ?? 0) + us);
    const mod = moduleOf(callFrame);
    modules.set(mod, (modules.get(mod) ?? 0) + us);
    total += us;
  }
  const idle = modules.get('idle') ?? 0;
  const busy = total - idle;
  const sorted = (map) => [...map].filter(([name]) => !name.startsWith('(idle)') && name !== 'idle')
    .sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, us]) => ({ name, ms: us / 1000, share: us / busy }));
  return { totalMs: total / 1000, busyMs: busy / 1000, functions: sorted(functions), modules: sorted(modules) };
}

/** The summary as text lines. */
export function formatProfile(summary, label = '') {
  const lines = [
    `CPU profile ${label}: ${(summary.totalMs / 1000).toFixed(1)} s sampled, busy ${(summary.busyMs / 1000).toFixed(1)} s ` +
      `(${((summary.busyMs / summary.totalMs) * 100).toFixed(0)} %); shares of busy time`,
    '  by module (self time):',
  ];
  for (const m of summary.modules.slice(0, 12)) lines.push(`    ${(m.share * 100).toFixed(1).padStart(5)} %  ${m.name}`);
  lines.push('  by function (self time):');
  for (const f of summary.functions.slice(0, 20)) lines.push(`    ${(f.share * 100).toFixed(1).padStart(5)} %  ${f.name}`);
  return lines;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node bench/lib/fanout-profile.js FILE.cpuprofile [--top 20] [--since-ms 0] [--until-ms Infinity]');
    process.exit(2);
  }
  const topAt = process.argv.indexOf('--top');
  const top = topAt > 0 ? Number(process.argv[topAt + 1]) : 20;
  const sinceAt = process.argv.indexOf('--since-ms');
  const untilAt = process.argv.indexOf('--until-ms');
  const window = { sinceMs: sinceAt > 0 ? Number(process.argv[sinceAt + 1]) : 0, untilMs: untilAt > 0 ? Number(process.argv[untilAt + 1]) : Infinity };
  console.log(formatProfile(summariseProfile(file, top * 2, window), file).join('\n'));
}
