#!/usr/bin/env node
// The page's main-thread CPU per phase of a bench/dashboard.js trace, for A/B comparisons on a shared
// machine, where wall times (and so long-task counts) mostly measure preemption (issue 10).
//
//   node bench/lib/dashboard-trace-phases.js TRACE.json [--first 1500] [--json]
//
// For each phase (from the `performance.mark('phase …')` that bench/dashboard.js --trace-dir sets), over
// its first --first ms (or all of it with --first 0): the renderer main thread's tasks, their CPU in
// total, the longest task's CPU, how many used over 16 ms of CPU and how many over 50 ms of wall time;
// elements restyled and layout objects laid out (counts: unlike times, the same however loaded the machine);
// the frame tasks (those that ran rAF callbacks, style or layout) and their CPU p50 / p95 / max; and the
// CPU of the kinds of work inside all tasks (script, style, layout, paint, GC), each event counted once
// even where it nests in another of its kind.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: { first: { type: 'string', default: '1500' }, json: { type: 'boolean', default: false } },
});
const FIRST_US = Number(opts.first) * 1000;

/** Kinds of work, by trace event name. */
const KINDS = {
  script: ['FunctionCall', 'EvaluateScript', 'TimerFire', 'FireAnimationFrame', 'RunMicrotasks', 'EventDispatch'],
  style: ['UpdateLayoutTree'],
  layout: ['Layout'],
  paint: ['PrePaint', 'Paint', 'Layerize', 'UpdateLayer'],
  gc: ['MinorGC', 'MajorGC', 'V8.GC_MC_INCREMENTAL', 'BlinkGC.AtomicPhase', 'CppGC.IncrementalMark', 'V8.GCPhantomHandleProcessingCallback'],
};
const DRAWING = new Set(['FireAnimationFrame', 'UpdateLayoutTree', 'Layout']);
const kindOf = new Map(Object.entries(KINDS).flatMap(([kind, names]) => names.map((name) => [name, kind])));

const { traceEvents } = JSON.parse(readFileSync(positionals[0], 'utf8'));
const mains = new Set(traceEvents.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
const counts = new Map();
for (const e of traceEvents) if (e.name === 'RunTask' && mains.has(`${e.pid}:${e.tid}`)) counts.set(`${e.pid}:${e.tid}`, (counts.get(`${e.pid}:${e.tid}`) ?? 0) + 1);
const main = [...counts].sort((a, b) => b[1] - a[1])[0][0]; // the page's renderer ran the most tasks
const onMain = traceEvents.filter((e) => `${e.pid}:${e.tid}` === main && e.ph === 'X' && typeof e.dur === 'number').sort((a, b) => a.ts - b.ts);
const marks = traceEvents.filter((e) => `${e.pid}:${e.tid}` === main && e.name.startsWith('phase ')).sort((a, b) => a.ts - b.ts);
const cpu = (e) => (e.tdur ?? e.dur) / 1000;

const rows = marks.map((mark, i) => {
  const end = Math.min(marks[i + 1]?.ts ?? Infinity, FIRST_US ? mark.ts + FIRST_US : Infinity);
  const tasks = onMain.filter((e) => e.name === 'RunTask' && e.ts >= mark.ts && e.ts < end);
  // Work counted, not timed (the same whatever the machine's load): elements restyled, layout objects laid out.
  let restyled = 0;
  let laidOut = 0;
  for (const e of onMain) {
    if (e.ts < mark.ts || e.ts >= end) continue;
    if (e.name === 'UpdateLayoutTree') restyled += e.args?.elementCount ?? 0;
    if (e.name === 'Layout') laidOut += e.args?.beginData?.dirtyObjects ?? 0;
  }
  const byKind = Object.fromEntries(Object.keys(KINDS).map((k) => [k, 0]));
  const openUntil = Object.fromEntries(Object.keys(KINDS).map((k) => [k, 0])); // skip events nested in one of their kind
  for (const e of onMain) {
    const kind = kindOf.get(e.name);
    if (!kind || e.ts < mark.ts || e.ts >= end || e.ts < openUntil[kind]) continue;
    openUntil[kind] = e.ts + e.dur;
    byKind[kind] += cpu(e);
  }
  const round = (x) => +x.toFixed(1);
  // Frame tasks: those that rendered (ran rAF callbacks, style or layout); their CPU is the page's drawing.
  const frameCpu = tasks.filter((t) => onMain.some((e) => e.ts >= t.ts && e.ts < t.ts + t.dur && DRAWING.has(e.name))).map(cpu).sort((a, b) => a - b);
  const pct = (p) => round(frameCpu[Math.min(frameCpu.length - 1, Math.ceil(p * frameCpu.length) - 1)] ?? 0);
  return {
    phase: mark.name.slice('phase '.length), windowMs: Math.round((Math.min(end, onMain.at(-1).ts) - mark.ts) / 1000),
    tasks: tasks.length, cpuMs: round(tasks.reduce((s, t) => s + cpu(t), 0)),
    maxTaskCpuMs: round(Math.max(0, ...tasks.map(cpu))), tasksCpuOver16: tasks.filter((t) => cpu(t) > 16).length,
    tasksWallOver50: tasks.filter((t) => t.dur > 50_000).length,
    restyled, laidOut, frames: frameCpu.length, frameCpuP50: pct(0.5), frameCpuP95: pct(0.95), frameCpuMax: pct(1),
    ...Object.fromEntries(Object.entries(byKind).map(([k, v]) => [`${k}Ms`, round(v)])),
  };
});
if (opts.json) console.log(JSON.stringify(rows, null, 2));
else console.table(rows);
