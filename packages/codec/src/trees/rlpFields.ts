/**
 * Small strict RLP helpers shared by the tree modules (PROTOCOL.md §2.1, §2.2).
 *
 * `rlp` does the byte-level work; this file adds what æternity needs on top: every
 * failure becomes a typed {@link AechannelError}, integers are minimal big-endian with
 * 0 written as the single byte `0x00`, and object headers (`[tag, version, ...]`) are
 * checked with `CODEC_UNSUPPORTED_OBJECT` naming the tag and version found.
 * Internal to the trees modules; not exported from the package.
 */
import { blake2b } from '@noble/hashes/blake2.js';
import * as RLP from 'rlp';
import { AechannelError } from '../errors.js';
import { decodeRlpItem, type RlpItem } from '../rlp.js';

export type { RlpItem };

/** blake2b with a 32-byte digest, unkeyed (§4). */
export const hash32 = (bytes: Uint8Array): Uint8Array => blake2b(bytes, { dkLen: 32 });

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
  if (value === 0n) return Uint8Array.of(0);
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * Reads a minimal big-endian integer field (§2.1): rejects lists, the empty string and
 * multi-byte values with a leading zero.
 * @throws {AechannelError} `CODEC_INVALID_FIELD`
 */
export function bytesToInt(item: RlpItem | undefined, field: string): bigint {
  const bytes = asBytes(item, field);
  if (bytes.length === 0 || (bytes.length > 1 && bytes[0] === 0)) {
    throw new AechannelError('CODEC_INVALID_FIELD', `Field ${field} is not a minimal integer.`, {
      context: { field, got: toHex(bytes) },
    });
  }
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return value;
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

/** Bytewise comparison: negative, zero or positive. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
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
