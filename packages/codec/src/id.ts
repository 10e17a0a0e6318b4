/**
 * The `id()` type of PROTOCOL.md §1.2: inside serialized objects a reference to an account,
 * name, commitment, oracle, contract or channel is 33 bytes, `uint8(tag) ++ 32-byte value`.
 * In JSON and in decoded objects the same id is the 32-byte value encoded with the prefix
 * chosen by the tag (`ak_`, `nm_`, `cm_`, `ok_`, `ct_`, `ch_`).
 *
 * Converting between the two costs a base58 pass and two SHA-256 runs, and the same few ids
 * (two participants, one channel) appear in every transaction of a channel, so both
 * directions are memoized in small bounded maps. The maps only remember results of pure
 * functions and never change what a call returns.
 */
import { clearDecodedMemo, decode, encode, type Encoded, type Prefix } from './encoding.js';
import { AechannelError } from './errors.js';
import { clearSignedTxMemo } from './signedTxMemo.js';

/** The id tags of §1.2, by API prefix. */
export const idTags = { ak: 1, nm: 2, cm: 3, ok: 4, ct: 5, ch: 6 } as const;

/** A prefix an id can carry: `ak`, `nm`, `cm`, `ok`, `ct` or `ch`. */
export type IdPrefix = keyof typeof idTags;

/** An encoded id, e.g. `ak_...` or `ch_...`. */
export type EncodedId<P extends IdPrefix = IdPrefix> = Encoded<P>;

const prefixByTag: readonly (IdPrefix | undefined)[] = [undefined, 'ak', 'nm', 'cm', 'ok', 'ct', 'ch'];

/** Size in bytes of a serialized id. */
export const ID_SIZE = 33;

/**
 * Returns the id tag of an id prefix (§1.2).
 * @param prefix - `ak`, `nm`, `cm`, `ok`, `ct` or `ch`
 * @returns 1 to 6
 * @throws {AechannelError} `CODEC_INVALID_ID` for a prefix that is not an id prefix
 * @example idTag('ch') // 6
 */
export function idTag(prefix: Prefix): number {
  const tag = (idTags as Record<string, number | undefined>)[prefix];
  if (tag === undefined) {
    throw new AechannelError('CODEC_INVALID_ID', `Prefix ${prefix}_ is not an id prefix.`, { context: { prefix } });
  }
  return tag;
}

/**
 * Returns the API prefix of an id tag (§1.2). Never throws.
 * @param tag - the first byte of a serialized id
 * @returns the prefix, or `undefined` for an unknown tag
 * @example idPrefix(1) // 'ak'
 */
export function idPrefix(tag: number): IdPrefix | undefined {
  return prefixByTag[tag];
}

// Bounded memo maps (cleared when full, so memory stays small whatever the input).
const CACHE_LIMIT = 4096;
const bytesToString = new Map<string, string>();
const stringToBytes = new Map<string, Uint8Array>();
const valueToBytes = new Map<string, Uint8Array>();

function cacheKey(bytes: Uint8Array): string {
  return String.fromCharCode.apply(null, bytes as unknown as number[]);
}

/**
 * Serializes an encoded id to its 33-byte `id()` form (§1.2).
 * @param value - e.g. `ak_...`
 * @param allowed - prefixes accepted (all id prefixes when omitted)
 * @returns `uint8(tag) ++ 32 bytes`; treat the result as read-only (it may be shared)
 * @throws {AechannelError} the codes of {@link decode} (`CODEC_INVALID_PREFIX`, ...), or
 *   `CODEC_INVALID_ID` when the payload is not 32 bytes
 * @example encodeId('ak_11111111111111111111111111111111273Yts') // Uint8Array [1, 0, 0, ...]
 */
export function encodeId(value: EncodedId, allowed?: readonly IdPrefix[]): Uint8Array {
  let bytes = stringToBytes.get(value);
  if (bytes === undefined) {
    const separator = typeof value === 'string' ? value.indexOf('_') : -1;
    const prefix = separator < 0 ? '' : value.slice(0, separator);
    const tag = (idTags as Record<string, number | undefined>)[prefix];
    if (tag === undefined) {
      throw new AechannelError('CODEC_INVALID_PREFIX', `Expected an id (ak_, nm_, cm_, ok_, ct_ or ch_), got ${JSON.stringify(String(value).slice(0, 12))}.`, {
        context: { expected: allowed ?? Object.keys(idTags), got: prefix },
      });
    }
    const payload = decode(value, prefix as IdPrefix);
    if (payload.length !== 32) {
      throw new AechannelError('CODEC_INVALID_ID', `Expected a 32-byte ${prefix}_ id, got ${payload.length} bytes.`, {
        context: { prefix, expected: 32, got: payload.length },
      });
    }
    bytes = new Uint8Array(ID_SIZE);
    bytes[0] = tag;
    bytes.set(payload, 1);
    if (stringToBytes.size >= CACHE_LIMIT) stringToBytes.clear();
    stringToBytes.set(value, bytes);
  }
  if (allowed !== undefined && !allowed.includes(prefixByTag[bytes[0] as number] as IdPrefix)) {
    throw new AechannelError('CODEC_INVALID_PREFIX', `Expected ${allowed.map((p) => `${p}_`).join(' or ')}, got ${value.slice(0, 3)}.`, {
      context: { expected: allowed, got: value.slice(0, 2) },
    });
  }
  return bytes;
}

/**
 * Reads a 33-byte `id()` (§1.2) and encodes it with the prefix of its tag.
 * @param bytes - `uint8(tag) ++ 32 bytes`
 * @param allowed - prefixes accepted (all id prefixes when omitted)
 * @returns e.g. `ak_...`
 * @throws {AechannelError} `CODEC_INVALID_ID` for a wrong length, an unknown tag or a tag not in `allowed`
 * @example decodeId(new Uint8Array([1, ...new Uint8Array(32)])) // 'ak_11111111111111111111111111111111273Yts'
 */
export function decodeId(bytes: Uint8Array, allowed?: readonly IdPrefix[]): EncodedId {
  if (!(bytes instanceof Uint8Array) || bytes.length !== ID_SIZE) {
    const got = bytes instanceof Uint8Array ? bytes.length : typeof bytes;
    throw new AechannelError('CODEC_INVALID_ID', `Expected a ${ID_SIZE}-byte id, got ${bytes instanceof Uint8Array ? `${got} bytes` : got}.`, {
      context: { expected: ID_SIZE, got },
    });
  }
  const prefix = prefixByTag[bytes[0] as number];
  if (prefix === undefined || (allowed !== undefined && !allowed.includes(prefix))) {
    throw new AechannelError('CODEC_INVALID_ID', `Unexpected id tag ${bytes[0]}${allowed ? `, expected ${allowed.map((p) => `${p}_`).join(' or ')}` : ''}.`, {
      context: { expected: allowed ?? Object.keys(idTags), got: bytes[0] },
    });
  }
  const key = cacheKey(bytes);
  let value = bytesToString.get(key);
  if (value === undefined) {
    value = encode(bytes.subarray(1), prefix);
    if (bytesToString.size >= CACHE_LIMIT) bytesToString.clear();
    bytesToString.set(key, value);
  }
  return value as EncodedId;
}

/**
 * Memoized {@link encode} for fixed 32-byte values such as `st_` hashes.
 * @internal
 */
export function encodeCached<P extends Prefix>(bytes: Uint8Array, prefix: P): Encoded<P> {
  const key = prefix + cacheKey(bytes);
  let value = bytesToString.get(key);
  if (value === undefined) {
    value = encode(bytes, prefix);
    if (bytesToString.size >= CACHE_LIMIT) bytesToString.clear();
    bytesToString.set(key, value);
  }
  return value as Encoded<P>;
}

/**
 * Memoized {@link decode} for fixed-size values such as `st_` hashes; the result is shared, read-only.
 * @internal
 */
export function decodeCached(value: string, prefix: Prefix): Uint8Array {
  let bytes = valueToBytes.get(value);
  if (bytes === undefined || !value.startsWith(prefix) || value.charCodeAt(prefix.length) !== 95) {
    bytes = decode(value, prefix);
    if (valueToBytes.size >= CACHE_LIMIT) valueToBytes.clear();
    valueToBytes.set(value, bytes);
  }
  return bytes;
}

/**
 * Empties the memo maps, and those of decoded `tx_` and other variable-size values (for
 * benchmarks that measure the cold path).
 * @internal
 */
export function clearIdCaches(): void {
  bytesToString.clear();
  stringToBytes.clear();
  valueToBytes.clear();
  clearDecodedMemo();
  clearSignedTxMemo();
}
