/**
 * The JSON text of an event (or any stream item), serialised once per object however many
 * surfaces and subscribers send it. A store that already serialised an event for its log records
 * that text here, so the streams send it without serialising again.
 */
const texts = new WeakMap<object, string>();

/** `JSON.stringify(item)`, cached per object. Items are never changed after they are emitted. */
export function eventJson(item: object): string {
  let text = texts.get(item);
  if (text === undefined) texts.set(item, (text = JSON.stringify(item)));
  return text;
}

/** Records `text` (which must equal `JSON.stringify(item)`) as the JSON of `item`. */
export function rememberEventJson(item: object, text: string): void {
  texts.set(item, text);
}
