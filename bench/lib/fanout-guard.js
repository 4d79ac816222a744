// Preloaded (`node --import`) into the activityd server child of bench/fanout.js, which is the real
// CLI (`packages/cli/dist/main.js serve`) started with an IPC channel: when the benchmark goes away,
// however it goes, the server drains and exits as it would on Ctrl-C. Nothing else is changed.
import process from 'node:process';

if (process.send) {
  process.on('disconnect', () => {
    process.kill(process.pid, 'SIGTERM');
    setTimeout(() => process.exit(1), 15_000).unref();
  });
}
