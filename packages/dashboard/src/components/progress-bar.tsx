import { useRef } from 'preact/hooks';
import type { Tracked } from '../live-activities.js';

/** Updates this far apart (ms) or more are coarse steps, which the bar glides through; closer ones it just shows. */
const GLIDE_AFTER_MS = 1000;

/**
 * A progress bar that screen readers announce: determinate with `aria-valuenow`, or indeterminate
 * (no value, a moving stripe that stands still under `prefers-reduced-motion`). The fill is scaled
 * through the CSS object model, which the Content-Security-Policy allows (style attributes it would not).
 *
 *
 * The fill glides to a new value (`bar-glide`, a short transition) only when updates come a second or
 * more apart: then a step is coarse and the motion says what changed. Updates several times a second are
 * small steps already, and a transition on every bar in view, restarted with each update, cost the page
 * most of its style work while 1,000 activities updated 5×/s: ~6,000 elements restyled per 10 s instead
 * of ~1,000 (bench/dashboard traces, issue 10). The list also hands a row's elements to another activity
 * when one leaves the view and another enters: a bar's first drawing for an activity never glides, so it
 * does not slide from the last activity's value. (Keying the bar by activity instead built two new
 * elements per row in every frame of a burst of new activities.)
 */
export function ProgressBar({ tracked }: { tracked: Tracked }) {
  const activity = tracked.activity;
  const { progress, state, title } = activity;
  const shownId = useRef<string | null>(null);
  const glide = shownId.current === activity.id && updateGapMs(tracked) >= GLIDE_AFTER_MS;
  shownId.current = activity.id;
  const determinate = progress !== null || state !== 'running';
  const value = progress ?? (state === 'completed' ? 100 : 0);
  return (
    <div
      class={`bar bar-${state}${determinate ? '' : ' bar-indeterminate'}${glide ? ' bar-glide' : ''}`}
      role="progressbar"
      aria-label={`Progress of ${title}`}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={determinate ? value : undefined}
      aria-valuetext={determinate ? `${Math.round(value)} %` : 'in progress'}
    >
      <div class="bar-fill" style={determinate ? { transform: `scaleX(${value / 100})` } : undefined} />
    </div>
  );
}

/** How long before the latest update the one before it came (0 with one update only). */
function updateGapMs({ timeline }: Tracked): number {
  const latest = timeline.at(-1);
  const before = timeline.at(-2);
  return latest && before ? latest.at - before.at : 0;
}
