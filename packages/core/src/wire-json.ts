/**
 * The JSON text of an object sent on the wire (an event, a stream item, an activity in a reply),
 * serialised once per object however many surfaces and subscribers send it. A store that already
 * serialised an activity and its event for its own rows records those texts here, so replies and
 * streams send them without serialising again.
 *
 * The text is kept on the object itself, under a symbol, as a non-enumerable property: spreading
 * or copying the object (`{ ...a }`) leaves it behind, and `JSON.stringify` never sees it. A
 * `WeakMap` held these before; each entry is an ephemeron the young-generation GC must revisit,
 * which cost several µs per write under a stream of progress updates. An object that cannot take
 * a property (frozen) is still served from a `WeakMap`.
 */
const WIRE_JSON = Symbol('activityd.wireJson');
const frozenTexts = new WeakMap<object, string>();

type WithWireJson = object & { [WIRE_JSON]?: string };

/** `JSON.stringify(value)`, cached per object. Objects sent on the wire are never changed afterwards. */
export function wireJson(value: object): string {
  const text = known(value);
  if (text !== undefined) return text;
  const made = eventAroundKnownActivity(value) ?? JSON.stringify(value);
  rememberWireJson(value, made);
  return made;
}

function known(value: object): string | undefined {
  return (value as WithWireJson)[WIRE_JSON] ?? frozenTexts.get(value);
}

/**
 * An activity event `{seq, type, at, activity}` whose activity was already sent (a reply to the
 * write that made it, before the event reached a stream): its text around the activity's, which
 * `JSON.stringify` would serialise a second time. Anything else shaped otherwise: `undefined`.
 */
function eventAroundKnownActivity(value: object): string | undefined {
  const { seq, type, at, activity } = value as { seq?: unknown; type?: unknown; at?: unknown; activity?: unknown };
  if (typeof activity !== 'object' || activity === null || typeof seq !== 'number' || typeof type !== 'string' || typeof at !== 'number') return undefined;
  const doc = known(activity);
  if (doc === undefined) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 4 || keys[0] !== 'seq' || keys[1] !== 'type' || keys[2] !== 'at' || keys[3] !== 'activity') return undefined;
  return `{"seq":${JSON.stringify(seq)},"type":${JSON.stringify(type)},"at":${JSON.stringify(at)},"activity":${doc}}`;
}

/** Records `text` (which must equal `JSON.stringify(value)`) as the JSON of `value`. */
export function rememberWireJson(value: object, text: string): void {
  if (Object.isExtensible(value)) Object.defineProperty(value, WIRE_JSON, { value: text, configurable: true });
  else frozenTexts.set(value, text);
}
