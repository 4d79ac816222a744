import type { ActivityHub, ActivityEnd, ActivityPatch } from '@activityd/core';
import {
  ActivitySchema, CreateActivityBody, CreateHeaders, ErrorReply, GetQuery, IdParams, ListQuery, ListReply, PatchActivityBody,
  ValidationError,
} from '@activityd/protocol';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { listParam } from '../query.js';
import { errorReplies, requireBody, writtenActivity } from '../route-helpers.js';

const Activity = Type.Ref('Activity');
const idParams = IdParams;

/** The native `/v1/activities` routes: parse, call the hub, answer. No rule of their own. */
export async function activityRoutes(app: FastifyInstance, { hub }: { hub: ActivityHub }): Promise<void> {
  // Closing the server answers every long-poll at once with the activity as it stands.
  const draining = new AbortController();
  app.addHook('preClose', async () => draining.abort());

  app.get('/activities', {
    schema: { summary: 'List visible activities, newest first', tags: ['activities'], querystring: ListQuery, response: { 200: ListReply, ...errorReplies } },
  }, async (request) => {
    const q = request.query as ListQuery;
    return hub.list({
      state: listParam(q.state) as never,
      type: listParam(q.type),
      owner: listParam(q.owner)?.map(toUserId),
      id: listParam(q.id),
      parentId: q.parentId,
      limit: q.limit,
      cursor: q.cursor,
    }, request.principal);
  });

  app.get('/activities/:id', {
    schema: {
      summary: 'One activity; with `wait`, long-polls until it ends or the wait runs out', tags: ['activities'],
      params: idParams, querystring: GetQuery, response: { 200: Activity, ...errorReplies },
    },
  }, async (request, reply) => {
    const { id } = request.params as IdParams;
    const { wait } = request.query as GetQuery;
    if (!wait) return hub.get(id, request.principal);
    return hub.wait(id, wait * 1000, request.principal, AbortSignal.any([closeSignal(reply), draining.signal]));
  });

  app.post('/activities', {
    schema: {
      summary: 'Create a remote activity; its reporter must update it within the lease', tags: ['activities'],
      headers: CreateHeaders, body: CreateActivityBody, response: { 201: Activity, ...errorReplies },
    },
  }, async (request, reply) => {
    const body = requireBody<CreateActivityBody>(request);
    const idempotencyKey = (request.headers as CreateHeaders)['idempotency-key'];
    reply.code(201);
    return writtenActivity(reply, await hub.create(body, request.principal, { idempotencyKey }));
  });

  app.patch('/activities/:id', {
    schema: {
      summary: 'Report progress, or end the activity with `state: completed|failed`; renews the lease', tags: ['activities'],
      params: idParams, body: PatchActivityBody, response: { 200: Activity, ...errorReplies },
    },
  }, async (request, reply) => {
    const { id } = request.params as IdParams;
    return writtenActivity(reply, await hub.update(id, patchOf(requireBody<PatchActivityBody>(request)), request.principal));
  });

  app.delete('/activities/:id', {
    schema: { summary: 'Cancel the activity', tags: ['activities'], params: idParams, response: { 200: Activity, ...errorReplies } },
  }, async (request, reply) => writtenActivity(reply, await hub.cancel((request.params as IdParams).id, request.principal)));

  app.get('/activities/:id/result', {
    schema: {
      summary: 'The result of a completed activity (`{}` if none)', tags: ['activities'],
      params: idParams, response: { 200: Type.Record(Type.String(), Type.Unknown()), ...errorReplies },
    },
  }, async (request) => hub.result((request.params as IdParams).id, request.principal));
}

/** Shared schemas the routes refer to by `$ref`. */
export const sharedSchemas = [ActivitySchema, ErrorReply];


function toUserId(text: string): number {
  if (!/^\d{1,15}$/.test(text)) throw new ValidationError(`owner must be a user id, not '${text}'`);
  return Number(text);
}

/** Splits a PATCH body into the progress report and, if present, how it ends. */
function patchOf(body: PatchActivityBody): ActivityPatch & { end?: ActivityEnd } {
  const { state, result, error, ...fields } = body;
  if (result !== undefined && state !== 'completed') throw new ValidationError('`result` goes with `state: "completed"`');
  if (error !== undefined && state !== 'failed') throw new ValidationError('`error` goes with `state: "failed"`');
  if (state === 'completed') return { ...fields, end: { state, result } };
  if (state === 'failed') {
    if (!error) throw new ValidationError('`state: "failed"` needs an `error` with a `message`');
    return { ...fields, end: { state, error: { code: error.code ?? 'failed', message: error.message } } };
  }
  return fields;
}

/** Aborts when the client goes away, so a long-poll releases its listener and timer at once. */
function closeSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => controller.abort());
  return controller.signal;
}
