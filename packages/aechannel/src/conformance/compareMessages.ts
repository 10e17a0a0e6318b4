/**
 * How conformance compares one recorded message with one message seen in a run.
 *
 * Client messages (`--->`, client mode) must be the recorded ones: same method (a
 * signing reply's alias counting as its canonical name, §7.4), same params, with two
 * things set aside: the JSON-RPC `id` (client-chosen, PROTOCOL.md §7.1) and signatures. A signed transaction is compared by its inner transaction bytes
 * (§2.4), so the client must sign exactly the transaction the node gave it, but may sign
 * with any key. Connection URLs compare by their query parameters (§6.2, §6.3).
 *
 * Node messages (`<---`, devnode mode) come from a different chain with different keys,
 * so they compare by their *shape*: the method (or `result` / `error`), the event of
 * `channels.info`, the `info`/`type` of `channels.on_chain_tx`, error codes (top-level,
 * `data[].code`, the conflict's `error_code`, §8.6–§8.8), the `result` when it is a
 * string, the updates of a signing request (op and amounts, accounts as roles, §8.2) and
 * the text of a `channels.message` (§8.5), and of a contract call object its result
 * (return type and value, gas used, number of log entries; CONTRACTS.md §2.7).
 */
import { decode, decodeSignedTx, encode, stringifyJson, type JsonValue } from '@aechannel/codec';

/** One value that differs between the recorded and the actual message. */
export interface FieldDifference {
  /** Dotted path of the first differing field, e.g. `params.amount`. */
  path: string;
  expected: unknown;
  actual: unknown;
}

type JsonObject = { [key: string]: JsonValue };
const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The bytes of a `cb_…` value, as hex, or `undefined` when it is not one. */
function bytesHex(value: string): string | undefined {
  if (!value.startsWith('cb_')) return undefined;
  try {
    return Buffer.from(decode(value as `cb_${string}`, 'cb')).toString('hex');
  } catch {
    return undefined;
  }
}

/** The inner tx bytes of a signed `tx_…`, as hex, or `undefined` when it is not one. */
function innerTxHex(value: string): string | undefined {
  if (!value.startsWith('tx_')) return undefined;
  try {
    return Buffer.from(decodeSignedTx(value as `tx_${string}`).innerBytes).toString('hex');
  } catch {
    return undefined;
  }
}

/** Wraps the inner tx of a signed tx, so it compares and prints apart from plain strings. */
class InnerTx {
  constructor(readonly hex: string) {}
  toJSON(): string {
    return `tx(inner ${this.hex.slice(0, 8)}…${this.hex.slice(-8)})`;
  }
}

/** Replaces every signed tx in a value by its inner tx (signatures set aside). */
function withoutSignatures(value: unknown): unknown {
  if (typeof value === 'string') {
    const hex = innerTxHex(value);
    return hex === undefined ? value : new InnerTx(hex);
  }
  if (Array.isArray(value)) return value.map(withoutSignatures);
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, withoutSignatures(entry)]));
  return value;
}

/** First difference between two plain values (objects by key, arrays by index). */
export function diffValues(expected: unknown, actual: unknown, path = ''): FieldDifference | undefined {
  if (expected instanceof InnerTx || actual instanceof InnerTx) {
    const same = expected instanceof InnerTx && actual instanceof InnerTx && expected.hex === actual.hex;
    return same ? undefined : { path, expected, actual };
  }
  if (Array.isArray(expected) || Array.isArray(actual)) {
    if (!Array.isArray(expected) || !Array.isArray(actual)) return { path, expected, actual };
    for (let i = 0; i < Math.max(expected.length, actual.length); i += 1) {
      const found = diffValues(expected[i], actual[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (isObject(expected) || isObject(actual)) {
    if (!isObject(expected) || !isObject(actual)) return { path, expected, actual };
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
    for (const key of keys) {
      const found = diffValues(expected[key], actual[key], path === '' ? key : `${path}.${key}`);
      if (found) return found;
    }
    return undefined;
  }
  return expected === actual ? undefined : { path, expected, actual };
}

/** A client message as conformance compares it: method and params, id and signatures aside. */
export interface ClientMessageView {
  method: unknown;
  params: unknown;
}

/**
 * The comparable view of a client message.
 * @param message - a JSON-RPC request the client sent
 * @returns `{ method, params }` with every signed tx replaced by its inner tx
 */
export function clientMessageView(message: JsonValue | unknown): ClientMessageView {
  if (!isObject(message)) return { method: undefined, params: withoutSignatures(message) };
  return { method: message.method, params: withoutSignatures(message.params) };
}

/**
 * Compares a recorded client message with the one the client sent.
 * @returns the first differing field, or `undefined` when they conform
 */
export function compareClientMessage(expected: JsonValue | unknown, actual: JsonValue | unknown): FieldDifference | undefined {
  const canonical = (view: ClientMessageView): ClientMessageView =>
    typeof view.method === 'string' && view.method in REPLY_METHOD_ALIASES ? { ...view, method: REPLY_METHOD_ALIASES[view.method] } : view;
  return diffValues(canonical(clientMessageView(expected)), canonical(clientMessageView(actual)));
}

/**
 * Signing-reply methods the node accepts under a second name (PROTOCOL.md §7.4), each
 * with the name a client sends: a recorded alias and the canonical name are the same reply.
 */
export const REPLY_METHOD_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  'channels.close_solo_tx': 'channels.close_solo_sign',
  'channels.slash_tx': 'channels.slash_sign',
  'channels.settle_tx': 'channels.settle_sign',
  'channels.force_progress_tx': 'channels.force_progress_sign',
});

/** The query parameters of a channel URL, as a plain object (values are strings). */
export function urlParams(url: string): Record<string, string> {
  const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
  return Object.fromEntries(new URLSearchParams(query));
}

/**
 * Compares two connection URLs by their query parameters (host and port of the node aside).
 * @param ignore - parameters not compared (e.g. `offchain_tx`, whose signatures differ)
 */
export function compareConnectUrl(expected: string, actual: string, ignore: readonly string[] = []): FieldDifference | undefined {
  const strip = (params: Record<string, string>): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(params)) {
      if (ignore.includes(key)) continue;
      out[key] = withoutSignatures(value);
    }
    return out;
  };
  const found = diffValues(strip(urlParams(expected)), strip(urlParams(actual)));
  return found === undefined ? undefined : { ...found, path: `url.${found.path}` };
}

/** Names accounts by role in node-message shapes (addresses differ between chains). */
export type AccountNames = ReadonlyMap<string, string>;

/**
 * The comparable shape of a node message (see the module doc).
 * @param message - a JSON-RPC message the node sent
 * @param names - account → role name, to compare updates across chains
 * @returns a plain object; two messages conform when their shapes are equal
 */
export function nodeMessageShape(message: JsonValue | unknown, names: AccountNames = new Map()): Record<string, unknown> {
  if (!isObject(message)) return { kind: 'not an object' };
  if (message.error !== undefined) {
    const error = isObject(message.error) ? message.error : {};
    const shape: Record<string, unknown> = { kind: 'error', code: error.code };
    if (Array.isArray(error.data)) shape.data = error.data.map((entry) => (isObject(entry) ? entry.code : entry));
    return shape;
  }
  if (message.result !== undefined && message.method === undefined) {
    const result = message.result;
    return { kind: 'result', result: typeof result === 'string' ? result : Array.isArray(result) ? `list of ${result.length}` : typeof result };
  }
  const method = message.method;
  const params = isObject(message.params) ? message.params : {};
  const data = isObject(params.data) ? params.data : {};
  const shape: Record<string, unknown> = { kind: method };
  if (method === 'channels.info') shape.event = data.event;
  else if (method === 'channels.on_chain_tx') {
    shape.info = data.info;
    shape.type = data.type;
  } else if (method === 'channels.conflict') shape.error_code = data.error_code;
  else if (method === 'channels.error' && data.code !== undefined) shape.code = data.code;
  else if (method === 'channels.message') shape.info = isObject(data.message) ? data.message.info : undefined;
  else if (typeof method === 'string' && method.startsWith('channels.sign.') && Array.isArray(data.updates)) {
    shape.updates = data.updates.map((update) => {
      if (!isObject(update)) return update;
      return Object.fromEntries(
        Object.entries(update)
          .filter(([key]) => ['op', 'from', 'to', 'amount'].includes(key))
          .map(([key, value]) => [key, typeof value === 'string' ? (names.get(value) ?? value) : value]),
      );
    });
  }
  // A contract call object (a dry run, a call read back, CONTRACTS.md §2.7): what the VM gave
  // does not depend on the keys, so it must be the recorded one (the contract rules show here).
  if (typeof data.return_type === 'string') {
    shape.call = { return_type: data.return_type, return_value: withAccountsNamed(data.return_value, names), gas_used: data.gas_used, log: Array.isArray(data.log) ? data.log.length : data.log };
  }
  return shape;
}

/**
 * A `cb_` value with the accounts it holds (32-byte public keys, as FATE serializes an
 * address) written as their roles: a contract that returns `Call.caller` returns the run's
 * account, the recording's role for role. Other values as they are.
 */
function withAccountsNamed(value: JsonValue | undefined, names: AccountNames): unknown {
  if (typeof value !== 'string' || names.size === 0) return value;
  let hex = bytesHex(value);
  if (hex === undefined) return value;
  let named = false;
  for (const [address, role] of names) {
    if (!address.startsWith('ak_')) continue;
    const key = Buffer.from(decode(address as `ak_${string}`, 'ak')).toString('hex');
    if (hex.includes(key)) {
      hex = hex.split(key).join(`<${role}>`);
      named = true;
    }
  }
  return named ? `cb(${hex})` : value;
}

/**
 * Rewrites the accounts and contracts a `cb_` value holds (32-byte public keys inside call
 * data, CONTRACTS.md §4.6) by a map of `ak_`/`ct_` ids: a recorded call that names an
 * account names the run's account instead. Other values come back as they are.
 * @param value - a `cb_` string
 * @param ids - recorded id -> run id (only `ak_` and `ct_` pairs are used)
 * @returns the value with each recorded key's bytes replaced by the run's
 * @example substituteKeysInBytes(callData, new Map([[recordedAccount, runAccount]]))
 */
export function substituteKeysInBytes(value: string, ids: ReadonlyMap<string, string>): string {
  let hex = bytesHex(value);
  if (hex === undefined) return value;
  let changed = false;
  for (const [from, to] of ids) {
    const prefix = from.slice(0, 3);
    if ((prefix !== 'ak_' && prefix !== 'ct_') || to.slice(0, 3) !== prefix) continue;
    try {
      const a = Buffer.from(decode(from as `ak_${string}`, prefix.slice(0, 2) as 'ak')).toString('hex');
      const b = Buffer.from(decode(to as `ak_${string}`, prefix.slice(0, 2) as 'ak')).toString('hex');
      if (hex.includes(a)) {
        hex = hex.split(a).join(b);
        changed = true;
      }
    } catch {
      // Not an id this code reads: nothing to replace.
    }
  }
  return changed ? encode(Buffer.from(hex, 'hex'), 'cb') : value;
}

/**
 * Compares a recorded node message with one the node sent, by shape.
 * @returns the first differing field, or `undefined` when they conform
 */
export function compareNodeMessage(
  expected: JsonValue | unknown,
  actual: JsonValue | unknown,
  names: { expected?: AccountNames; actual?: AccountNames } = {},
): FieldDifference | undefined {
  const want = nodeMessageShape(expected, names.expected);
  const got = nodeMessageShape(actual, names.actual);
  // A different kind of message is the difference to report, not the fields it lacks.
  if (want.kind !== got.kind) return { path: 'kind', expected: want.kind, actual: got.kind };
  return diffValues(want, got);
}

/** Renders a value on one line (bigint-safe, long strings shortened). */
export function renderValue(value: unknown, max = 220): string {
  const shorten = (v: unknown): unknown => {
    if (v instanceof InnerTx) return v.toJSON();
    if (typeof v === 'string' && v.length > 40) return `${v.slice(0, 16)}…${v.slice(-6)}`;
    if (Array.isArray(v)) return v.map(shorten);
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, shorten(e)]));
    return v;
  };
  let text: string;
  if (value === undefined) text = 'nothing';
  else {
    try {
      text = stringifyJson(shorten(value)) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** One-line rendering of a client message: `method {params}`. */
export function renderClientMessage(message: unknown): string {
  const view = clientMessageView(message);
  return `${String(view.method)} ${renderValue(view.params)}`;
}

/** One-line rendering of a node message's shape: `method {event…}`. */
export function renderNodeMessage(message: unknown, names?: AccountNames): string {
  const { kind, ...rest } = nodeMessageShape(message, names);
  return Object.keys(rest).length === 0 ? String(kind) : `${String(kind)} ${renderValue(rest)}`;
}
