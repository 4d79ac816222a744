// A server that is closing still has keep-alive connections open: a request that arrives on one
// (a dashboard reconnecting as its stream is closed) must get our coded 503, not Fastify's shape.
import { connect, type Socket } from 'node:net';
import { ActivityHub, MemoryStore } from '@activityd/core';
import { buildServer } from '@activityd/server';
import { afterEach, describe, expect, it } from 'vitest';
import { TOKEN } from './native-server.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** Everything the socket receives, as text, read on demand. */
function recorder(socket: Socket) {
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => void (text += chunk));
  const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  return { text: () => text, ended };
}

describe('a request arriving while the server closes', () => {
  it('answers a coded 503 with Retry-After and Connection: close, and the server still finishes closing', async () => {
    const hub = new ActivityHub({ store: new MemoryStore() });
    await hub.start();
    await hub.access.bootstrap(TOKEN);
    const app = await buildServer({ hub });
    // Holds the connection busy, so the server is closing while it is still open.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding = false;
    app.get('/held', async () => {
      holding = true;
      await held;
      return { released: true };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    closers.push(async () => {
      release();
      await app.close();
      await hub.stop();
    });
    const { port } = app.server.address() as { port: number };

    const socket = connect(port, '127.0.0.1');
    const received = recorder(socket);
    socket.write('GET /held HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => holding);

    const closed = app.close();
    await until(() => !app.server.listening);
    socket.write(`GET /v1/activities HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    await received.ended;
    await closed;
    await hub.stop();

    const [first, second] = received.text().split(/(?=HTTP\/1\.1 )/);
    expect(first).toMatch(/^HTTP\/1\.1 200/);
    expect(second, received.text()).toMatch(/^HTTP\/1\.1 503/);
    const [head, body] = second!.split('\r\n\r\n');
    expect(head).toMatch(/\r\nretry-after: 1\r\n/i);
    expect(head).toMatch(/\r\nconnection: close\r\n/i);
    expect(JSON.parse(body!)).toEqual({ error: { code: 'ACT_ERR_UNAVAILABLE', message: expect.stringMatching(/shutting down/), details: { retryAfter: 1 } } });
  });
});

async function until(condition: () => boolean, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
