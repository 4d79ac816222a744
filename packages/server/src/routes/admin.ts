import type { ActivityHub, Principal, Scope } from '@activityd/core';
import {
  CreatedKey, CreatedToken, CreateGroupBody, CreateKeyBody, CreateTokenBody, CreateUserBody, GroupSchema, KeySchema,
  MeReply, PresenceReply, TokenSchema, UserSchema, ValidationError,
} from '@activityd/protocol';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { errorReplies, requireBody } from '../route-helpers.js';

const IdParams = Type.Object({ id: Type.String({ maxLength: 200 }) });

/** `/admin/{groups,users,tokens,keys}`, `/presence` and `/me`: parse, call `hub.access`, answer. */
export async function adminRoutes(app: FastifyInstance, { hub }: { hub: ActivityHub }): Promise<void> {
  const access = hub.access;
  const kind = <B extends TSchema>(name: string, body: B, created: TSchema, item: TSchema, handlers: {
    create: (who: Principal, body: Static<B>) => Promise<unknown>;
    list: (who: Principal) => Promise<unknown[]>;
    remove: (who: Principal, id: string) => Promise<void>;
  }) => {
    const tags = ['access'];
    app.post(`/admin/${name}`, { schema: { summary: `Create one of ${name}`, tags, body, response: { 201: created, ...errorReplies } } }, async (request, reply) => {
      reply.code(201);
      return handlers.create(request.principal, requireBody<Static<B>>(request));
    });
    app.get(`/admin/${name}`, { schema: { summary: `List ${name}`, tags, response: { 200: Type.Object({ [name]: Type.Array(item) }), ...errorReplies } } }, async (request) =>
      ({ [name]: await handlers.list(request.principal) }));
    app.delete(`/admin/${name}/:id`, { schema: { summary: `Delete one of ${name}`, tags, params: IdParams, response: { 204: Type.Null(), ...errorReplies } } }, async (request, reply) => {
      await handlers.remove(request.principal, (request.params as { id: string }).id);
      return reply.code(204).send();
    });
  };

  kind('groups', CreateGroupBody, GroupSchema, GroupSchema, {
    create: (who, body) => access.createGroup(who, body),
    list: (who) => access.listGroups(who),
    remove: (who, id) => access.deleteGroup(who, id),
  });
  kind('users', CreateUserBody, UserSchema, UserSchema, {
    create: (who, body) => access.createUser(who, body),
    list: (who) => access.listUsers(who),
    remove: (who, id) => access.deleteUser(who, userId(id)),
  });
  kind('tokens', CreateTokenBody, CreatedToken, TokenSchema, {
    create: (who, body) => access.createToken(who, { ...body, scopes: body.scopes as Scope[] | undefined }),
    list: (who) => access.listTokens(who),
    remove: (who, id) => access.deleteToken(who, id),
  });
  kind('keys', CreateKeyBody, CreatedKey, KeySchema, {
    create: (who, body) => access.createKey(who, body),
    list: (who) => access.listKeys(who),
    remove: (who, id) => access.deleteKey(who, id),
  });

  app.get('/presence', { schema: { summary: 'Who was seen listing activities, and when', tags: ['access'], response: { 200: PresenceReply, ...errorReplies } } }, async (request) =>
    ({ presence: await access.presence(request.principal) }));
  app.get('/me', { schema: { summary: 'Who the credentials belong to: user, scopes, groups', tags: ['access'], response: { 200: MeReply, ...errorReplies } } }, async (request) => {
    const { userId, admin, scopes, groups, service } = request.principal;
    return { userId, admin, scopes: [...scopes], groups: [...groups], service };
  });
}

function userId(text: string): number {
  if (!/^\d{1,15}$/.test(text)) throw new ValidationError(`a user id is a positive integer, not '${text}'`);
  return Number(text);
}
