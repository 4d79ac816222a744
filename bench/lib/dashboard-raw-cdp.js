// Does the DevTools Network domain make the dashboard's once-per-page long task? (issue 10)
//
//   node bench/lib/dashboard-raw-cdp.js network|none TRACE.json
//
// Runs bench/dashboard.js's running phase twice (1,000 activities × 5 updates/s for 10 s) with Chromium
// driven over raw CDP instead of Playwright, which turns `Network.enable` on for every page: `none`
// leaves the Network domain off, `network` turns it on as Playwright does. Prints the page's long tasks
// (ms after the first phase began) and writes a timeline trace for
// `node bench/lib/dashboard-trace-tasks.js TRACE.json`. Needs `npm run build` first.
import { fork, spawn } from 'node:child_process';
import { WebSocket } from 'ws';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const withNetwork = process.argv[2] === 'network';
const profile = mkdtempSync(join(tmpdir(), 'activityd-raw-cdp-'));
const server = fork(new URL('./dashboard-server.js', import.meta.url), [], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
const url = await new Promise((r) => server.stdout.on('data', (c) => { const m = /listening (\S+)/.exec(String(c)); if (m) r(m[1]); }));
const port = 9300 + Math.floor(Math.random() * 500);
const browser = spawn('/usr/bin/chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', `--remote-debugging-port=${port}`, '--window-size=1280,800', `--user-data-dir=${profile}`, 'about:blank'], { stdio: 'ignore' });
let targets;
for (;;) { try { targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json(); if (targets.some((t) => t.type === 'page')) break; } catch { /* not listening yet */ } await new Promise((r) => setTimeout(r, 100)); }
const ws = new WebSocket(targets.find((t) => t.type === 'page').webSocketDebuggerUrl);
await new Promise((r) => ws.once('open', r));
let id = 0; const pending = new Map();
ws.on('message', (m) => { const msg = JSON.parse(m); if (msg.id && pending.has(msg.id)) { pending.get(msg.id)(msg); pending.delete(msg.id); } });
const send = (method, params = {}) => new Promise((r) => { pending.set(++id, r); ws.send(JSON.stringify({ id, method, params })); });
const evaluate = async (expression) => (await send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true })).result?.result?.value;
await send('Page.enable');
await send('Emulation.setDeviceMetricsOverride', { width: 1280, height: 800, deviceScaleFactor: 1, mobile: false });
if (withNetwork) await send('Network.enable');
await send('Page.addScriptToEvaluateOnNewDocument', { source: `(() => { const b = { longTasks: [] }; globalThis.__bench = b;
  new PerformanceObserver((l) => { for (const e of l.getEntries()) b.longTasks.push([Math.round(e.startTime), Math.round(e.duration)]); }).observe({ type: 'longtask', buffered: true }); })()` });
await send('Page.navigate', { url: `${url}/?token=t` });
while (!(await evaluate(`!!document.querySelector('[data-connection="live"]')`))) await new Promise((r) => setTimeout(r, 100));
await new Promise((r) => setTimeout(r, 500));
const traceOut = process.argv[3];
await send('Tracing.start', { transferMode: 'ReturnAsStream', traceConfig: { includedCategories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'toplevel'] } });
const t0 = await evaluate('__bench.longTasks = []; performance.now()');
for (let round = 0; round < 2; round++) {
  await new Promise((r) => { server.once('message', r); server.send({ id: round + 1, cmd: 'running', activities: 1000, perSecond: 5, seconds: 10 }); });
  while ((await evaluate(`document.querySelectorAll('li.row[data-state="running"]').length`)) !== 0) await new Promise((r) => setTimeout(r, 50));
}
const tasks = await evaluate('__bench.longTasks');
const done = new Promise((r) => ws.on('message', (m) => { const msg = JSON.parse(m); if (msg.method === 'Tracing.tracingComplete') r(msg.params.stream); }));
await send('Tracing.end');
const handle = await done;
const { writeFileSync } = await import('node:fs');
let text = '';
for (;;) { const { result } = await send('IO.read', { handle, size: 1 << 22 }); text += result.base64Encoded ? Buffer.from(result.data, 'base64').toString() : result.data; if (result.eof) break; }
writeFileSync(traceOut, text.trimStart().startsWith('[') ? JSON.stringify({ traceEvents: JSON.parse(text) }) : text);
console.log(withNetwork ? 'with Network domain' : 'without Network domain', 'long tasks over two running phases:', JSON.stringify(tasks.map(([s, d]) => `+${Math.round(s - t0)} (${d} ms)`)));
browser.kill();
server.kill();
await new Promise((r) => setTimeout(r, 500));
rmSync(profile, { recursive: true, force: true });
process.exit(0);
