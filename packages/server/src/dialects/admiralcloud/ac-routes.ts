import { EndedError, ForbiddenError, NotFoundError, NotCompletedError, ValidationError, type Activity } from '@activityd/protocol';
import { compareNewestFirst, type ActivityHub, type ListRequest, type Principal } from '@activityd/core';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Authenticator, SignedRouteConfig } from '../../auth.js';
import { useApiScope } from '../../api-scope.js';
import { listParam } from '../../query.js';
import { requireBody } from '../../route-helpers.js';
import { toJob } from './ac-activity.js';
import { useAcErrors } from './ac-errors.js';

const FIELDS = ['activities', 'modelChanges', 'modelChangesES'] as const;
const ContextMap = Type.Record(Type.String({ maxLength: 100 }), Type.Union([Type.String({ maxLength: 2000 }), Type.Number(), Type.Boolean(), Type.Null()]), { maxProperties: 64 });
const CreateJob = Type.Object({
  type: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$' }),
  title: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
  subtitle: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
  percent: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 100 }), Type.Null()])),
  cancellable: Type.Optional(Type.Boolean()),
  context: Type.Optional(ContextMap),
  groups: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 64 })),
}, { additionalProperties: false });
const UpdateJob = Type.Object({
  percent: Type.Number({ minimum: 0, maximum: 100 }),
  jobResult: Type.Optional(Type.Unknown()),
  subtitle: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
}, { additionalProperties: false });
const JobParams = Type.Object({ jobId: Type.String({ maxLength: 200 }) });
const FindQuery = Type.Object({
  fields: Type.Optional(Type.Array(Type.String({ maxLength: 50 }), { maxItems: 10 })),
  since: Type.Optional(Type.Integer({ minimum: 0 })),
});
type CreateJob = { type: string; title?: string; subtitle?: string | null; percent?: number | null; cancellable?: boolean; context?: Record<string, string | number | boolean | null>; groups?: string[] };
type UpdateJob = { percent: number; jobResult?: unknown; subtitle?: string | null };

/** Version-1 signatures sign this controller and action instead of the path. */
const ac = (action: string): { config: SignedRouteConfig } => ({ config: { acAction: { controller: 'activity', action } } });

/**
 * Running jobs, and ended ones for the feed retention, as the controller shows recent work; newest
 * first. Two reads of the store's indexes: the activities kept for the (longer) retention period
 * are never walked.
 */
async function visibleJobs(hub: ActivityHub, who: Principal): Promise<Activity[]> {
  const endedSince = hub.options.clock.now() - hub.options.feedRetentionMs;
  const jobs = [...await everyPage(hub, { state: ['running'] }, who), ...await everyPage(hub, { state: ['ended'], endedSince }, who)];
  return jobs.sort(compareNewestFirst);
}

async function everyPage(hub: ActivityHub, request: ListRequest, who: Principal): Promise<Activity[]> {
  const out: Activity[] = [];
  let cursor: string | undefined;
  do {
    const page = await hub.list({ ...request, limit: 1_000, cursor }, who);
    out.push(...page.activities);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

/**
 * The AdmiralCloud activity controller under `/v5`: jobs, their results, and the change feed, in
 * AdmiralCloud's names and shapes — a thin adapter over the hub.
 */
export async function admiralCloudRoutes(app: FastifyInstance, { hub, auth }: { hub: ActivityHub; auth?: Authenticator }): Promise<void> {
  useApiScope(app, auth ?? hub.access);
  useAcErrors(app);
  const tags = ['admiralcloud'];

  app.get('/activity', { ...ac('find'), schema: { summary: 'AdmiralCloud: jobs and the change feed (`fields`, `since`)', tags, querystring: FindQuery } }, async (request) => {
    const { fields, since } = request.query as { fields?: string[]; since?: number };
    const wanted = listParam(fields) ?? [...FIELDS];
    const unknown = wanted.filter((f) => !(FIELDS as readonly string[]).includes(f));
    if (unknown.length) throw new ValidationError(`unknown fields: ${unknown.join(', ')}`);
    const include = wanted.filter((f) => f !== 'activities');
    const feed = include.length ? await hub.changes.read({ since, include }, request.principal) : { now: hub.options.clock.now() - 1 };
    const reply: Record<string, unknown> = { now: feed.now };
    if (wanted.includes('activities')) reply.activities = (await visibleJobs(hub, request.principal)).map(toJob);
    if (wanted.includes('modelChanges')) reply.modelChanges = feed.modelChanges;
    if (wanted.includes('modelChangesES')) reply.modelChangesES = feed.modelChangesES;
    if (!wanted.includes('activities')) await hub.access.seen(request.principal);
    return reply;
  });

  app.post('/activity', { ...ac('create'), schema: { summary: 'AdmiralCloud: create a job (update it at least every 30 s)', tags, body: CreateJob } }, async (request) => {
    const { percent, ...spec } = requireBody<CreateJob>(request);
    return toJob(await hub.create({ ...spec, progress: percent ?? null }, request.principal));
  });

  app.put('/activity/:jobId', { ...ac('update'), schema: { summary: 'AdmiralCloud: report percent; 100 completes with `jobResult`', tags, params: JobParams, body: UpdateJob } }, async (request) => {
    const { jobId } = request.params as { jobId: string };
    const { percent, jobResult, subtitle } = requireBody<UpdateJob>(request);
    const patch = { progress: percent, ...(subtitle !== undefined ? { subtitle } : {}) };
    try {
      const job = await hub.update(jobId, percent === 100 ? { ...patch, end: { state: 'completed', result: jobResult } } : patch, request.principal);
      return { jobId, percent: job.progress };
    } catch (error) {
      // Unknown, ended, or not the caller's to update: ignored, as the controller does.
      if (error instanceof EndedError) return { jobId, percent: (await hub.get(jobId, request.principal)).progress };
      if (error instanceof NotFoundError || error instanceof ForbiddenError) return { jobId, percent };
      throw error;
    }
  });

  app.delete('/activity/:jobId', { ...ac('destroy'), schema: { summary: 'AdmiralCloud: destroy (cancel) a job', tags, params: JobParams } }, async (request) =>
    toJob(await hub.cancel((request.params as { jobId: string }).jobId, request.principal)));

  app.get('/activity/jobResult/:jobId', { ...ac('jobResult'), schema: { summary: 'AdmiralCloud: the result once at 100 %, `{ok: true}` while running', tags, params: JobParams } }, async (request) => {
    try {
      return await hub.result((request.params as { jobId: string }).jobId, request.principal);
    } catch (error) {
      // AdmiralCloud's own clients poll until the reply has no `ok`.
      if (error instanceof NotCompletedError && error.details?.state === 'running') return { ok: true };
      throw error;
    }
  });
}
