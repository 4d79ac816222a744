// A small Chrome DevTools Protocol client for the benchmarks: Chromium started with
// `--remote-debugging-pipe` (the browser reads commands on fd 3 and writes replies and events on fd 4,
// each message JSON ended by a NUL byte, as Playwright does it; no port to pick, poll or collide on),
// sessions attached to targets in flat mode, and nothing enabled that the caller does not ask for.
//
//   const chromium = await launch({ executablePath: '/usr/bin/chromium', args: ['--headless'] });
//   const page = await chromium.newPage();     // a CDPSession on a new tab in its own browser context
//   await page.send('Page.enable');
//   page.on('Page.loadEventFired', ...);
//   await chromium.close();
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One CDP session (the browser's when `sessionId` is undefined): `send` commands, `on` its events. */
export class CDPSession extends EventEmitter {
  constructor(connection, sessionId) {
    super();
    this.connection = connection;
    this.sessionId = sessionId;
  }

  send(method, params = {}) {
    return this.connection.send(method, params, this.sessionId);
  }
}

class Connection {
  constructor(write, read) {
    this.write = write;
    this.nextId = 0;
    this.pending = new Map();
    this.browser = new CDPSession(this, undefined);
    this.sessions = new Map();
    this.closed = null;
    let buffered = [];
    read.on('data', (chunk) => {
      let start = 0;
      for (let end = chunk.indexOf(0); end !== -1; start = end + 1, end = chunk.indexOf(0, start)) {
        buffered.push(chunk.subarray(start, end));
        this.dispatch(JSON.parse(Buffer.concat(buffered).toString('utf8')));
        buffered = [];
      }
      if (start < chunk.length) buffered.push(chunk.subarray(start));
    });
  }

  session(sessionId) {
    let session = this.sessions.get(sessionId);
    if (!session) this.sessions.set(sessionId, (session = new CDPSession(this, sessionId)));
    return session;
  }

  send(method, params, sessionId) {
    if (this.closed) return Promise.reject(this.closed);
    const id = ++this.nextId;
    const message = { id, method, params, ...(sessionId ? { sessionId } : {}) };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      this.write.write(`${JSON.stringify(message)}\0`);
    });
  }

  dispatch(message) {
    if (message.id !== undefined) {
      const call = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (!call) return;
      if (message.error) call.reject(new Error(`${call.method}: ${message.error.message}${message.error.data ? ` (${message.error.data})` : ''}`));
      else call.resolve(message.result);
      return;
    }
    const session = message.sessionId ? this.sessions.get(message.sessionId) : this.browser;
    session?.emit(message.method, message.params);
  }

  close(error) {
    this.closed ??= error;
    for (const call of this.pending.values()) call.reject(error);
    this.pending.clear();
  }
}

/**
 * Starts Chromium with `args` (plus a temporary profile, `--remote-debugging-pipe` and
 * `--no-startup-window`) and connects to it. `newPage()` opens a tab in a new browser context
 * (like Playwright's `browser.newPage()`) and returns its attached session; `close()` ends the browser.
 */
export async function launch({ executablePath, args = [] }) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'activityd-chromium-'));
  const child = spawn(executablePath, [...args, `--user-data-dir=${userDataDir}`, '--remote-debugging-pipe', '--no-startup-window'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const connection = new Connection(child.stdio[3], child.stdio[4]);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.once('error', (error) => connection.close(error));
  child.once('exit', (code, signal) => connection.close(new Error(`Chromium exited (${signal ?? code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`)));
  child.stdio[3].on('error', () => {}); // the exit handler reports it
  const { browser } = connection;
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      browser.send('Browser.close').catch(() => {});
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(userDataDir, { recursive: true, force: true });
  };
  try {
    await browser.send('Browser.getVersion');
  } catch (error) {
    await close();
    throw error;
  }
  return {
    browser,
    async newPage() {
      const { browserContextId } = await browser.send('Target.createBrowserContext', { disposeOnDetach: true });
      const { targetId } = await browser.send('Target.createTarget', { url: 'about:blank', browserContextId });
      const { sessionId } = await browser.send('Target.attachToTarget', { targetId, flatten: true });
      return connection.session(sessionId);
    },
    close,
  };
}
