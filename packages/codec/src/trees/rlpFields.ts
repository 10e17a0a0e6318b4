/**
 * Small strict RLP helpers shared by the tree modules (PROTOCOL.md §2.1, §2.2).
 *
 * The byte-level work is shared with the object layer: `rlp` encodes, `../rlp.ts` decodes
 * strictly, `../fields.ts` reads and writes minimal ints, `../hash.ts` hashes. This file adds
 * what the tree modules want on top: every failure is an {@link AechannelError} naming the
 * field, and object headers (`[tag, version, ...]`) are checked with
 * `CODEC_UNSUPPORTED_OBJECT` naming the tag and version found.
 * Internal to the trees modules; not exported from the package.
 */
import * as RLP from 'rlp';
import { compareBytes } from '../bytes.js';
import { AechannelError } from '../errors.js';
import { bytesToInt as readInt, intToBytes as writeInt } from '../fields.js';
import { hash } from '../hash.js';
import { decodeRlpItem, type RlpItem } from '../rlp.js';

export type { RlpItem };

/** blake2b with a 32-byte digest, unkeyed (§4). */
export const hash32: (bytes: Uint8Array) => Uint8Array = hash;

export { compareBytes };

/** RLP-encodes an item. */
export const encodeRlp = (item: RlpItem): Uint8Array => RLP.encode(item);

/**
 * Decodes RLP bytes strictly (§2.1): no trailing bytes, no empty input, canonical lengths,
 * linear time, bounded nesting.
 * @throws {AechannelError} `CODEC_INVALID_RLP`
 */
export function decodeRlp(bytes: Uint8Array, what: string): RlpItem {
  return decodeRlpItem(bytes, { what });
}

/** Minimal big-endian bytes of a non-negative integer; 0 is the single byte `0x00` (§2.1). */
export function intToBytes(value: bigint, field = 'int'): Uint8Array {
  if (typeof value !== 'bigint' || value < 0n) {
    throw new AechannelError('CODEC_INVALID_FIELD', `Field ${field} must be a non-negative bigint.`, {
      context: { field, got: typeof value === 'bigint' ? value.toString() : typeof value },
    });
  }
  return writeInt(value);
}

/**
 * Reads a minimal big-endian integer field (§2.1): rejects lists, the empty string and
 * multi-byte values with a leading zero.
 * @throws {AechannelError} `CODEC_INVALID_FIELD`
 */
export function bytesToInt(item: RlpItem | undefined, field: string): bigint {
  const bytes = asBytes(item, field);
  try {
    return readInt(bytes);
  } catch (cause) {
    throw new AechannelError('CODEC_INVALID_FIELD', `Field ${field} is not a minimal integer.`, {
      cause,
      context: { field, got: toHex(bytes) },
    });
  }
}

/** Asserts a byte-string item. @throws {AechannelError} `CODEC_INVALID_FIELD` */
export function asBytes(item: RlpItem | undefined, field: string): Uint8Array {
  if (!(item instanceof Uint8Array)) {
    throw new AechannelError('CODEC_INVALID_FIELD', `Field ${field} must be a byte string.`, {
      context: { field, got: item === undefined ? 'missing' : 'list' },
    });
  }
  return item;
}

/** Asserts a list item. @throws {AechannelError} `CODEC_INVALID_FIELD` */
export function asList(item: RlpItem | undefined, field: string): RlpItem[] {
  if (!Array.isArray(item)) {
    throw new AechannelError('CODEC_INVALID_FIELD', `Field ${field} must be a list.`, {
      context: { field, got: item === undefined ? 'missing' : 'byte string' },
    });
  }
  return item;
}

/**
 * Decodes `S(obj) = rlp([tag, version, ...fields])` (§2.2), checking tag, version and the
 * number of fields.
 * @param expected - allowed versions and their field counts (fields after tag and version)
 * @throws {AechannelError} `CODEC_INVALID_RLP`, `CODEC_INVALID_FIELD`, `CODEC_UNSUPPORTED_OBJECT`
 */
export function decodeObject(
  bytes: Uint8Array,
  tag: number,
  expected: Readonly<Record<number, number>>,
  what: string,
): { version: number; fields: RlpItem[] } {
  const list = asList(decodeRlp(bytes, what), what);
  const gotTag = list.length > 0 ? smallInt(list[0]) : undefined;
  const gotVersion = list.length > 1 ? smallInt(list[1]) : undefined;
  const fieldCount = gotVersion === undefined ? undefined : expected[gotVersion];
  if (gotTag !== tag || fieldCount === undefined) {
    throw new AechannelError('CODEC_UNSUPPORTED_OBJECT', `Unsupported object in ${what}: expected tag ${tag}.`, {
      context: { tag: gotTag ?? null, version: gotVersion ?? null, expectedTag: tag, expectedVersions: Object.keys(expected).map(Number) },
    });
  }
  if (list.length !== fieldCount + 2) {
    throw new AechannelError('CODEC_INVALID_FIELD', `${what} (tag ${tag} v${gotVersion}) has ${list.length - 2} fields, expected ${fieldCount}.`, {
      context: { field: what, tag, version: gotVersion, expected: fieldCount, got: list.length - 2 },
    });
  }
  return { version: gotVersion as number, fields: list.slice(2) };
}

/** Encodes `S(obj)` with small integer tag and version. */
export const encodeObject = (tag: number, version: number, fields: RlpItem[]): Uint8Array =>
  encodeRlp([intToBytes(BigInt(tag)), intToBytes(BigInt(version)), ...fields]);

/** A tag or version as a number, or undefined when not a minimal integer below 2^32. */
function smallInt(item: RlpItem | undefined): number | undefined {
  if (!(item instanceof Uint8Array) || item.length === 0 || item.length > 4) return undefined;
  if (item.length > 1 && item[0] === 0) return undefined;
  let value = 0;
  for (const b of item) value = value * 256 + b;
  return value;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lower-case hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += HEX[b];
  return out;
}

/** Bytewise equality. */
export const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => compareBytes(a, b) === 0;

/** Concatenates byte arrays. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
