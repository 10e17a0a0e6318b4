/**
 * Bigint-safe JSON (PROTOCOL.md §1.3).
 *
 * Amounts are in aettos (1 AE = 10^18) and the node's JSON-RPC ids are 60-bit negative
 * integers, both beyond 2^53, so `JSON.parse` would corrupt them. Here every integer
 * literal parses to a `bigint`, every other number (fraction or exponent) to a `number`,
 * and `bigint` values stringify as plain integer literals.
 */
import { isInteger, parse, stringify } from 'lossless-json';
import { AechannelError } from './errors.js';

/** A JSON value as {@link parseJson} returns it: integers are `bigint`. */
export type JsonValue = null | boolean | bigint | number | string | JsonValue[] | { [key: string]: JsonValue };

const parseNumber = (text: string): bigint | number => (isInteger(text) ? BigInt(text) : Number(text));

/**
 * Parses JSON text; integers become `bigint`.
 * @param text - the JSON text, e.g. a WebSocket message
 * @returns the value, with every integer literal as a `bigint`
 * @throws {AechannelError} `CODEC_INVALID_JSON` when the text is not JSON (or not a string)
 * @example parseJson('{"id":-576460752303422107}') // { id: -576460752303422107n }
 */
export function parseJson(text: string): JsonValue {
  if (typeof text !== 'string') {
    throw new AechannelError('CODEC_INVALID_JSON', `Expected JSON text, got ${text === null ? 'null' : typeof text}.`, { context: { length: 0 } });
  }
  try {
    return parse(text, null, parseNumber) as JsonValue;
  } catch (cause) {
    throw new AechannelError('CODEC_INVALID_JSON', 'Invalid JSON text.', {
      cause,
      details: cause instanceof Error ? cause.message : String(cause),
      context: { length: text.length },
    });
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
    const text = stringify(value, undefined, space);
    if (text === undefined) throw new TypeError('value has no JSON representation');
    return text;
  } catch (cause) {
    throw new AechannelError('CODEC_INVALID_JSON', 'Value cannot be written as JSON.', {
      cause,
      details: cause instanceof Error ? cause.message : String(cause),
    });
  }
}

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
  return stringifyJson(tagNumbers(value), space);
}

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
