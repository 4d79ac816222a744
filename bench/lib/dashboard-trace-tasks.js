#!/usr/bin/env node
// What the page's long main-thread tasks in a Chromium trace were made of (issue 10).
//
//   node bench/lib/dashboard-trace-tasks.js TRACE.json [--over 40] [--depth 6] [--min 1]
//
// For each task on the renderer's main thread (CrRendererMain) longer than --over ms of wall time
// or of thread CPU time, prints its wall and CPU time and the tree of trace events inside it
// (FunctionCall, v8.compile, GC, UpdateLayoutTree, Layout, Paint, ...) down to --depth levels,
// leaving out events shorter than --min ms; and, when the trace has the V8 CPU profiler's samples
// (`disabled-by-default-v8.cpu_profiler`), the JavaScript functions the samples inside it fell in.
// Traces come from `node bench/dashboard.js --trace-dir DIR`.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: { over: { type: 'string', default: '40' }, depth: { type: 'string', default: '6' }, min: { type: 'string', default: '1' } },
});
const OVER = Number(opts.over);
const DEPTH = Number(opts.depth);
const MIN = Number(opts.min);

/** A short label for an event: its name and the argument that says what it worked on. */
function label(e) {
  const d = e.args?.data ?? e.args?.beginData ?? {};
  const bits = [e.name];
  if (d.functionName) bits.push(d.functionName);
  if (d.type) bits.push(d.type);
  if (d.url) bits.push(String(d.url).replace(/^.*\//, ''));
  if (d.lineNumber !== undefined && d.functionName !== undefined) bits.push(`:${d.lineNumber}`);
  if (e.args?.elementCount !== undefined) bits.push(`elements=${e.args.elementCount}`);
  if (d.elementCount !== undefined) bits.push(`elements=${d.elementCount}`);
  if (d.dirtyObjects !== undefined) bits.push(`dirty=${d.dirtyObjects}/${d.totalObjects}`);
  if (e.args?.usedHeapSizeBefore !== undefined) bits.push(`heap ${(e.args.usedHeapSizeBefore / 2 ** 20).toFixed(1)}→${(e.args.usedHeapSizeAfter / 2 ** 20).toFixed(1)} MiB`);
  if (e.args?.type && e.name.includes('GC')) bits.push(e.args.type);
  return bits.join(' ');
}

/** The V8 sampler's samples in the page's renderer: [trace µs, node id], and the nodes' call frames. */
function samplesOf(traceEvents, pid) {
  const nodes = new Map();
  const samples = [];
  const clock = new Map(); // profile id → time of its last sample
  for (const e of traceEvents) {
    if (e.pid !== pid) continue;
    if (e.name === 'Profile') clock.set(e.id, e.args?.data?.startTime ?? e.ts);
    if (e.name !== 'ProfileChunk') continue;
    const c = e.args?.data?.cpuProfile;
    if (!c) continue;
    for (const n of c.nodes ?? []) nodes.set(`${e.id}/${n.id}`, n.callFrame);
    let ts = clock.get(e.id) ?? e.ts;
    const deltas = e.args.data.timeDeltas ?? [];
    (c.samples ?? []).forEach((id, i) => {
      ts += deltas[i] ?? 0;
      samples.push([ts, `${e.id}/${id}`]);
    });
    clock.set(e.id, ts);
  }
  return { nodes, samples };
}

const path = positionals[0];
const { traceEvents } = JSON.parse(readFileSync(path, 'utf8'));
const mains = traceEvents.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`);
// The page's renderer is the one whose main thread ran the most tasks.
const counts = new Map(mains.map((m) => [m, 0]));
for (const e of traceEvents) if (e.name === 'RunTask' && counts.has(`${e.pid}:${e.tid}`)) counts.set(`${e.pid}:${e.tid}`, counts.get(`${e.pid}:${e.tid}`) + 1);
const main = [...counts].sort((a, b) => b[1] - a[1])[0][0];
const onMain = traceEvents.filter((e) => `${e.pid}:${e.tid}` === main && e.ph === 'X' && typeof e.dur === 'number').sort((a, b) => a.ts - b.ts || b.dur - a.dur);
const t0 = onMain[0]?.ts ?? 0;
const tasks = onMain.filter((e) => e.name === 'RunTask');
const { nodes, samples } = samplesOf(traceEvents, Number(main.split(':')[0]));
const userMarks = traceEvents.filter((e) => `${e.pid}:${e.tid}` === main && e.cat?.includes('blink.user_timing'));

console.log(`${path}: ${tasks.length} main-thread tasks over ${((tasks.at(-1)?.ts - t0) / 1e6).toFixed(1)} s; CPU samples: ${samples.length}`);
for (const m of userMarks) if (m.name.startsWith('phase ')) console.log(`mark at +${((m.ts - t0) / 1000).toFixed(0)} ms: ${m.name}`);
for (const task of tasks) {
  const wall = task.dur / 1000;
  const cpu = (task.tdur ?? task.dur) / 1000;
  if (wall <= OVER && cpu <= OVER) continue;
  const end = task.ts + task.dur;
  console.log(`\n== task at +${((task.ts - t0) / 1000).toFixed(0)} ms: wall ${wall.toFixed(1)} ms, CPU ${cpu.toFixed(1)} ms`);
  const stack = [task];
  for (const e of onMain) {
    if (e.ts < task.ts || e.ts >= end || e === task) continue;
    while (stack.length > 1 && e.ts >= stack.at(-1).ts + stack.at(-1).dur) stack.pop();
    if (stack.length <= DEPTH && e.dur / 1000 >= MIN) {
      const ecpu = e.tdur !== undefined ? `, CPU ${(e.tdur / 1000).toFixed(1)}` : '';
      console.log(`${'  '.repeat(stack.length)}${(e.dur / 1000).toFixed(1)} ms${ecpu} +${((e.ts - task.ts) / 1000).toFixed(1)}  ${label(e)}`);
    }
    stack.push(e);
  }
  for (const m of userMarks) if (m.ts >= task.ts && m.ts < end) console.log(`  mark: ${m.name}`);
  const inside = samples.filter(([ts]) => ts >= task.ts && ts < end);
  if (inside.length) {
    const self = new Map();
    for (const [, id] of inside) {
      const f = nodes.get(id);
      const key = f ? `${f.functionName || '(anonymous)'} ${String(f.url ?? '').replace(/^.*\//, '')}:${f.lineNumber ?? ''}:${f.columnNumber ?? ''}` : `#${id}`;
      self.set(key, (self.get(key) ?? 0) + 1);
    }
    console.log(`  samples: ${inside.length}; most frequent on top of the stack:`);
    for (const [key, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`    ${n}  ${key}`);
  }
}
