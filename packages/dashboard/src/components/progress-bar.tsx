import type { Activity } from '@activityd/client';

/**
 * A progress bar that screen readers announce: determinate with `aria-valuenow`, or indeterminate
 * (no value, a moving stripe that stands still under `prefers-reduced-motion`). The fill is scaled
 * through the CSS object model, which the Content-Security-Policy allows (style attributes it would not).
 */
export function ProgressBar({ activity }: { activity: Activity }) {
  const { progress, state, title } = activity;
  const determinate = progress !== null || state !== 'running';
  const value = progress ?? (state === 'completed' ? 100 : 0);
  return (
    <div
      class={`bar bar-${state}${determinate ? '' : ' bar-indeterminate'}`}
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
