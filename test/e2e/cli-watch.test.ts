// `activityd watch` in a real pseudo-terminal (tmux, read with capture-pane): a progress bar per
// running activity that moves with its progress, shows rate and ETA, ends with the end state, and
// Ctrl-C puts the terminal back and exits 0.
import { describe, expect, it } from 'vitest';
import { CLI, clientOf, serve, waitFor } from '../../packages/client/test/support/servers.js';
import { cliEnv, haveTmux, shellQuote, tmuxSession } from '../../packages/client/test/support/cli.js';

if (!haveTmux && process.env.CI !== 'true') console.warn('\n[cli-watch] SKIPPED: tmux is not installed (apt-get install tmux). Under CI=true this fails.\n');
if (!haveTmux && process.env.CI === 'true') {
  it('runs under tmux', () => {
    throw new Error('tmux is not installed: the `activityd watch` test needs it for a pseudo-terminal (apt-get install tmux); it cannot be skipped under CI=true.');
  });
}

/** One bar as the screen shows it. */
interface Bar { percent: number; state: string; rate: string; eta: string; label: string }
const BAR = /(\d+)% \| (\w+)\s*\| (.+?) \| ETA (.+?) \| (.+)$/;

/** The bar whose label starts with `title`, if the screen shows one. */
function barOf(screen: string, title: string): Bar | undefined {
  for (const line of screen.split('\n')) {
    const m = BAR.exec(line);
    if (m && m[5]!.startsWith(title)) return { percent: Number(m[1]), state: m[2]!, rate: m[3]!.trim(), eta: m[4]!.trim(), label: m[5]!.trim() };
  }
  return undefined;
}

/** `activityd watch ARGS` in a terminal; the shell says how it exited, then stays for the capture. */
function watchInTerminal(url: string, args: string[] = []) {
  const env = Object.entries(cliEnv(url)).map(([k, v]) => `${k}=${shellQuote(v)}`).join(' ');
  const command = `env ${env} ${shellQuote(process.execPath)} ${shellQuote(CLI)} watch ${args.map(shellQuote).join(' ')}; echo "watch exited with $?"; sleep 60`;
  return tmuxSession(command, 160, 30);
}

describe.skipIf(!haveTmux)('activityd watch in a terminal', () => {
  it('shows a bar per running activity that moves, ends with the end state; Ctrl-C exits 0 and shows the cursor again', { timeout: 40_000 }, async () => {
    const server = await serve();
    const api = clientOf(server.url);
    const alien = await api.create({ type: 'media.transcode', title: 'Transcoding Alien (1979)' });
    await api.update(alien.id, { progress: 10, subtitle: '1080p → 720p' });
    const photo = await api.create({ type: 'upload', title: 'Uploading photo.jpg', progress: 40 });
    const done = await api.create({ type: 'job', title: 'Already done' });
    await api.complete(done.id);

    const term = watchInTerminal(server.url);
    const first = await waitFor('both bars', () => {
      const screen = term.capture();
      return barOf(screen, 'Uploading photo.jpg') && barOf(screen, 'Transcoding Alien') && screen;
    }, 15_000);
    expect(barOf(first, 'Transcoding Alien (1979)')).toEqual({ percent: 10, state: 'running', rate: '–  %/s', eta: '?', label: 'Transcoding Alien (1979) — 1080p → 720p' });
    expect(barOf(first, 'Uploading photo.jpg')).toMatchObject({ percent: 40, state: 'running' });
    expect(first).not.toContain('Already done'); // ended before: not shown
    expect(first).toMatch(/[█░]{40}/); // cli-progress's bar
    expect(term.cursorVisible()).toBe(false);

    // Moving: progress reported over the API moves the bar, with a rate and an ETA.
    for (const progress of [20, 30, 40]) {
      await api.update(alien.id, { progress });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const moved = await waitFor('the bar to reach 40%', () => {
      const bar = barOf(term.capture(), 'Transcoding Alien');
      return bar?.percent === 40 && bar;
    });
    expect(moved.percent).toBeGreaterThan(barOf(first, 'Transcoding Alien')!.percent);
    expect(moved.rate).toMatch(/^\d+\.\d%\/s$/);
    expect(moved.eta).toMatch(/^\d+ s$/);

    // A new activity gets a bar; an activity completed over the API shows `completed` at 100%.
    await api.create({ type: 'media.scan', title: 'Scanning Movies', progress: 5 });
    await waitFor('the new bar', () => barOf(term.capture(), 'Scanning Movies'));
    await api.complete(photo.id, { url: 'https://cdn.example/photo.jpg' });
    const ended = await waitFor('the upload bar to end', () => {
      const bar = barOf(term.capture(), 'Uploading photo.jpg');
      return bar?.state === 'completed' && bar;
    });
    expect(ended).toMatchObject({ percent: 100, state: 'completed', eta: '–' });

    term.keys('C-c');
    const after = await waitFor('watch to exit', () => {
      const screen = term.capture();
      return screen.includes('watch exited with') && screen;
    });
    expect(after).toContain('watch exited with 0');
    expect(after).not.toMatch(/Error|at .*\.js:\d+/);
    expect(term.cursorVisible()).toBe(true);
  });

  it('--type filters the bars', { timeout: 30_000 }, async () => {
    const server = await serve();
    const api = clientOf(server.url);
    await api.create({ type: 'media.transcode', title: 'Transcoding Heat (1995)', progress: 15 });
    await api.create({ type: 'upload', title: 'Uploading notes.txt', progress: 50 });
    const term = watchInTerminal(server.url, ['--type', 'media.*']);
    await waitFor('the media bar', () => barOf(term.capture(), 'Transcoding Heat'), 15_000);
    await api.create({ type: 'upload', title: 'Uploading more.txt', progress: 1 });
    await api.create({ type: 'media.scan', title: 'Scanning Shows', progress: 1 }); // after it: shown means the upload was passed over
    await waitFor('the new media bar', () => barOf(term.capture(), 'Scanning Shows'));
    const screen = term.capture();
    expect(screen).not.toContain('Uploading');
    term.keys('C-c');
    await waitFor('watch to exit 0', () => term.capture().includes('watch exited with 0'));
  });
});
