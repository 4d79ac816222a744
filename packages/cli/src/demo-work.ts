import type { ActivityHub, RunContext } from '@activityd/core';

/** `model`: the document kind the work touches, recorded on the change feed as it goes. */
interface Kind { type: string; titles: string[]; subtitles: string[]; model: string }

const KINDS: Kind[] = [
  { type: 'library.update.section', titles: ['Scanning Movies', 'Scanning TV Shows', 'Scanning Music'], subtitles: ['Alien (1979)', 'Blade Runner (1982)', 'Arrival (2016)', 'Dune (2021)', 'Heat (1995)'], model: 'mediaContainer' },
  { type: 'media.transcode', titles: ['Transcoding Alien (1979)', 'Transcoding Heat (1995)', 'Optimising Arrival (2016)'], subtitles: ['1080p → 720p', 'HEVC → H.264', 'audio: AAC stereo'], model: 'mediaPart' },
  { type: 'upload', titles: ['Uploading holiday.mov', 'Uploading scan-0042.tiff', 'Uploading podcast-17.wav'], subtitles: ['chunk 1', 'chunk 2', 'chunk 3', 'chunk 4'], model: 'asset' },
];

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const onAbort = () => { clearTimeout(timer); reject(signal.reason); };
    const timer = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(); }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

/** Records that the work changed a document, and that the search index took it in, as a backend would. */
async function touchDocument(hub: ActivityHub, kind: Kind, startedAt: number): Promise<void> {
  const id = Math.floor(Math.random() * 1000);
  const now = Date.now();
  await hub.changes.record({ model: kind.model, id, action: 'update' });
  await hub.changes.indexed({ model: `es:${kind.model.toLowerCase()}`, id, affectedModels: { [kind.model]: { timeRange: [startedAt, now], updated: now } } });
}

async function simulate(hub: ActivityHub, kind: Kind, ctx: RunContext): Promise<unknown> {
  const startedAt = Date.now();
  const durationMs = 5_000 + Math.random() * 25_000;
  const fails = Math.random() < 0.2;
  const steps = 20;
  for (let step = 1; step <= steps; step++) {
    await sleep(durationMs / steps, ctx.signal);
    if (fails && step === Math.floor(steps * 0.7)) throw Object.assign(new Error('simulated failure: the source went away'), { code: 'source_unavailable' });
    void ctx.progress(Math.round((step / steps) * 100), pick(kind.subtitles));
    if (step % 8 === 0) await touchDocument(hub, kind, startedAt).catch(() => undefined);
  }
  return { items: Math.floor(Math.random() * 500), durationMs: Math.round(durationMs) };
}

/**
 * Keeps about six simulated activities running, two of each type, each ending within
 * 5–30 s; about a third cannot be cancelled and a fifth fail. As they go they record document
 * changes and index entries, so the change feed moves too. Returns a function that stops it.
 */
export function startDemoWork(hub: ActivityHub): () => void {
  let stopped = false;
  const keepGoing = (kind: Kind) => {
    if (stopped) return;
    hub.run({ type: kind.type, title: pick(kind.titles), cancellable: Math.random() >= 1 / 3, progress: 0 }, (ctx) => simulate(hub, kind, ctx))
      .then(({ ended }) => ended)
      .catch(() => undefined)
      .finally(() => setTimeout(() => keepGoing(kind), 500 + Math.random() * 1_500).unref());
  };
  for (const kind of KINDS) for (let lane = 0; lane < 2; lane++) keepGoing(kind);
  return () => { stopped = true; };
}
