import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { tcpOf } from './ws-frame.js';

/**
 * Writes the frames one socket gets within one tick in one system call. The first frame of a tick
 * is written at once, as before; a second one in the same tick corks the socket until the tick
 * ends (node:http does the same for a response's writes). A fan-out sends each socket one frame
 * per event and never corks. In-process work reporting in a tight loop (one chain of microtasks,
 * a few ms at most: see `CoalescingReporter`) sends one socket many frames, and they leave in one
 * `writev` instead of one each; that call was half the CPU of such a stream.
 */
/** Past this many bytes held, a corked socket writes them out and corks again. */
const FLUSH_BYTES = 64 * 1024;

class TickCorker {
  private corked = new Set<Socket>();
  private tick = 0;
  private ending = false;
  private readonly end = (): void => {
    this.tick++;
    this.ending = false;
    if (this.corked.size === 0) return;
    for (const socket of this.corked) socket.uncork();
    // A new set, not `clear()`: that gives this long-lived set a new table in the old generation
    // every tick, garbage only a full GC collects.
    this.corked = new Set();
  };

  /** The current tick's number; its end is scheduled with the first call in it. */
  current(): number {
    if (!this.ending) {
      this.ending = true;
      process.nextTick(this.end);
    }
    return this.tick;
  }

  /** Holds `ws`'s writes until the tick ends. */
  cork(ws: WebSocket): void {
    const tcp = tcpOf(ws); // without it, frames go out one by one
    if (!tcp) return;
    if (!this.corked.has(tcp)) {
      tcp.cork();
      this.corked.add(tcp);
    } else if (tcp.writableLength >= FLUSH_BYTES) {
      // A long burst leaves in chunks, well before it could reach the stream's high-water mark.
      tcp.uncork();
      tcp.cork();
    }
  }
}

/** One per process: ticks are. */
export const tickCorker = new TickCorker();
