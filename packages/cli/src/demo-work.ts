import type { ActivityHub, RunContext } from '@activityd/core';

interface Kind { type: string; titles: string[]; subtitles: string[] }

const KINDS: Kind[] = [
  { type: 'library.update.section', titles: ['Scanning Movies', 'Scanning TV Shows', 'Scanning Music'], subtitles: ['Alien (1979)', 'Blade Runner (1982)', 'Arrival (2016)', 'Dune (2021)', 'Heat (1995)'] },
  { type: 'media.transcode', titles: ['Transcoding Alien (1979)', 'Transcoding Heat (1995)', 'Optimising Arrival (2016)'], subtitles: ['1080p → 720p', 'HEVC → H.264', 'audio: AAC stereo'] },
  { type: 'upload', titles: ['Uploading holiday.mov', 'Uploading scan-0042.tiff', 'Uploading podcast-17.wav'], subtitles: ['chunk 1', 'chunk 2', 'chunk 3', 'chunk 4'] },
];

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const onAbort = () => { clearTimeout(timer); reject(signal.reason); };
    const timer = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(); }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

async function simulate(kind: Kind, ctx: RunContext): Promise<unknown> {
  const durationMs = 5_000 + Math.random() * 25_000;
  const fails = Math.random() < 0.2;
  const steps = 20;
  for (let step = 1; step <= steps; step++) {
    await sleep(durationMs / steps, ctx.signal);
    if (fails && step === Math.floor(steps * 0.7)) throw Object.assign(new Error('simulated failure: the source went away'), { code: 'source_unavailable' });
    void ctx.progress(Math.round((step / steps) * 100), pick(kind.subtitles));
  }
  return { items: Math.floor(Math.random() * 500), durationMs: Math.round(durationMs) };
}

/**
 * Keeps about six simulated activities running, two of each type, each ending within
 * 5–30 s; about a third cannot be cancelled and a fifth fail. Returns a function that stops it.
 */
export function startDemoWork(hub: ActivityHub): () => void {
  let stopped = false;
  const keepGoing = (kind: Kind) => {
    if (stopped) return;
    hub.run({ type: kind.type, title: pick(kind.titles), cancellable: Math.random() >= 1 / 3, progress: 0 }, (ctx) => simulate(kind, ctx))
      .then(({ ended }) => ended)
      .catch(() => undefined)
      .finally(() => setTimeout(() => keepGoing(kind), 500 + Math.random() * 1_500).unref());
  };
  for (const kind of KINDS) for (let lane = 0; lane < 2; lane++) keepGoing(kind);
  return () => { stopped = true; };
}
