/**
 * Field codecs of the object templates, PROTOCOL.md §2.1.
 *
 * A field codec turns one decoded RLP item into a TypeScript value and back. The schema
 * table (`schema.ts`) is a list of these per tag and version, so packing and unpacking read
 * the same description. Decoding is strict: ints are minimal (0 is the single byte 0x00, a
 * multi-byte int never starts with 0x00), bools are exactly 0x00 or 0x01, ids are 33 bytes
 * with a known tag of the kinds the field allows, fixed-size binaries have their size.
 * A codec reports a problem by throwing {@link FieldError}; the object layer adds the tag,
 * version and field name and turns it into an `AechannelError`.
 */
import { utf8ToBytes } from '@noble/hashes/utils.js';
import type { Encoded, Prefix } from './encoding.js';
import { isAechannelError } from './errors.js';
import { decodeCached, decodeId, encodeCached, encodeId, type IdPrefix } from './id.js';

import type { RlpItem } from './rlp.js';

/** A decoded RLP item: a byte string or a list of items. */
export type { RlpItem };

/** What `RLP.encode` accepts from our codecs. */
export type RlpInput = Uint8Array | RlpInput[];

/** Thrown by field codecs; the object layer wraps it with the tag, version and field. */
export class FieldError extends Error {
  override name = 'FieldError';
  constructor(
    message: string,
    readonly got?: unknown,
  ) {
    super(message);
  }
}

/** What a field holds, as data (for introspection, docs and test generators). */
export type FieldShape =
  | { readonly type: 'int' }
  | { readonly type: 'bool' }
  | { readonly type: 'binary'; readonly size?: number }
  | { readonly type: 'encoded'; readonly prefix: Prefix; readonly size: number }
  | { readonly type: 'id'; readonly prefixes: readonly IdPrefix[] }
  | { readonly type: 'text' }
  | { readonly type: 'list'; readonly of: Field<unknown> }
  | { readonly type: 'record'; readonly entries: readonly (readonly [string, Field<unknown>])[] }
  | { readonly type: 'object' };

/** Codec of one field of type `T`. */
export interface Field<T> {
  /** Short type name used in error messages, e.g. `int`, `id(ak)`, `[binary]`. */
  readonly kind: string;
  /** The field's type as data. */
  readonly shape: FieldShape;
  decode(item: RlpItem, depth: number): T;
  encode(value: T): RlpInput;
}

function bytesOf(item: RlpItem, kind: string): Uint8Array {
  if (!(item instanceof Uint8Array)) throw new FieldError(`expected ${kind} (a byte string), got a list`);
  return item;
}

const SMALL_INTS: readonly Uint8Array[] = Array.from({ length: 256 }, (_, i) => Uint8Array.of(i));
const TWO_48 = 2n ** 48n;

/**
 * Minimal big-endian bytes of a non-negative integer; 0 is the single byte 0x00 (§2.1).
 * The result may be shared: treat it as read-only.
 */
export function intToBytes(value: bigint): Uint8Array {
  if (typeof value !== 'bigint') throw new FieldError(`expected a bigint, got ${typeof value}`, typeof value);
  if (value < 0n) throw new FieldError(`expected a non-negative integer, got ${value}`, value);
  if (value < 256n) return SMALL_INTS[Number(value)] as Uint8Array;
  if (value < TWO_48) {
    let n = Number(value);
    let length = 0;
    for (let m = n; m > 0; m = Math.floor(m / 256)) length += 1;
    const out = new Uint8Array(length);
    for (let i = length - 1; i >= 0; i -= 1) {
      out[i] = n % 256;
      n = Math.floor(n / 256);
    }
    return out;
  }
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * Reads a minimal big-endian integer (§2.1).
 * @throws {FieldError} for an empty string or a leading 0x00 in a multi-byte int
 */
export function bytesToInt(bytes: Uint8Array): bigint {
  const length = bytes.length;
  if (length === 0) throw new FieldError('expected an int, got an empty byte string (0 is the byte 0x00)');
  if (length > 1 && bytes[0] === 0) throw new FieldError('non-minimal int: leading 0x00');
  if (length <= 6) {
    let n = 0;
    for (let i = 0; i < length; i += 1) n = n * 256 + (bytes[i] as number);
    return BigInt(n);
  }
  let hex = '0x';
  for (let i = 0; i < length; i += 1) hex += HEX[bytes[i] as number];
  return BigInt(hex);
}

/** `int` (§2.1): unsigned, minimal big-endian. */
export const int: Field<bigint> = {
  kind: 'int',
  shape: { type: 'int' },
  decode: (item) => bytesToInt(bytesOf(item, 'int')),
  encode: intToBytes,
};

/** `bool` (§2.1): the byte 0x01 or 0x00. */
export const bool: Field<boolean> = {
  kind: 'bool',
  shape: { type: 'bool' },
  decode(item) {
    const bytes = bytesOf(item, 'bool');
    if (bytes.length !== 1 || (bytes[0] !== 0 && bytes[0] !== 1)) throw new FieldError('expected a bool (0x00 or 0x01)');
    return bytes[0] === 1;
  },
  encode(value) {
    if (typeof value !== 'boolean') throw new FieldError(`expected a boolean, got ${typeof value}`);
    return SMALL_INTS[value ? 1 : 0] as Uint8Array;
  },
};

/**
 * `binary` (§2.1), optionally of a fixed size.
 * @param size - required length in bytes, if any
 */
export function binary(size?: number): Field<Uint8Array> {
  const kind = size === undefined ? 'binary' : `binary(${size})`;
  return {
    kind,
    shape: size === undefined ? { type: 'binary' } : { type: 'binary', size },
    decode(item) {
      const bytes = bytesOf(item, kind);
      if (size !== undefined && bytes.length !== size) throw new FieldError(`expected ${size} bytes, got ${bytes.length}`, bytes.length);
      return bytes;
    },
    encode(value) {
      if (!(value instanceof Uint8Array)) throw new FieldError(`expected a Uint8Array, got ${typeof value}`);
      if (size !== undefined && value.length !== size) throw new FieldError(`expected ${size} bytes, got ${value.length}`, value.length);
      return value;
    },
  };
}

/**
 * A fixed-size binary written as an encoded string with `prefix` (e.g. `st_` state hashes).
 * @param prefix - the API prefix
 * @param size - the byte length
 */
export function encodedBinary<P extends Prefix>(prefix: P, size: number): Field<Encoded<P>> {
  const kind = `${prefix}(${size})`;
  return {
    kind,
    shape: { type: 'encoded', prefix, size },
    decode(item) {
      const bytes = bytesOf(item, kind);
      if (bytes.length !== size) throw new FieldError(`expected ${size} bytes, got ${bytes.length}`, bytes.length);
      return encodeCached(bytes, prefix);
    },
    encode(value) {
      try {
        return decodeCached(value, prefix);
      } catch (cause) {
        throw new FieldError(isAechannelError(cause) ? cause.shortMessage : String(cause));
      }
    },
  };
}

/**
 * `id` (§1.2) restricted to the given kinds.
 * @param allowed - accepted id prefixes
 */
export function id<P extends IdPrefix>(...allowed: P[]): Field<Encoded<P>> {
  const kind = `id(${allowed.join('|')})`;
  return {
    kind,
    shape: { type: 'id', prefixes: allowed },
    decode(item) {
      try {
        return decodeId(bytesOf(item, kind), allowed) as Encoded<P>;
      } catch (cause) {
        if (cause instanceof FieldError) throw cause;
        throw new FieldError(isAechannelError(cause) ? cause.shortMessage : String(cause));
      }
    },
    encode(value) {
      try {
        return encodeId(value, allowed);
      } catch (cause) {
        throw new FieldError(isAechannelError(cause) ? cause.shortMessage : String(cause));
      }
    },
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A `binary` holding UTF-8 text (e.g. the `role` of a client reconnect tx). */
export const text: Field<string> = {
  kind: 'string',
  shape: { type: 'text' },
  decode(item) {
    try {
      return utf8.decode(bytesOf(item, 'string'));
    } catch (cause) {
      if (cause instanceof FieldError) throw cause;
      throw new FieldError('expected UTF-8 text');
    }
  },
  encode(value) {
    if (typeof value !== 'string') throw new FieldError(`expected a string, got ${typeof value}`);
    return utf8ToBytes(value);
  },
};

/** `[T]` (§2.1): an RLP list of `T`. */
export function list<T>(of: Field<T>): Field<T[]> {
  const kind = `[${of.kind}]`;
  return {
    kind,
    shape: { type: 'list', of: of as Field<unknown> },
    decode(item, depth) {
      if (!Array.isArray(item)) throw new FieldError(`expected ${kind} (a list), got a byte string`);
      const out = new Array<T>(item.length);
      for (let i = 0; i < item.length; i += 1) out[i] = of.decode(item[i] as RlpItem, depth);
      return out;
    },
    encode(value) {
      if (!Array.isArray(value)) throw new FieldError(`expected an array, got ${typeof value}`);
      const out = new Array<RlpInput>(value.length);
      for (let i = 0; i < value.length; i += 1) out[i] = of.encode(value[i] as T);
      return out;
    },
  };
}

/** A fixed RLP list of named fields, e.g. a contract call log entry `[address, [topic], data]`. */
export function record<T extends object>(fields: { [K in keyof T]-?: Field<T[K]> }): Field<T> {
  const entries = Object.entries(fields) as [string, Field<unknown>][];
  const kind = `[${entries.map(([, f]) => f.kind).join(', ')}]`;
  return {
    kind,
    shape: { type: 'record', entries },
    decode(item, depth) {
      if (!Array.isArray(item) || item.length !== entries.length) throw new FieldError(`expected ${kind}`);
      const out: Record<string, unknown> = {};
      for (let i = 0; i < entries.length; i += 1) {
        const [name, field] = entries[i] as [string, Field<unknown>];
        out[name] = field.decode(item[i] as RlpItem, depth);
      }
      return out as T;
    },
    encode(value) {
      if (typeof value !== 'object' || value === null) throw new FieldError(`expected an object, got ${typeof value}`);
      return entries.map(([name, field]) => field.encode((value as Record<string, unknown>)[name]));
    },
  };
}
