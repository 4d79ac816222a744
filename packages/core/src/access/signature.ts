import { createHmac } from 'node:crypto';

/** What a signed request carries in its `x-admiralcloud-*` headers. */
export interface SignedHeaders {
  accessKey: string;
  hash: string | undefined;
  rts: string | undefined;
  version: string | undefined;
  identifier: string | undefined;
}

/** The request as the signature covers it. */
export interface SignedRequest {
  method: string;
  /** The path without its query string. */
  path: string;
  /** Query parameters merged with the JSON body. */
  payload: Record<string, unknown>;
  /** Version 1 signs a controller and an action instead of the path (`activity` / `find`, ...). */
  controllerAction?: { controller: string; action: string };
}

/** Keys sorted deeply, as `ac-signature` does from version 3 on (`localeCompare` order). */
export function deepSortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(deepSortKeys);
  if (Object.prototype.toString.call(value) === '[object Object]') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as object).sort((a, b) => a.localeCompare(b))) out[key] = deepSortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

function shallowSortKeys(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = value[key];
  return out;
}

/**
 * The AdmiralCloud request signature, exactly as the reference signer `ac-signature` makes it:
 * hex HMAC-SHA256 over `lower(path)` (version ≥ 2) or `lower(controller)\nlower(action)` (version 1),
 * then `\nidentifier` (version ≥ 5, when present), `\nrts`, and `\n` the JSON of the payload with its
 * keys sorted (deeply from version 3), the last omitted when the payload is empty.
 */
export function acSignature(secret: string, version: number, rts: string | number, identifier: string | undefined, request: SignedRequest): string | undefined {
  let text: string;
  if (version >= 2) text = request.path.toLowerCase();
  else if (request.controllerAction) text = `${request.controllerAction.controller.toLowerCase()}\n${request.controllerAction.action.toLowerCase()}`;
  else return undefined;
  if (version >= 5 && identifier) text += `\n${identifier}`;
  const payload = version >= 3 ? (deepSortKeys(request.payload) as Record<string, unknown>) : shallowSortKeys(request.payload);
  text += `\n${rts}${Object.keys(payload).length === 0 ? '' : `\n${JSON.stringify(payload)}`}`;
  return createHmac('sha256', secret).update(text).digest('hex');
}

/** Query values arrive as text; a signer may have signed numbers. The payload with integer-looking strings as numbers. */
export function withIntegers(payload: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(payload)) out[k] = typeof v === 'string' && /^-?\d{1,15}$/.test(v) ? Number(v) : v;
  return out;
}
