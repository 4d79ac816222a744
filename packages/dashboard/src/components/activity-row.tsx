import { Component } from 'preact';
import type { Activity } from '@activityd/client';
import type { Tracked } from '../live-activities.js';
import { formatAge, formatEta, formatRate } from '../format.js';
import { ownerName } from '../owner-name.js';
import { ProgressBar } from './progress-bar.js';

export interface RowProps {
  tracked: Tracked;
  top: number;
  position: number;
  total: number;
  now: number;
  names: ReadonlyMap<number, string>;
  selected: boolean;
  onSelect: (id: string) => void;
}

/**
 * One activity in the list: what it is, whose, how far, how fast, how long left. Renders only when
 * what it shows changed: the list renders in every frame in which any activity changed, while each
 * one changes a few times a second, so most rows in view are as they were.
 */
export class ActivityRow extends Component<RowProps> {
  /** The activity (an object replaced on every change) this row drew last. */
  private drawn: Activity | null = null;

  override shouldComponentUpdate(next: RowProps): boolean {
    const p = this.props;
    return next.tracked.activity !== this.drawn || next.top !== p.top || next.position !== p.position || next.total !== p.total
      || next.now !== p.now || next.names !== p.names || next.selected !== p.selected;
  }

  override render() {
    this.drawn = this.props.tracked.activity;
    return <Row {...this.props} />;
  }
}

function Row({ tracked, top, position, total, now, names, selected, onSelect }: RowProps) {
  const a = tracked.activity;
  const running = a.state === 'running';
  const estimate = running ? tracked.estimator.estimate() : null;
  const age = formatAge(now - (running ? a.createdAt : (a.endedAt ?? a.updatedAt)));
  const percent = a.progress === null ? (running ? '…' : '') : `${Math.round(a.progress)} %`;
  return (
    <li class={`row${selected ? ' row-selected' : ''}`} style={{ transform: `translateY(${top}px)` }}
      aria-setsize={total} aria-posinset={position} data-id={a.id} data-state={a.state}>
      <div class="row-head">
        <button type="button" class="row-title" onClick={() => onSelect(a.id)} aria-expanded={selected} aria-controls="detail">{a.title}</button>
        <span class={`state state-${a.state}`}>{a.state}</span>
      </div>
      <div class="row-meta">
        <span class="type">{a.type}</span>
        <span>{ownerName(a.owner, names)}</span>
        <span title={running ? 'running for' : 'ended'}>{running ? age : `${age} ago`}</span>
        {a.subtitle && <span class="subtitle">{a.subtitle}</span>}
      </div>
      <div class="row-progress">
        <ProgressBar tracked={tracked} />
        <span class="percent">{percent}</span>
        <span class="eta">{estimate ? [formatRate(estimate.ratePerSecond), formatEta(estimate.etaMs)].filter(Boolean).join(' · ') : ''}</span>
      </div>
    </li>
  );
}
