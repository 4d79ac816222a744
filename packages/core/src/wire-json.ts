/**
 * The JSON text of an object sent on the wire (an event, a stream item, an activity in a reply),
 * serialised once per object however many surfaces and subscribers send it. A store that already
 * serialised an activity and its event for its own rows records those texts here, so replies and
 * streams send them without serialising again.
 */
const texts = new WeakMap<object, string>();

/** `JSON.stringify(value)`, cached per object. Objects sent on the wire are never changed afterwards. */
export function wireJson(value: object): string {
  let text = texts.get(value);
  if (text === undefined) texts.set(value, (text = JSON.stringify(value)));
  return text;
}

/** Records `text` (which must equal `JSON.stringify(value)`) as the JSON of `value`. */
export function rememberWireJson(value: object, text: string): void {
  texts.set(value, text);
}
