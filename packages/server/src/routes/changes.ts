import type { ActivityHub } from '@activityd/core';
import { FeedAccepted, FeedQuery, FeedReply, IndexEntriesBody, RecordChangesBody } from '@activityd/protocol';
import type { FastifyInstance } from 'fastify';
import { listParam } from '../query.js';
import { errorReplies, requireBody } from '../route-helpers.js';


/** `/changes`: record and read the change feed. */
export async function changeRoutes(app: FastifyInstance, { hub }: { hub: ActivityHub }): Promise<void> {
  app.post('/changes', {
    schema: { summary: 'Record a batch of document changes (modelChanges)', tags: ['changes'], body: RecordChangesBody, response: { 202: FeedAccepted, ...errorReplies } },
  }, async (request, reply) => {
    const { changes } = requireBody<RecordChangesBody>(request);
    reply.code(202);
    return { recorded: (await hub.changes.record(changes, request.principal)).length };
  });

  app.post('/changes/index', {
    schema: { summary: 'Report a flushed search-index batch (modelChangesES)', tags: ['changes'], body: IndexEntriesBody, response: { 202: FeedAccepted, ...errorReplies } },
  }, async (request, reply) => {
    const { entries } = requireBody<IndexEntriesBody>(request);
    reply.code(202);
    return { recorded: (await hub.changes.indexed(entries, request.principal)).length };
  });

  app.get('/changes', {
    schema: { summary: 'What changed recently: the requested views, entries written after `since`', tags: ['changes'], querystring: FeedQuery, response: { 200: FeedReply, ...errorReplies } },
  }, async (request) => {
    const { since, include } = request.query as FeedQuery;
    return hub.changes.read({ since, include: listParam(include) }, request.principal);
  });
}

