import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { isActivityEvent, ProgressEstimator, type Activity, type ActivitydClient, type WatchFilters } from '@activityd/client';
import { duration } from './format.js';

interface Row { bar: SingleBar; estimator: ProgressEstimator }

const label = (a: Activity) => `${a.title}${a.subtitle ? ` — ${a.subtitle}` : ''}`.slice(0, 60).padEnd(60);

/**
 * Live progress bars for every visible activity matching the filters, with rate and ETA (from the
 * SDK's estimator, as the dashboard shows them). Ended activities show their end state, then go.
 * Resolves on Ctrl-C, after putting the terminal back.
 */
export async function watchWithBars(client: ActivitydClient, filters: WatchFilters): Promise<void> {
  const bars = new MultiBar({
    format: ' {bar} {percentage}% | {state} | {rate} | ETA {eta_text} | {label}',
    hideCursor: true, clearOnComplete: false, stopOnComplete: false, autopadding: true,
  }, Presets.shades_classic);
  const rows = new Map<string, Row>();
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());

  const show = (a: Activity) => {
    let row = rows.get(a.id);
    if (!row && a.state !== 'running') return;
    if (!row) {
      row = { bar: bars.create(100, 0, {}), estimator: new ProgressEstimator() };
      rows.set(a.id, row);
    }
    row.estimator.sample(a.progress, Date.now());
    const { ratePerSecond, etaMs } = row.estimator.estimate();
    row.bar.update(a.progress ?? 0, {
      label: label(a), state: a.state.padEnd(9),
      rate: ratePerSecond === null ? '  –  %/s' : `${ratePerSecond.toFixed(1).padStart(5)}%/s`,
      eta_text: a.state !== 'running' ? '   –  ' : etaMs === null ? '   ?  ' : duration(etaMs).padStart(6),
    });
    if (a.state !== 'running') {
      const ended = row;
      rows.delete(a.id);
      setTimeout(() => bars.remove(ended.bar), 3_000).unref();
    }
  };

  // The stream resumes after the newest seq of the recent activities, ended ones too: resuming after
  // the running ones alone would replay, as new bars, activities that started and ended since.
  // (Recent first: one that starts between the two lists is then among the running ones.)
  const recent = await client.list({ state: ['all'], type: filters.type, id: filters.id, limit: 1_000 });
  const { activities } = await client.list({ state: filters.state ?? ['running'], type: filters.type, id: filters.id, limit: 1_000 });
  const since = [...activities, ...recent.activities].reduce((max, a) => Math.max(max, a.seq), 0);
  for (const a of [...activities].reverse()) show(a);
  try {
    for await (const item of client.watch({ ...filters, feed: false }, { since: since || undefined, signal: controller.signal })) {
      if (item.type === 'reset') item.activities.forEach(show);
      else if (isActivityEvent(item)) show(item.activity);
    }
  } finally {
    bars.stop();
  }
}
