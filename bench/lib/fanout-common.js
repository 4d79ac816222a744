// Shared by bench/fanout.js, bench/inprocess-progress.js and their children: an IPC request/reply
// channel to forked children, process accounting from /proc, the shared clock, and formatting.
import { performance } from 'node:perf_hooks';
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import process from 'node:process';

/**
 * Microseconds on the machine's monotonic clock (CLOCK_MONOTONIC through libuv): the same clock in
 * every process on this machine, so a time taken in one child can be subtracted from one taken in
 * another. Finer than Date.now()'s milliseconds.
 */
export function nowMicros() {
  const [s, ns] = process.hrtime();
  return s * 1e6 + Math.floor(ns / 1e3);
}

/** Resident set size of a process, in bytes, from /proc/<pid>/status VmRSS. */
export function rssOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/** CPU time (user + system) a process has used so far, in seconds, from /proc/<pid>/stat. */
export function cpuSecondsOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; fields after the closing parenthesis are plain.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime (fields 14, 15) in USER_HZ ticks
}

/** CPU seconds the whole machine has spent busy so far (all cores, all processes), from /proc/stat. */
export function machineBusySeconds() {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map(Number);
  void idle;
  void iowait;
  return (user + nice + system + irq + softirq + steal) / 100;
}

/** This process's own CPU seconds so far. */
export function ownCpuSeconds() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** Percentiles of latencies (any unit), sorting in place. */
export function percentiles(values) {
  if (Array.isArray(values)) values.sort((a, b) => a - b);
  else values.sort(); // typed arrays sort numerically
  const at = (p) => (values.length ? values[Math.min(values.length - 1, Math.ceil(p * values.length) - 1)] : NaN);
  return { count: values.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: values.length ? values[values.length - 1] : NaN };
}

/**
 * A forked child speaking `{id, cmd, ...}` → `{id, ok, result | error}` over IPC, plus unsolicited
 * `{event, ...}` messages. Every child started here is killed when this process exits.
 */
export class ChildProcess {
  static all = new Set();

  constructor(script, { args = [], env = {}, execArgv = [], name = script, onEvent = () => {}, stdout = 'inherit' } = {}) {
    this.name = name;
    /** When it was started, on this process's performance.now() clock (to place windows in its CPU profile). */
    this.startedAt = performance.now();
    this.proc = fork(script, args, { env: { ...process.env, ...env }, execArgv, stdio: ['ignore', stdout, 'inherit', 'ipc'] });
    this.pid = this.proc.pid;
    this.pending = new Map();
    this.nextId = 1;
    this.exited = new Promise((resolve) => this.proc.once('exit', (code, signal) => {
      ChildProcess.all.delete(this);
      for (const { reject } of this.pending.values()) reject(new Error(`${this.name} exited (${signal ?? code}) before answering`));
      this.pending.clear();
      resolve({ code, signal });
    }));
    this.proc.on('message', (message) => {
      if (message && typeof message.id === 'number' && this.pending.has(message.id)) {
        const { resolve, reject } = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.ok) resolve(message.result);
        else reject(new Error(`${this.name}: ${message.error}`));
      } else onEvent(message);
    });
    ChildProcess.all.add(this);
  }

  /** Sends a command and resolves to the child's answer; rejects after `timeoutMs`. */
  request(cmd, args = {}, timeoutMs = 120_000) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: '${cmd}' got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => { clearTimeout(timer); resolve(v); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      this.proc.send({ id, cmd, ...args });
    });
  }

  /** Sends a message without waiting for an answer. */
  notify(message) {
    if (this.proc.connected) this.proc.send(message);
  }

  /** Asks the child to exit (SIGTERM), then kills it if it has not within `graceMs`. */
  async stop(graceMs = 15_000) {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return this.exited;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }

  /** Kills every child still running (exit path). */
  static killAll() {
    for (const child of ChildProcess.all) {
      try {
        child.proc.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/** Kills every child when this process ends, however it ends (Ctrl-C, an error, a normal exit). */
export function killChildrenOnExit() {
  process.on('exit', () => ChildProcess.killAll());
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      ChildProcess.killAll();
      process.exit(130);
    });
  }
  process.on('uncaughtException', (error) => {
    console.error(error);
    ChildProcess.killAll();
    process.exit(1);
  });
  process.on('unhandledRejection', (error) => {
    console.error(error);
    ChildProcess.killAll();
    process.exit(1);
  });
}

/**
 * The child side of {@link ChildProcess}: answers commands with `handlers[cmd](message)`, and exits
 * when the parent goes away or asks it to (SIGTERM), after `onExit`.
 */
export function serveCommands(handlers, { onExit = async () => {} } = {}) {
  if (!process.send) throw new Error('this is a child of a bench/ script (it needs an IPC channel)');
  process.on('message', (message) => {
    if (!message || typeof message.id !== 'number') return;
    const handler = handlers[message.cmd];
    if (!handler) {
      process.send({ id: message.id, ok: false, error: `unknown command '${message.cmd}'` });
      return;
    }
    Promise.resolve()
      .then(() => handler(message))
      .then(
        (result) => process.send({ id: message.id, ok: true, result }),
        (error) => process.send({ id: message.id, ok: false, error: error?.stack ?? String(error) }),
      );
  });
  let exiting = false;
  const exit = () => {
    if (exiting) return;
    exiting = true;
    Promise.resolve().then(onExit).finally(() => process.exit(0));
  };
  process.on('disconnect', exit);
  process.on('SIGTERM', exit);
  process.on('SIGINT', exit);
}

/** `node -v`, cores, CPU model and memory, for the record. */
export function machineLine() {
  const list = cpus();
  return `${list.length} cores (${list[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Linux, node ${process.version}`;
}

export const fmtInt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
export const fmtMs = (us) => (Number.isFinite(us) ? `${(us / 1000).toFixed(2)} ms` : 'n/a');
export const fmtMiB = (bytes) => (Number.isFinite(bytes) ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : 'n/a');
export const fmtRatio = (r) => (Number.isFinite(r) ? r.toFixed(2) : 'n/a');

/** Resolves after `ms`. */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads one integer written in ASCII digits (optionally negative) at `pos` of a buffer. */
export function readIntAt(buf, pos) {
  let negative = false;
  if (buf[pos] === 45) {
    negative = true;
    pos++;
  }
  let n = 0;
  for (let c = buf[pos]; c >= 48 && c <= 57; c = buf[++pos]) n = n * 10 + (c - 48);
  return negative ? -n : n;
}
