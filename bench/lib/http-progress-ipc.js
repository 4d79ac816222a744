// The control channel between bench/http-progress.js and a server child: the child says where it
// listens, then answers `sample` (CPU time, RSS, deliveries so far) and `close` over IPC.
import process from 'node:process';

/**
 * @param {{ url: string, deliveries: () => number, close: () => Promise<void> }} server
 */
export function serveIpc(server) {
  if (!process.send) throw new Error('run this through bench/http-progress.js (needs an IPC channel)');
  process.on('message', (message) => {
    if (message?.cmd === 'sample') {
      const cpu = process.cpuUsage();
      process.send({
        reply: 'sample', id: message.id, deliveries: server.deliveries(),
        cpuMicros: cpu.user + cpu.system, rss: process.memoryUsage.rss(),
      });
    } else if (message?.cmd === 'close') {
      server.close().then(
        () => process.send({ reply: 'closed', id: message.id }, () => process.exit(0)),
        (error) => {
          console.error(error);
          process.exit(1);
        },
      );
    }
  });
  // The parent going away (Ctrl-C, a crash) takes this child with it.
  process.on('disconnect', () => process.exit(0));
  process.send({ reply: 'ready', url: server.url });
}
