// The load generator of bench/http-progress.js: a fixed number of keep-alive HTTP/1.1 connections,
// one request in flight on each, for as long as it is told to run.
//
// The default client ('raw') writes each request as one string on a net.Socket and reads the reply
// by Content-Length: it costs the load process a fraction of what node:http's client does, so the
// load process (one core of two) is not what limits a fast baseline. 'http' uses node:http with a
// keep-alive Agent instead, for comparison.
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';

const HEAD_END = Buffer.from('\r\n\r\n');

/** One keep-alive connection that sends a request and waits for its reply, one at a time. */
class RawConnection {
  /** @param {import('node:net').Socket} socket */
  constructor(socket) {
    this.socket = socket;
    /** @type {Buffer | null} */
    this.buffer = null;
    this.bodyStart = -1;
    this.total = -1;
    this.status = 0;
    /** @type {{ resolve: (r: { status: number, body: Buffer }) => void, reject: (e: Error) => void } | null} */
    this.pending = null;
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('the server closed the connection')));
  }

  /** @returns {Promise<RawConnection>} */
  static open(port) {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  /** @param {string} text the whole request, head and body, latin1/ASCII */
  request(text) {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(text, 'latin1');
    });
  }

  close() {
    this.socket.removeAllListeners('close');
    this.socket.on('error', () => {});
    this.socket.destroy();
  }

  onData(chunk) {
    this.buffer = this.buffer ? Buffer.concat([this.buffer, chunk]) : chunk;
    if (this.total < 0) {
      const end = this.buffer.indexOf(HEAD_END);
      if (end < 0) return;
      const head = this.buffer.toString('latin1', 0, end);
      this.status = Number(head.slice(9, 12));
      const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
      if (!length) return this.fail(new Error(`reply without Content-Length (not supported by the raw client): ${head.split('\r\n')[0]}`));
      this.bodyStart = end + 4;
      this.total = this.bodyStart + Number(length[1]);
    }
    if (this.buffer.length < this.total) return;
    if (this.buffer.length > this.total) return this.fail(new Error('bytes after the reply: the server sent something unasked'));
    const reply = { status: this.status, body: this.buffer.subarray(this.bodyStart, this.total) };
    this.buffer = null;
    this.total = -1;
    const pending = this.pending;
    this.pending = null;
    pending?.resolve(reply);
  }

  fail(error) {
    const pending = this.pending;
    this.pending = null;
    pending?.reject(error);
  }
}

/** The same interface over node:http with a keep-alive Agent (one socket per connection). */
class HttpConnection {
  constructor(port) {
    this.port = port;
    this.agent = new Agent({ keepAlive: true, maxSockets: 1 });
  }

  static async open(port) {
    return new HttpConnection(port);
  }

  /** @param {string} text */
  request(text) {
    const headEnd = text.indexOf('\r\n\r\n');
    const lines = text.slice(0, headEnd).split('\r\n');
    const [method, path] = lines[0].split(' ');
    const headers = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon)] = line.slice(colon + 1).trim();
    }
    const body = text.slice(headEnd + 4);
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: this.port, method, path, headers, agent: this.agent }, (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  close() {
    this.agent.destroy();
  }
}

/** Opens `count` connections of the given kind to 127.0.0.1:port. */
export async function openConnections(kind, port, count) {
  const Connection = kind === 'http' ? HttpConnection : RawConnection;
  return Promise.all(Array.from({ length: count }, () => Connection.open(port)));
}

/** A request as one string. */
export function requestText(method, path, port, headers, body) {
  let text = `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`;
  for (const [name, value] of Object.entries(headers)) text += `${name}: ${value}\r\n`;
  return `${text}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** Latencies in ms, growing as needed. */
class Samples {
  constructor() {
    this.values = new Float64Array(1 << 16);
    this.length = 0;
  }

  push(value) {
    if (this.length === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.length++] = value;
  }

  percentiles(...ps) {
    const sorted = this.values.slice(0, this.length).sort();
    return ps.map((p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN));
  }
}

/**
 * Keeps one request in flight on each connection until `stop()` is called. Connection `i` updates
 * only the activities `ids[j]` with `j % connections === i`, so no two requests in flight touch the
 * same activity. Replies that complete while `measuring` is true count towards the window.
 * @param {Array<RawConnection | HttpConnection>} connections
 * @param {string[]} ids
 * @param {(id: string, progress: number) => string} build the request for one update
 */
export function startLoad(connections, ids, build) {
  const state = {
    measuring: false,
    stopping: false,
    acked: 0, // every 2xx, warm-up and tail included: what the subscriber must have received
    failed: 0,
    windowAcked: 0,
    latencies: new Samples(),
    firstFailure: /** @type {string | null} */ (null),
  };
  let sent = 0;
  const run = async (connection, mine) => {
    for (let k = 0; !state.stopping; k++) {
      const id = mine[k % mine.length];
      const progress = (sent++ % 10_000) / 100;
      const started = performance.now();
      const reply = await connection.request(build(id, progress));
      const ms = performance.now() - started;
      if (reply.status >= 200 && reply.status < 300) {
        state.acked++;
        if (state.measuring) {
          state.windowAcked++;
          state.latencies.push(ms);
        }
      } else {
        state.failed++;
        state.firstFailure ??= `${reply.status} ${reply.body.toString('utf8').slice(0, 300)}`;
        if (state.failed > 100) throw new Error(`too many failed updates; first: ${state.firstFailure}`);
      }
    }
  };
  const done = Promise.all(connections.map((connection, i) => run(connection, ids.filter((_, j) => j % connections.length === i))));
  return {
    state,
    /** Lets every connection finish its request in flight, then resolves. */
    async stop() {
      state.stopping = true;
      await done;
    },
    done,
  };
}
