import type { Activity } from '@activityd/protocol';
import type { FastifyReply } from 'fastify';

/**
 * Answers an operation that goes on in the background: `202 Accepted` with `X-Activity`
 * (and `X-Plex-Activity`, for Plex clients) and `Location`, and the activity as the body. The SDK
 * follows such a reply to its result.
 * @example
 * app.post('/scan', async (req, reply) => replyAccepted(reply, (await hub.run({ type: 'library.scan' }, scan)).activity));
 */
export function replyAccepted(reply: FastifyReply, activity: Activity, prefix = '/v1'): FastifyReply {
  return reply
    .code(202)
    .header('x-activity', activity.id)
    .header('x-plex-activity', activity.id)
    .header('location', `${prefix}/activities/${activity.id}`)
    .send(activity);
}
