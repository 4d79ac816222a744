#!/usr/bin/env node
// Summarises a V8 .cpuprofile (from `node bench/http-progress.js --cpu-prof DIR`): where the server
// child spent its samples, by package (self time), by function (self time) and by function
// including callees (inclusive time, each function counted once per sample however deep it recurses).
//   node bench/lib/http-progress-profile.js DIR/activityd-ws-*.cpuprofile [--top 30] [--match text]
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { parseArgs } from 'node:util';

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '30' }, match: { type: 'string' } },
});
if (positionals.length === 0) {
  console.error('usage: node bench/lib/http-progress-profile.js FILE.cpuprofile [--top 30] [--match text]');
  process.exit(2);
}
const top = Number(flags.top);

for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const where = (frame) => {
    const url = frame.url ?? '';
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? /packages\/([^/]+)\/dist/.exec(url)?.[1];
    if (pkg) return pkg.startsWith('@activityd/') || !url.includes('node_modules') ? `activityd:${pkg.replace('@activityd/', '')}` : pkg;
    if (url.startsWith('node:')) return 'node internals';
    if (url === '') return `(${frame.functionName || 'native'})`;
    return url.replace(/^file:\/\/.*\/(bench\/)/, '$1');
  };
  const key = (frame) => `${frame.functionName || '(anonymous)'}  ${where(frame)}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;

  const self = new Map();
  const inclusive = new Map();
  const byPackage = new Map();
  const add = (map, k, v = 1) => map.set(k, (map.get(k) ?? 0) + v);
  // Samples of idle and GC stand apart; the rest is the work.
  let total = 0;
  for (const id of profile.samples) {
    const node = nodes.get(id);
    total++;
    add(self, key(node.callFrame));
    add(byPackage, where(node.callFrame));
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const k = key(nodes.get(at).callFrame);
      if (!seen.has(k)) {
        seen.add(k);
        add(inclusive, k);
      }
    }
  }
  const idle = self.get('(idle)  ((idle))') ?? 0;
  const busy = total - idle;
  const line = ([k, v]) => `${((100 * v) / busy).toFixed(1).padStart(6)} %  ${k}`;
  const rank = (map) => [...map].filter(([k]) => !k.startsWith('(idle)') && !k.startsWith('(root)') && (!flags.match || k.includes(flags.match)))
    .sort((a, b) => b[1] - a[1]).slice(0, top).map(line);

  console.log(`${file}\n  ${total} samples, ${((100 * idle) / total).toFixed(1)} % idle; percentages below are of the ${busy} busy samples`);
  console.log('\n  self time by package:');
  for (const l of rank(byPackage)) console.log(`  ${l}`);
  console.log('\n  self time by function:');
  for (const l of rank(self)) console.log(`  ${l}`);
  console.log('\n  inclusive time by function:');
  for (const l of rank(inclusive)) console.log(`  ${l}`);
  console.log('');
}
