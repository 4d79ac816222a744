import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/**
 * Event frames built once and written to every socket as they are. `ws` frames each `send` anew:
 * a header buffer per call and two writes (header, payload) per socket. A server's frames are not
 * masked (RFC 6455 §5.1), so one event's frame is the same bytes for every subscriber: built once
 * with the event's JSON, it is one `write` per socket. In a fan-out that is most of the per-socket cost.
 */

/** An unmasked, final text frame carrying `payload`; empty when the payload is (nothing to send). */
export function textFrame(payload: Buffer): Buffer {
  const length = payload.length;
  if (length === 0) return payload;
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81; // FIN, opcode 1 (text)
  if (header === 2) frame[1] = length;
  else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  payload.copy(frame, header);
  return frame;
}

/** The payload of a frame `textFrame` built. */
function payloadOf(frame: Buffer): Buffer {
  return frame.subarray(frame[1] === 126 ? 4 : frame[1] === 127 ? 10 : 2);
}

// `ws` keeps its TCP socket in `_socket` and its frame writer in `_sender` (neither public; both there
// since ws 1). The sender holds frames back only while it compresses or reads a Blob, which these
// sockets never do (no permessage-deflate, Buffers only); should it ever hold some, frames go
// through `send` behind them, in order.
interface WsInternals {
  _socket?: Socket;
  _sender?: { _bufferedBytes: number };
}

/** The TCP socket under `ws`, while it has one. */
export function tcpOf(ws: WebSocket): Socket | undefined {
  return (ws as unknown as WsInternals)._socket;
}

const TEXT = { binary: false } as const;

/** Writes a frame `textFrame` built; `written` is called once it has left, as `ws.send`'s callback is. */
export function writeFrame(ws: WebSocket, frame: Buffer, written?: () => void): void {
  if (ws.readyState !== ws.OPEN) return;
  const { _socket: tcp, _sender: sender } = ws as unknown as WsInternals;
  if (!tcp || !sender || sender._bufferedBytes > 0) ws.send(payloadOf(frame), TEXT, written);
  else if (written) tcp.write(frame, written);
  else tcp.write(frame);
}
