/**
 * Bigint-safe JSON (PROTOCOL.md §1.3).
 *
 * Amounts are in aettos (1 AE = 10^18) and the node's JSON-RPC ids are 60-bit negative
 * integers, both beyond 2^53, so `JSON.parse` would corrupt them. Here every integer
 * literal parses to a `bigint`, every other number (fraction or exponent) to a `number`,
 * and `bigint` values stringify as plain integer literals.
 *
 * Reading is bounded, because the text comes from the network: a number literal longer
 * than `maxNumberLength` characters (converting a 10-million-digit integer to a bigint
 * takes seconds) and nesting deeper than `maxDepth` are refused with
 * `CODEC_JSON_LIMIT_EXCEEDED` before any value is built. How large a text may be at all
 * is the transport's frame limit.
 *
 * How it reads: one linear scan finds the number literals outside strings (jumping over
 * strings with `indexOf`) and checks both limits. The platform's `JSON.parse` then reads
 * the text with the few literals it would get wrong rewritten as marked strings: integers
 * of more than 15 digits (beyond 2^53 a double loses digits) as U+0000 `i` and the
 * digits, fractions and exponents as U+0000 `f` and the literal, and strings of the text
 * that start with U+0000 get U+0000 `s` in front. One walk then turns every number left
 * (an integer literal of at most 15 digits, exact as a double) into a bigint and the
 * marked strings back into what they were. Keys repeat as in `JSON.parse` (the last one
 * wins).
 */
import { stringify } from 'lossless-json';
import { AechannelError, isAechannelError } from './errors.js';

/** A JSON value as {@link parseJson} returns it: integers are `bigint`. */
export type JsonValue = null | boolean | bigint | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Limits of {@link parseJson}. */
export interface ParseJsonOptions {
  /**
   * Longest number literal in characters, sign, fraction and exponent included (default
   * 100). Amounts fit in 2^256 (78 digits) and ids in 64 bits, so real traffic never
   * comes near it.
   */
  maxNumberLength?: number | undefined;
  /** Deepest nesting of arrays and objects (default 64; channel messages nest less than 10 levels). */
  maxDepth?: number | undefined;
}

/** Default of {@link ParseJsonOptions.maxNumberLength}. */
const DEFAULT_MAX_NUMBER_LENGTH = 100;
/** Default of {@link ParseJsonOptions.maxDepth}. */
const DEFAULT_MAX_DEPTH = 64;

/** The markers of the module doc, as JSON escapes; parsed, U+0000 and a letter. */
const MARK_INTEGER = '\\u0000i';
const MARK_FRACTION = '\\u0000f';
const MARK_STRING = '\\u0000s';
const MARK_CODE = 0;
/** Integer literals of at most this many digits are exact as doubles (10^15 < 2^53). */
const SAFE_DIGITS = 15;
/** JSON numbers (RFC 8259 §6), checked before a literal is rewritten as a string. */
const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;
const FRACTION = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

const invalidJson = (cause: unknown, length: number): AechannelError =>
  new AechannelError('CODEC_INVALID_JSON', 'Invalid JSON text.', {
    cause,
    details: cause instanceof Error ? cause.message : String(cause),
    context: { length },
  });

const limitExceeded = (limit: 'maxNumberLength' | 'maxDepth', max: number, position: number): AechannelError =>
  new AechannelError('CODEC_JSON_LIMIT_EXCEEDED', `JSON text exceeds ${limit} ${max} at position ${position}.`, {
    context: { limit, max, position },
  });

function readLimit(options: ParseJsonOptions, option: 'maxNumberLength' | 'maxDepth', fallback: number): number {
  const value = options[option] ?? fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new AechannelError('CODEC_INVALID_OPTION', `${option} must be a positive integer.`, { context: { option, value } });
  }
  return value;
}

/**
 * The scan of the module doc: checks the limits and returns the text with the markers
 * added (unchanged when it needs none). Text that is not JSON is left for `JSON.parse` to
 * refuse, except a literal that would be rewritten, which is checked here.
 */
function mark(text: string, maxNumberLength: number, maxDepth: number): string {
  let out = '';
  let copied = 0;
  let depth = 0;
  const length = text.length;
  for (let at = 0; at < length; at += 1) {
    const code = text.charCodeAt(at);
    if (code === 34 /* " */) {
      if (text.charCodeAt(at + 1) === 92 /* \ */ && text.startsWith('\\u0000', at + 1)) {
        out += text.slice(copied, at + 1) + MARK_STRING;
        copied = at + 1;
      }
      let end = at + 1;
      for (;;) {
        end = text.indexOf('"', end);
        if (end < 0) return text; // unterminated: JSON.parse refuses it
        let backslashes = 0;
        while (text.charCodeAt(end - 1 - backslashes) === 92 /* \ */) backslashes += 1;
        if ((backslashes & 1) === 0) break;
        end += 1;
      }
      at = end;
    } else if (code === 91 /* [ */ || code === 123 /* { */) {
      depth += 1;
      if (depth > maxDepth) throw limitExceeded('maxDepth', maxDepth, at);
    } else if (code === 93 /* ] */ || code === 125 /* } */) {
      depth -= 1;
    } else if (code === 45 /* - */ || (code >= 48 && code <= 57)) {
      // A run of characters that may belong to a number: digits, sign, point, exponent.
      let end = at + 1;
      let fraction = false;
      for (; end < length; end += 1) {
        const c = text.charCodeAt(end);
        if (c >= 48 && c <= 57) continue;
        if (c === 46 || c === 101 || c === 69 || c === 43 || c === 45) fraction = true;
        else break;
      }
      if (end - at > maxNumberLength) throw limitExceeded('maxNumberLength', maxNumberLength, at);
      const digits = code === 45 ? end - at - 1 : end - at;
      if (fraction || digits > SAFE_DIGITS) {
        const literal = text.slice(at, end);
        if (!(fraction ? FRACTION : INTEGER).test(literal)) throw new SyntaxError(`Invalid number at position ${at}.`);
        out += `${text.slice(copied, at)}"${fraction ? MARK_FRACTION : MARK_INTEGER}${literal}"`;
        copied = end;
      }
      // else: exact as a double; JSON.parse checks it
      at = end - 1;
    }
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** The value of a parsed string: a bigint or number for a marked literal, the string without its marker, or as is. */
function unmarkString(value: string): string | bigint | number {
  if (value.charCodeAt(0) !== MARK_CODE) return value;
  const kind = value.charCodeAt(1);
  if (kind === 105 /* i */) return BigInt(value.slice(2));
  if (kind === 102 /* f */) return Number(value.slice(2));
  return value.slice(2);
}

/** Undoes the markers and makes every remaining number a bigint, in place where it can. */
function unmark(value: unknown): unknown {
  if (typeof value === 'number') return BigInt(value);
  if (typeof value === 'string') return unmarkString(value);
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const item: unknown = value[i];
      if (typeof item === 'number') value[i] = BigInt(item);
      else if (typeof item === 'string' || (typeof item === 'object' && item !== null)) value[i] = unmark(item);
    }
    return value;
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  let renamed = false;
  for (const key of keys) {
    if (key.charCodeAt(0) === MARK_CODE) {
      if (key.charCodeAt(1) !== 115 /* s */) throw new SyntaxError('A number cannot be an object key.');
      renamed = true;
    }
    const item = object[key];
    if (typeof item === 'boolean' || item === null) continue;
    const next = unmark(item);
    if (next !== item) define(object, key, next);
  }
  if (!renamed) return object;
  // A key that starts with U+0000: rebuild the object to keep the key order.
  const out: Record<string, unknown> = {};
  for (const key of keys) define(out, unmarkString(key) as string, object[key]);
  return out;
}

/** Sets an own property; an own "__proto__" key stays a plain property, as JSON.parse makes it. */
const define = (object: Record<string, unknown>, key: string, value: unknown): void => {
  if (key === '__proto__') Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  else object[key] = value;
};

/**
 * Parses JSON text; integers become `bigint`. Bounded (see {@link ParseJsonOptions}).
 * @param text - the JSON text, e.g. a WebSocket message
 * @param options - the number-length and depth limits
 * @returns the value, with every integer literal as a `bigint`
 * @throws {AechannelError} `CODEC_INVALID_JSON` when the text is not JSON (or not a
 *   string); `CODEC_JSON_LIMIT_EXCEEDED` (context `limit`, `max`, `position`) for a number
 *   literal longer than `maxNumberLength` or nesting deeper than `maxDepth`;
 *   `CODEC_INVALID_OPTION` for a limit that is not a positive integer
 * @example parseJson('{"id":-576460752303422107}') // { id: -576460752303422107n }
 */
export function parseJson(text: string, options: ParseJsonOptions = {}): JsonValue {
  const maxNumberLength = readLimit(options, 'maxNumberLength', DEFAULT_MAX_NUMBER_LENGTH);
  const maxDepth = readLimit(options, 'maxDepth', DEFAULT_MAX_DEPTH);
  if (typeof text !== 'string') {
    throw new AechannelError('CODEC_INVALID_JSON', `Expected JSON text, got ${text === null ? 'null' : typeof text}.`, { context: { length: 0 } });
  }
  try {
    return unmark(JSON.parse(mark(text, maxNumberLength, maxDepth))) as JsonValue;
  } catch (cause) {
    if (isAechannelError(cause, 'CODEC_JSON_LIMIT_EXCEEDED')) throw cause;
    throw invalidJson(cause, text.length);
  }
}

/**
 * Writes a value as JSON; `bigint` values become integer literals.
 * @param value - the value to write
 * @param space - indentation, as for `JSON.stringify`
 * @returns the JSON text
 * @throws {AechannelError} `CODEC_INVALID_JSON` for values JSON cannot hold (e.g. cycles)
 * @example stringifyJson({ id: -576460752303422107n }) // '{"id":-576460752303422107}'
 */
export function stringifyJson(value: unknown, space?: number | string): string {
  try {
    const text = space === undefined ? (writePlain(value) ?? stringify(value)) : stringify(value, undefined, space);
    if (text === undefined) throw new TypeError('value has no JSON representation');
    return text;
  } catch (cause) {
    throw new AechannelError('CODEC_INVALID_JSON', 'Value cannot be written as JSON.', {
      cause,
      details: cause instanceof Error ? cause.message : String(cause),
    });
  }
}

/** How {@link writeCompact} writes the leaves and keys of one JSON form. */
interface CompactRules {
  string(value: string): string | undefined;
  number(value: number): string | undefined;
  /** The key's JSON text, `null` to leave the entry out, undefined to give up. */
  key(key: string): string | null | undefined;
}

const COMPACT_MAX_DEPTH = 64;

// The compact form of plain data (objects, arrays, strings, booleans, null, numbers,
// bigints) written in one pass, without a replacer; for anything else (other objects, values
// the rules refuse, cycles, deep nesting) undefined, and the caller goes the general way.
function writeCompact(value: unknown, depth: number, rules: CompactRules): string | undefined {
  switch (typeof value) {
    case 'string':
      return rules.string(value);
    case 'bigint':
      return value.toString();
    case 'number':
      return rules.number(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (depth >= COMPACT_MAX_DEPTH) return undefined;
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i += 1) {
          const item: unknown = value[i];
          const text = item === undefined ? 'null' : writeCompact(item, depth + 1, rules);
          if (text === undefined) return undefined;
          out += i === 0 ? text : `,${text}`;
        }
        return `${out}]`;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) return undefined;
      let out = '{';
      let first = true;
      for (const key of Object.keys(value)) {
        const item = (value as Record<string, unknown>)[key];
        if (item === undefined) continue;
        const keyText = rules.key(key);
        if (keyText === null) continue;
        if (keyText === undefined) return undefined;
        const text = writeCompact(item, depth + 1, rules);
        if (text === undefined) return undefined;
        out += `${first ? '' : ','}${keyText}:${text}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      return undefined;
  }
}

// The JSON text of object keys: the messages and records written every round repeat the
// same few dozen (`jsonrpc`, `method`, `params`, `signed_tx`, the record's fields), so their
// texts are kept (bounded: keys of application data may not repeat).
const KEY_TEXTS_MAX = 4096;
const keyTexts = new Map<string, string>();

function keyText(key: string): string {
  let text = keyTexts.get(key);
  if (text === undefined) {
    text = JSON.stringify(key);
    if (keyTexts.size < KEY_TEXTS_MAX) keyTexts.set(key, text);
  }
  return text;
}

// Plain JSON, as lossless-json writes it (property test in json.test.ts): a non-finite
// number or an own `__proto__` key goes the general way.
const PLAIN_RULES: CompactRules = {
  string: (value) => JSON.stringify(value),
  number: (value) => (Number.isFinite(value) ? String(value) : undefined),
  key: (key) => (key === '__proto__' ? undefined : keyText(key)),
};

const writePlain = (value: unknown): string | undefined => writeCompact(value, 0, PLAIN_RULES);

const NUMBER_TAG = '$number';

function tagNumbers(value: unknown): unknown {
  if (typeof value === 'number') return { [NUMBER_TAG]: String(value) };
  if (Array.isArray(value)) return value.map(tagNumbers);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = tagNumbers(item);
    return out;
  }
  return value;
}

function untagNumbers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(untagNumbers);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    const only = entries[0];
    if (entries.length === 1 && only !== undefined && only[0] === NUMBER_TAG && typeof only[1] === 'string') return Number(only[1]);
    const out: Record<string, unknown> = {};
    for (const [key, item] of entries) out[key] = untagNumbers(item);
    return out;
  }
  return value;
}

/**
 * Writes a value as JSON that keeps `bigint` and `number` apart, for data that must read
 * back exactly as it was (persisted channel state): bigints are integer literals and every
 * `number` is written as `{"$number":"<value>"}`. Properties that are `undefined` are left out.
 * Read it back with {@link parseTypedJson}.
 * @param value - plain data (objects, arrays, strings, booleans, null, bigint, number)
 * @returns JSON text
 * @throws {AechannelError} `CODEC_INVALID_JSON` for values JSON cannot hold
 * @example parseTypedJson(stringifyTypedJson({ round: 2n, at: 1.5 })) // { round: 2n, at: 1.5 }
 */
export function stringifyTypedJson(value: unknown, space?: number | string): string {
  if (space === undefined) {
    // One pass over plain data (a channel's state, persisted every round); anything else
    // goes the general way. Same text (property test in json.test.ts).
    const text = writeCompact(value, 0, TYPED_RULES);
    if (text !== undefined) return text;
  }
  return stringifyJson(tagNumbers(value), space);
}

// Typed JSON (numbers tagged): an own `__proto__` key never reached the text of the
// two-pass form, so it is left out here too.
const TYPED_RULES: CompactRules = {
  string: (value) => JSON.stringify(value),
  number: (value) => `{"${NUMBER_TAG}":"${String(value)}"}`,
  key: (key) => (key === '__proto__' ? null : keyText(key)),
};

/**
 * Reads JSON written by {@link stringifyTypedJson}: integers are `bigint`, tagged numbers
 * are `number` again.
 * @param text - the JSON text
 * @returns the value
 * @throws {AechannelError} `CODEC_INVALID_JSON` when the text is not JSON
 */
export function parseTypedJson(text: string): unknown {
  return untagNumbers(parseJson(text));
}
