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
  /**
   * Beyond the view while the rows in view turn over ({@link ActivityList}): the row stays as it was
   * drawn last, hidden, without its id, and is not drawn again until it is unparked.
   */
  parked?: boolean;
}

/**
 * One activity in the list: what it is, whose, how far, how fast, how long left. Renders only when
 * what it shows changed: the list renders in every frame in which any activity changed, while each
 * one changes a few times a second, so most rows in view are as they were.
 */
export class ActivityRow extends Component<RowProps> {
  /** What this row drew last (the activity is an object replaced on every change), unless parked. */
  private drawn: { props: RowProps; activity: Activity } | null = null;
  private isParked = false;

  override shouldComponentUpdate(next: RowProps): boolean {
    if (next.parked && this.drawn) return !this.isParked;
    if (this.isParked || !this.drawn) return true;
    const p = this.drawn.props;
    return next.tracked.activity !== this.drawn.activity || next.top !== p.top || next.position !== p.position || next.total !== p.total
      || next.now !== p.now || next.names !== p.names || next.selected !== p.selected;
  }

  override render() {
    this.isParked = this.props.parked === true && this.drawn !== null;
    if (this.isParked) {
      const { props, activity } = this.drawn!;
      return <Row {...props} tracked={{ ...props.tracked, activity }} parked />; // exactly as drawn: only hidden
    }
    this.drawn = { props: this.props, activity: this.props.tracked.activity };
    return <Row {...this.props} />;
  }
}

function Row({ tracked, top, position, total, now, names, selected, onSelect, parked }: RowProps) {
  const a = tracked.activity;
  const running = a.state === 'running';
  const estimate = running ? tracked.estimator.estimate() : null;
  const age = formatAge(now - (running ? a.createdAt : (a.endedAt ?? a.updatedAt)));
  const percent = a.progress === null ? (running ? '…' : '') : `${Math.round(a.progress)} %`;
  return (
    <li class={`row${selected ? ' row-selected' : ''}${parked ? ' row-parked' : ''}`} style={{ transform: `translateY(${top}px)` }}
      aria-setsize={total} aria-posinset={position} data-id={parked ? undefined : a.id} data-state={a.state}>
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
