// The subscriber of bench/inprocess-progress.js, run as a child process: one WebSocket client that
// counts the `activity.updated` frames it receives (a byte search on the frame's head, no parse).
import process from 'node:process';
import WebSocket from 'ws';
import { nowMicros, serveCommands } from './fanout-common.js';

const UPDATED = Buffer.from('"type":"activity.updated"');
let socket = null;
let received = 0;
let other = 0;
let bytes = 0;
let closed = false;

serveCommands({
  /** Connects; answers once the server will send (activityd: after its `subscribed` reply). */
  connect({ url, readyOnSubscribed }) {
    return new Promise((resolve, reject) => {
      let ready = false;
      socket = new WebSocket(url, { perMessageDeflate: false });
      socket.on('open', () => {
        if (!readyOnSubscribed) {
          ready = true;
          resolve({});
        }
      });
      socket.on('message', (data) => {
        const buf = Buffer.isBuffer(data) ? data : Buffer.concat(data);
        bytes += buf.length;
        const at = buf.indexOf(UPDATED);
        if (at >= 0 && at < 40) received++;
        else {
          other++;
          if (!ready && buf.includes('"subscribed"')) {
            ready = true;
            resolve({});
          }
        }
      });
      socket.on('error', (error) => reject(error));
      socket.on('close', () => (closed = true));
    });
  },
  sample() {
    const cpu = process.cpuUsage();
    return { at: nowMicros(), received, other, bytes, closed, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  },
}, { onExit: () => socket?.terminate() });
