import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ERROR_STATUS } from './errors.js';

/**
 * Wire schemas of the native API, in one place. The server validates and serialises with them,
 * `openapi.json` is generated from them, and their `Static` types are the SDK's types.
 */

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const ActivityId = Type.String({ minLength: 1, maxLength: 64, description: 'UUID assigned by the hub' });
export const ActivityType = Type.String({
  minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$',
  description: 'Dotted name clients switch on, e.g. `media.transcode`',
});
export const Progress = Type.Number({ minimum: 0, maximum: 100, description: '0..100' });
export const ContextMap = Type.Record(
  Type.String({ maxLength: 100 }),
  Type.Union([Type.String({ maxLength: 2000 }), Type.Number(), Type.Boolean(), Type.Null()]),
  { maxProperties: 64, description: 'Flat map linking the activity to entities' },
);
export const ResultObject = Type.Record(Type.String(), Type.Unknown(), { description: 'Any JSON object' });
export const ActivityErrorSchema = Type.Object({
  code: Type.String({ minLength: 1, maxLength: 100 }),
  message: Type.String({ maxLength: 10_000 }),
}, { additionalProperties: false });
export const StateSchema = Type.Union(
  ['running', 'completed', 'failed', 'cancelled', 'expired'].map((s) => Type.Literal(s)),
);

export const ActivitySchema = Type.Object({
  id: Type.String(),
  type: Type.String(),
  title: Type.String(),
  subtitle: Nullable(Type.String()),
  state: StateSchema,
  progress: Nullable(Type.Number()),
  cancellable: Type.Boolean(),
  owner: Nullable(Type.Integer()),
  groups: Type.Array(Type.String()),
  context: ContextMap,
  result: Nullable(ResultObject),
  error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
  parentId: Nullable(Type.String()),
  createdAt: Type.Integer(),
  updatedAt: Type.Integer(),
  endedAt: Nullable(Type.Integer()),
  leaseExpiresAt: Nullable(Type.Integer()),
  leaseMs: Nullable(Type.Integer()),
  heartbeatMs: Nullable(Type.Integer()),
  seq: Type.Integer(),
}, { $id: 'Activity', description: 'An activity' });

export const CreateActivityBody = Type.Object({
  type: ActivityType,
  title: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: 'Defaults to the type' })),
  subtitle: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
  progress: Type.Optional(Nullable(Progress)),
  cancellable: Type.Optional(Type.Boolean()),
  context: Type.Optional(ContextMap),
  parentId: Type.Optional(Nullable(ActivityId)),
  groups: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 64 })),
  owner: Type.Optional(Nullable(Type.Integer({ minimum: 1, description: 'A service token creates on behalf of this user' }))),
}, { additionalProperties: false });
export type CreateActivityBody = Static<typeof CreateActivityBody>;

export const CreateHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({
    minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$',
    description: 'A repeated create with the same key (per user, within the retention period) returns the activity the first one created, and creates nothing',
  })),
});
export type CreateHeaders = Static<typeof CreateHeaders>;

export const PatchActivityBody = Type.Object({
  progress: Type.Optional(Nullable(Progress)),
  title: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
  subtitle: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
  context: Type.Optional(ContextMap),
  state: Type.Optional(Type.Union([Type.Literal('completed'), Type.Literal('failed')], {
    description: 'End the activity: `completed` (with `result`) or `failed` (with `error`)',
  })),
  result: Type.Optional(ResultObject),
  error: Type.Optional(Type.Object({
    code: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    message: Type.String({ maxLength: 10_000 }),
  }, { additionalProperties: false })),
}, { additionalProperties: false });
export type PatchActivityBody = Static<typeof PatchActivityBody>;

const ListParam = (description: string) => Type.Optional(Type.Array(Type.String({ maxLength: 2000 }), { maxItems: 100, description }));

export const ListQuery = Type.Object({
  state: ListParam('running, completed, failed, cancelled, expired, or active|ended|all; comma-separated or repeated'),
  type: ListParam('Activity types; a type ending in `.*` matches as a prefix; comma-separated or repeated'),
  owner: ListParam('Owner user ids; comma-separated or repeated'),
  id: ListParam('Activity ids; comma-separated or repeated'),
  parentId: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});
export type ListQuery = Static<typeof ListQuery>;

export const ListReply = Type.Object({
  activities: Type.Array(Type.Ref('Activity')),
  nextCursor: Nullable(Type.String()),
});

export const GetQuery = Type.Object({
  wait: Type.Optional(Type.Number({ minimum: 0, maximum: 60, description: 'Long-poll: seconds to wait for the end' })),
});

export type GetQuery = Static<typeof GetQuery>;

export const IdParams = Type.Object({ id: Type.String({ maxLength: 200 }) });
export type IdParams = Static<typeof IdParams>;

export const ErrorReply = Type.Object({
  error: Type.Object({
    code: Type.Union(Object.keys(ERROR_STATUS).map((c) => Type.Literal(c))),
    message: Type.String(),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  }),
}, { $id: 'Error', description: 'A coded error' });

export const StreamQuery = Type.Object({
  id: ListParam('Activity ids; comma-separated or repeated'),
  type: ListParam('Activity types; a type ending in `.*` matches as a prefix'),
  state: ListParam('States, or active|ended|all; an end passes a filter that includes `running`'),
  owner: ListParam('Owner user ids'),
  parentId: ListParam('Parent activity ids'),
  feed: Type.Optional(Type.Boolean({ default: true, description: 'Include change-feed events' })),
  since: Type.Optional(Type.Integer({ minimum: 0, description: 'Resume after this `seq` (SSE: `Last-Event-ID` wins)' })),
  token: Type.Optional(Type.String({ description: 'The token, for clients that cannot set headers' })),
});
export type StreamQuery = Static<typeof StreamQuery>;

/** A WebSocket client's messages. */
export const StreamFilters = Type.Object({
  id: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 1000 })),
  type: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 100 })),
  state: Type.Optional(Type.Array(Type.String({ maxLength: 20 }), { maxItems: 10 })),
  owner: Type.Optional(Type.Array(Type.Integer({ minimum: 0 }), { maxItems: 1000 })),
  parentId: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 1000 })),
  feed: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
export const WsClientMessage = Type.Union([
  Type.Object({
    subscribe: Type.Object({
      filters: Type.Optional(StreamFilters),
      since: Type.Optional(Type.Integer({ minimum: 0 })),
    }, { additionalProperties: false }),
  }, { additionalProperties: false }),
  Type.Object({ unsubscribe: Type.Object({}, { additionalProperties: false }) }, { additionalProperties: false }),
]);
export type WsClientMessage = Static<typeof WsClientMessage>;

const ScopeSchema = Type.Union(['read', 'report', 'cancel', 'admin'].map((s) => Type.Literal(s)));
const GroupId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' });

export const CreateGroupBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  id: Type.Optional(GroupId),
  parentId: Type.Optional(GroupId),
}, { additionalProperties: false });
export type CreateGroupBody = Static<typeof CreateGroupBody>;
export const GroupSchema = Type.Object({ id: Type.String(), name: Type.String(), parentId: Nullable(Type.String()), createdAt: Type.Integer() });

export const CreateUserBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  groups: Type.Array(GroupId, { maxItems: 64 }),
  admin: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
export type CreateUserBody = Static<typeof CreateUserBody>;
export const UserSchema = Type.Object({ id: Type.Integer(), name: Type.String(), groups: Type.Array(Type.String()), admin: Type.Boolean(), createdAt: Type.Integer() });

export const CreateTokenBody = Type.Object({
  userId: Type.Integer({ minimum: 1 }),
  scopes: Type.Optional(Type.Array(ScopeSchema, { minItems: 1, maxItems: 4 })),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  service: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
export type CreateTokenBody = Static<typeof CreateTokenBody>;
export const CreatedToken = Type.Object({ id: Type.String(), token: Type.String(), userId: Type.Integer(), scopes: Type.Array(Type.String()) });
export const TokenSchema = Type.Object({
  id: Type.String(), userId: Type.Integer(), scopes: Type.Array(Type.String()), name: Nullable(Type.String()), service: Type.Boolean(), createdAt: Type.Integer(),
});

export const CreateKeyBody = Type.Object({
  userId: Type.Integer({ minimum: 1 }),
  service: Type.Optional(Type.Boolean({ description: 'Acts for the user named by `x-admiralcloud-identifier`' })),
}, { additionalProperties: false });
export type CreateKeyBody = Static<typeof CreateKeyBody>;
export const CreatedKey = Type.Object({ accessKey: Type.String(), accessSecret: Type.String(), userId: Type.Integer() });
export const KeySchema = Type.Object({ accessKey: Type.String(), userId: Type.Integer(), service: Type.Boolean(), createdAt: Type.Integer() });

/** `GET /v1/me`: who the credentials belong to and what they may do, so a UI shows only what works. */
export const MeReply = Type.Object({
  userId: Type.Union([Type.Integer(), Type.Null()], { description: 'null only for work with no user' }),
  admin: Type.Boolean(),
  scopes: Type.Array(Type.String()),
  groups: Type.Array(Type.String()),
  service: Type.Boolean(),
});

export const PresenceReply = Type.Object({
  presence: Type.Array(Type.Object({ userId: Type.Integer(), name: Type.String(), seenAt: Type.Integer() })),
});

const DocId = Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Integer()], { description: 'Keeps its JSON type' });
const FeedGroups = Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 64 }));
const EpochMs = Type.Integer({ minimum: 0, description: 'epoch milliseconds' });

export const RecordChangesBody = Type.Object({
  changes: Type.Array(Type.Object({
    model: Type.String({ minLength: 1, maxLength: 200 }),
    id: DocId,
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
    at: Type.Optional(EpochMs),
    groups: FeedGroups,
  }, { additionalProperties: false }), { minItems: 1, maxItems: 10_000 }),
}, { additionalProperties: false });
export type RecordChangesBody = Static<typeof RecordChangesBody>;

const AffectedModelSchema = Type.Object({
  timeRange: Type.Tuple([EpochMs, EpochMs]),
  updated: EpochMs,
}, { additionalProperties: false });

export const IndexEntriesBody = Type.Object({
  entries: Type.Array(Type.Object({
    model: Type.String({ minLength: 1, maxLength: 200 }),
    id: DocId,
    affectedModels: Type.Record(Type.String({ minLength: 1, maxLength: 200 }), AffectedModelSchema, { minProperties: 1, maxProperties: 100 }),
    groups: FeedGroups,
  }, { additionalProperties: false }), { minItems: 1, maxItems: 10_000 }),
}, { additionalProperties: false });
export type IndexEntriesBody = Static<typeof IndexEntriesBody>;

export const FeedQuery = Type.Object({
  since: Type.Optional(Type.Integer({ minimum: 0, description: 'Only entries written after this (epoch ms of the server; use the previous reply\'s `now`)' })),
  include: Type.Optional(Type.Array(Type.String({ maxLength: 50 }), { maxItems: 10, description: 'modelChanges, modelChangesES; comma-separated or repeated' })),
});
export type FeedQuery = Static<typeof FeedQuery>;

const ModelChangeSchema = Type.Object({
  model: Type.String(), id: Type.Union([Type.String(), Type.Integer()]), action: Type.String(), at: Type.Integer(),
  owner: Nullable(Type.Integer()), groups: Type.Array(Type.String()),
});
const IndexEntrySchema = Type.Object({
  model: Type.String(), id: Type.Union([Type.String(), Type.Integer()]),
  affectedModels: Type.Record(Type.String(), Type.Object({ timeRange: Type.Array(Type.Integer()), updated: Type.Integer() })),
  updated: Type.Integer(), owner: Nullable(Type.Integer()), groups: Type.Array(Type.String()),
});
export const FeedReply = Type.Object({
  now: Type.Integer(),
  modelChanges: Type.Optional(Type.Array(ModelChangeSchema)),
  modelChangesES: Type.Optional(Type.Array(IndexEntrySchema)),
});
export const FeedAccepted = Type.Object({ recorded: Type.Integer() });
