import type { Activity } from '@activityd/protocol';

/** A job as the AdmiralCloud activity controller shows it: the native activity, renamed. */
export type AcJob = Omit<Activity, 'id' | 'progress' | 'state'> & { jobId: string; percent: number | null; status: Activity['state'] };

/** `id` → `jobId`, `progress` → `percent`, `state` → `status`; everything else as is. */
export function toJob({ id, progress, state, ...rest }: Activity): AcJob {
  return { jobId: id, percent: progress, status: state, ...rest };
}
