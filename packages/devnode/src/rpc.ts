/**
 * JSON-RPC envelopes and error objects exactly as the node writes them (PROTOCOL.md §7.1,
 * §8.8).
 *
 * Every node → client frame carries `"jsonrpc":"2.0"` and `"version":1`. Replies to a
 * request carry the request's `id` (or `null`) and the `channel_id` the FSM knows (or
 * `null`); errors also echo the original request object under `error.request`.
 */
import type { JsonValue } from '@aechannel/codec';

/** A JSON object as the devnode writes it (bigint integers). */
export type JsonObject = { [key: string]: JsonValue };

/** Messages of the `error.data[].code` values (§8.8). */
export const dataCodeMessages: Readonly<Record<number, string>> = Object.freeze({
  100: "X doesn't exist",
  101: 'Requires coin',
  102: 'Gas too low',
  103: 'Gas limit exceeded',
  104: 'Rejected',
  105: 'Value too low',
  106: 'Timeout',
  107: 'Conflict',
  108: 'Not ready',
  1001: 'Insufficient balance',
  1002: 'Negative amount',
  1003: 'Invalid pubkeys',
  1004: 'Call not found',
  1005: 'Broken encoding: account pubkey',
  1006: 'Broken encoding: contract pubkey',
  1007: 'Contract init failed',
  1008: 'Not a number',
  1009: 'Broken encoding: contract bytearray',
  1010: 'Broken encoding: transaction',
  1011: 'Participant not found',
  1012: 'Offchain tx expected',
  1013: 'Tx already on-chain',
  1014: 'Invalid meta object',
  1015: 'Invalid error code (expect 1...65535)',
  1016: 'Invalid fsm id',
  1017: 'Bad signature',
  1018: 'Not allowed at current channel state',
  1019: 'ABI version mismatch',
  1020: 'VM version mismatch',
  2000: 'Missing field: existing_fsm_id',
});

/** The `error` member of an error reply, without `request`. */
export interface RpcError {
  code: number;
  message: string;
  data?: { code: number; message: string }[];
}

/** `{code: 3, message: "Rejected", data: [...]}` with the given data codes (§8.8). */
export function rejected(...codes: number[]): RpcError {
  return { code: 3, message: 'Rejected', data: codes.map((code) => ({ code, message: dataCodeMessages[code] ?? 'Rejected' })) };
}

/** `{code: 2, message: "Action not allowed", data: [...]}` (snapshot without an off-chain tx, §7.3). */
export function actionNotAllowed(...codes: number[]): RpcError {
  return { code: 2, message: 'Action not allowed', data: codes.map((code) => ({ code, message: dataCodeMessages[code] ?? 'Rejected' })) };
}

/** `{code: -32601, message: "Method not found"}`: unknown method or missing mandatory params. */
export const methodNotFound = (): RpcError => ({ code: -32601, message: 'Method not found' });

/** `{code: -32603, message: "Internal error"}`: any failure the node does not map. */
export const internalError = (): RpcError => ({ code: -32603, message: 'Internal error' });

/** `{code: -32000, message: "Invalid request"}` (e.g. an in-band message that is too large). */
export const invalidRequest = (): RpcError => ({ code: -32000, message: 'Invalid request' });

/** Thrown inside request handlers to answer the request with an error object. */
export class RpcFailure extends Error {
  constructor(readonly error: RpcError) {
    super(error.message);
  }
}

/** A notification `{"method": M, "params": {"channel_id", "data"}}`. */
export function notification(method: string, channelId: string | null, data: JsonValue): JsonObject {
  return { jsonrpc: '2.0', version: 1n, method, params: { channel_id: channelId, data } };
}

/** A result reply. */
export function resultReply(id: JsonValue, channelId: string | null, result: JsonValue): JsonObject {
  return { jsonrpc: '2.0', version: 1n, id, channel_id: channelId, result };
}

/**
 * Largest request echoed whole in an error reply (§7.1), in characters of its JSON. The
 * node echoes every request; a larger one is echoed shortened (see {@link echoOf}), so an
 * oversized request never comes back whole.
 */
export const MAX_ECHO_CHARS = 64 * 1024;
/** Longest string of a shortened echo. */
const ECHO_STRING_CHARS = 256;

/** True when the JSON of `value` has more than `budget` characters (a walk that stops early). */
function longerThan(value: JsonValue, budget: number): boolean {
  let left = budget;
  const visit = (v: JsonValue): boolean => {
    if (typeof v === 'string') left -= v.length + 2;
    else if (typeof v === 'bigint' || typeof v === 'number') left -= 24;
    else if (v === null || typeof v === 'boolean') left -= 5;
    else if (Array.isArray(v)) {
      left -= 2;
      for (const item of v) if (left < 0 || visit(item)) return true;
    } else {
      left -= 2;
      for (const [key, item] of Object.entries(v)) {
        left -= key.length + 4;
        if (left < 0 || visit(item)) return true;
      }
    }
    return left < 0;
  };
  return visit(value);
}

/**
 * The request as an error reply echoes it: whole up to {@link MAX_ECHO_CHARS}; beyond, a
 * copy whose strings are cut to 256 characters (ending in `…`) and whose lists and objects
 * keep what fits in that budget, so its size is bounded whatever came in.
 */
export function echoOf(request: JsonValue): JsonValue {
  if (!longerThan(request, MAX_ECHO_CHARS)) return request;
  let left = MAX_ECHO_CHARS;
  const first = ['jsonrpc', 'id', 'method'];
  const copy = (v: JsonValue, top = false): JsonValue => {
    if (typeof v === 'string') {
      const s = v.length > ECHO_STRING_CHARS ? `${v.slice(0, ECHO_STRING_CHARS)}…` : v;
      left -= s.length + 2;
      return s;
    }
    if (typeof v !== 'object' || v === null) {
      left -= 24;
      return v;
    }
    if (Array.isArray(v)) {
      const out: JsonValue[] = [];
      for (const item of v) {
        if (left <= 0) break;
        out.push(copy(item));
      }
      return out;
    }
    const out: JsonObject = {};
    const entries = Object.entries(v);
    // The envelope of the request first, so that it survives whatever its params hold.
    if (top) entries.sort(([a], [b]) => Number(!first.includes(a)) - Number(!first.includes(b)));
    for (const [key, item] of entries) {
      if (left <= 0) break;
      left -= Math.min(key.length, ECHO_STRING_CHARS) + 4;
      const name = key.length > ECHO_STRING_CHARS ? `${key.slice(0, ECHO_STRING_CHARS)}…` : key;
      // (defineProperty: an own "__proto__" key stays a plain property)
      Object.defineProperty(out, name, { value: copy(item), writable: true, enumerable: true, configurable: true });
    }
    return out;
  };
  return copy(request, true);
}

/** An error reply; `id` is `null` when the request had none. The request is echoed by {@link echoOf}. */
export function errorReply(id: JsonValue, channelId: string | null, error: RpcError, request: JsonValue): JsonObject {
  const body: JsonObject = { code: BigInt(error.code), message: error.message };
  if (error.data !== undefined) body['data'] = error.data.map((d) => ({ code: BigInt(d.code), message: d.message }));
  body['request'] = echoOf(request);
  return { jsonrpc: '2.0', version: 1n, id, channel_id: channelId, error: body };
}

/** The `error_msg` of `channels.conflict` for an error code (§8.6). */
export function conflictMessage(code: number): string {
  switch (code) {
    case 1:
      return 'validation error';
    case 2:
      return 'conflict';
    case 3:
      return 'timeout';
    case 4:
      return 'abort';
    case 5:
      return 'rejected on-chain';
    default:
      return code >= 128 ? 'user-defined' : 'unknown';
  }
}

/** A parsed client request (§7.1). */
export interface RpcRequest {
  method: string;
  params: JsonObject;
  /** Present when the request had an `id` (which may itself be any JSON value). */
  hasId: boolean;
  id: JsonValue;
  /** The request object exactly as received, echoed in error replies. */
  raw: JsonObject;
}

/**
 * Reads one request object; `undefined` when the frame must be ignored silently (§7.1:
 * `jsonrpc` must be exactly `"2.0"` and `method` a string).
 */
export function readRequest(value: JsonValue): RpcRequest | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  if (value['jsonrpc'] !== '2.0' || typeof value['method'] !== 'string') return undefined;
  const params = value['params'];
  const hasId = Object.hasOwn(value, 'id');
  return {
    method: value['method'],
    params: typeof params === 'object' && params !== null && !Array.isArray(params) ? params : {},
    hasId,
    id: hasId ? (value['id'] ?? null) : null,
    raw: value,
  };
}
