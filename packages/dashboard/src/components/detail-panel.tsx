import { useSignal } from '@preact/signals';
import { Fragment } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import type { ActivitydClient } from '@activityd/client';
import type { Tracked } from '../live-activities.js';
import { formatAge, formatEta, formatRate, formatTime } from '../format.js';
import { ownerName } from '../owner-name.js';
import { ProgressBar } from './progress-bar.js';

export interface DetailProps {
  tracked: Tracked;
  client: ActivitydClient;
  mayCancel: boolean;
  now: number;
  names: ReadonlyMap<number, string>;
  onClose: () => void;
}

/** One activity in full: context, result, error, its timeline, and cancel (asked twice). */
export function DetailPanel({ tracked, client, mayCancel, now, names, onClose }: DetailProps) {
  const a = tracked.activity;
  const heading = useRef<HTMLHeadingElement>(null);
  // Focus moves as the panel renders, not after the next paint: a key pressed in between lands right.
  useLayoutEffect(() => heading.current?.focus(), [a.id]);
  const estimate = a.state === 'running' ? tracked.estimator.estimate() : null;
  return (
    <aside id="detail" class="detail" aria-labelledby="detail-title" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <header>
        <h2 id="detail-title" tabIndex={-1} ref={heading}>{a.title}</h2>
        <button type="button" class="close" onClick={onClose} aria-label="Close details">×</button>
      </header>
      <p class="detail-sub">{a.subtitle ?? ''}</p>
      <ProgressBar tracked={tracked} />
      <p class="detail-progress">
        <span class={`state state-${a.state}`}>{a.state}</span>{' '}
        {a.progress === null ? '' : `${Math.round(a.progress)} %`}
        {estimate && ` ${[formatRate(estimate.ratePerSecond), formatEta(estimate.etaMs)].filter(Boolean).join(' · ')}`}
      </p>
      {a.state === 'running' && a.cancellable && mayCancel && <CancelButton key={a.id} id={a.id} client={client} />}
      {a.error && <p class="problem" role="alert"><strong>{a.error.code}</strong>: {a.error.message}</p>}
      <dl class="facts">
        <dt>Type</dt><dd>{a.type}</dd>
        <dt>Owner</dt><dd>{ownerName(a.owner, names)}</dd>
        <dt>Groups</dt><dd>{a.groups.join(', ') || '—'}</dd>
        <dt>Started</dt><dd>{formatTime(a.createdAt)} ({formatAge(now - a.createdAt)} ago)</dd>
        {a.endedAt !== null && <><dt>Ended</dt><dd>{formatTime(a.endedAt)}</dd></>}
        <dt>Id</dt><dd class="mono">{a.id}</dd>
        {Object.entries(a.context).map(([key, value]) => <Fragment key={key}><dt>{key}</dt><dd class="mono">{String(value)}</dd></Fragment>)}
      </dl>
      {a.result && (
        <details class="result" open={JSON.stringify(a.result).length < 400}>
          <summary>Result</summary>
          <pre>{JSON.stringify(a.result, null, 2)}</pre>
        </details>
      )}
      <h3>Timeline</h3>
      <ol class="timeline" aria-label="Events seen">
        {tracked.timeline.slice().reverse().map((step) => (
          <li key={`${step.seq}-${step.type}`}>
            <time>{formatTime(step.at)}</time> <span>{step.type.replace('activity.', '')}</span>{' '}
            <span>{step.state !== 'running' ? step.state : step.progress === null ? '…' : `${Math.round(step.progress)} %`}</span>{' '}
            <span class="subtitle">{step.subtitle ?? ''}</span>
          </li>
        ))}
      </ol>
    </aside>
  );
}

/** Cancel, then "Cancel it?" with the safe choice focused first; the outcome arrives as an event. */
function CancelButton({ id, client }: { id: string; client: ActivitydClient }) {
  const step = useSignal<'idle' | 'confirm' | 'busy'>('idle');
  const problem = useSignal<string | null>(null);
  const keep = useRef<HTMLButtonElement>(null);
  useLayoutEffect(() => {
    if (step.value === 'confirm') keep.current?.focus(); // before any key can reach "Yes"
  }, [step.value]);
  const cancel = async () => {
    step.value = 'busy';
    try {
      await client.cancel(id);
    } catch (error) {
      problem.value = error instanceof Error ? error.message : String(error);
      step.value = 'idle';
    }
  };
  return (
    <div class="cancel">
      {step.value === 'idle' && <button type="button" class="danger" onClick={() => (step.value = 'confirm')}>Cancel activity…</button>}
      {step.value !== 'idle' && (
        <div role="group" aria-label="Confirm cancel">
          <span>Cancel this activity? Its work is stopped.</span>
          <button type="button" ref={keep} onClick={() => (step.value = 'idle')} disabled={step.value === 'busy'}>Keep running</button>
          <button type="button" class="danger" onClick={() => void cancel()} disabled={step.value === 'busy'}>Yes, cancel it</button>
        </div>
      )}
      {problem.value && <p class="problem" role="alert">{problem.value}</p>}
    </div>
  );
}
