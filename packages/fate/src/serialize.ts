/**
 * FATE value and type serialization, both ways (aebytecode `aeb_fate_encoding`,
 * CONTRACTS.md §4.6 and the vectors of §8.1). Decoding is strict like the node's: no
 * trailing bytes, minimal RLP integers, strictly ascending map keys, no map inside a map
 * key, consistent variants, no `-0`, no empty-map tag `df`. Every failure is a
 * {@link FateError} `FATE_INVALID_VALUE` naming the offset.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { FateError } from './errors.js';
import { compareValues } from './order.js';
import type { FateType } from './types.js';
import {
  cons,
  containsNested,
  EMPTY_MAP,
  fBits,
  fObject,
  fTuple,
  fTypeRep,
  fVariant,
  NIL,
  TOMBSTONE,
  type FateList,
  type FateMap,
  type FateValue,
  type ObjectKind,
} from './values.js';

/** Appends bytes; grows as needed. */
export class ByteWriter {
  private buf = new Uint8Array(64);
  private len = 0;
  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Minimal big-endian bytes of n ≥ 0 (`0` → `00`). */
export function unsignedBytes(n: bigint): Uint8Array {
  if (n === 0n) return Uint8Array.of(0);
  let hex = n.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Big-endian bytes to an unsigned integer. */
export function bytesToUnsigned(b: Uint8Array): bigint {
  if (b.length === 0) return 0n;
  return BigInt(`0x${bytesToHex(b)}`);
}

/** RLP encoding of a byte string. */
export function rlpBytes(w: ByteWriter, b: Uint8Array): void {
  if (b.length === 1 && b[0]! < 0x80) {
    w.byte(b[0]!);
  } else if (b.length < 56) {
    w.byte(0x80 + b.length);
    w.bytes(b);
  } else {
    const l = unsignedBytes(BigInt(b.length));
    w.byte(0xb7 + l.length);
    w.bytes(l);
    w.bytes(b);
  }
}

/** `rlp_int(n)`: RLP of the minimal big-endian bytes of n ≥ 0. */
function rlpInt(w: ByteWriter, n: bigint): void {
  rlpBytes(w, unsignedBytes(n));
}

const OBJECT_TYPES: readonly ObjectKind[] = ['address', 'contract', 'oracle', 'oracle_query', 'channel'];
const OBJECT_CODE: Record<ObjectKind, number> = { address: 0, contract: 2, oracle: 3, oracle_query: 4, channel: 5 };

/** Map entries sorted by FATE key order. */
export function sortedEntries(m: FateMap): (readonly [FateValue, FateValue])[] {
  // The hex of a key's serialization does not sort like the FATE order, so sort by value.
  const entries = [...m.entries.values()];
  if (entries.length > 1) entries.sort((a, b) => compareValues(a[0], b[0]));
  return entries;
}


/** Writes the serialization of a value. */
export function writeValue(w: ByteWriter, v: FateValue): void {
  if (typeof v === 'bigint') {
    writeInt(w, v);
    return;
  }
  if (typeof v === 'boolean') {
    w.byte(v ? 0xff : 0x7f);
    return;
  }
  switch (v.kind) {
    case 'string':
      writeString(w, v.bytes);
      return;
    case 'bytes':
      w.byte(0x9f);
      w.byte(0x01);
      writeString(w, v.bytes);
      return;
    case 'contract_bytearray':
      w.byte(0x8f);
      writeInt(w, BigInt(v.bytes.length));
      w.bytes(v.bytes);
      return;
    case 'bits':
      if (v.n >= 0n) {
        w.byte(0x4f);
        rlpInt(w, v.n);
      } else {
        w.byte(0xcf);
        rlpInt(w, -v.n);
      }
      return;
    case 'address':
    case 'contract':
    case 'oracle':
    case 'oracle_query':
    case 'channel':
      w.byte(0x9f);
      w.byte(OBJECT_CODE[v.kind]);
      rlpBytes(w, v.bytes);
      return;
    case 'tuple': {
      const n = v.elements.length;
      if (n === 0) w.byte(0x3f);
      else if (n < 16) w.byte((n << 4) | 0x0b);
      else {
        w.byte(0x0b);
        rlpInt(w, BigInt(n - 16));
      }
      for (const e of v.elements) writeValue(w, e);
      return;
    }
    case 'list': {
      const n = v.length;
      if (n < 16) w.byte((n << 4) | 0x03);
      else {
        w.byte(0x1f);
        rlpInt(w, BigInt(n - 16));
      }
      for (let c: FateList = v; c.length > 0; c = c.tail!) writeValue(w, c.head!);
      return;
    }
    case 'map': {
      w.byte(0x2f);
      rlpInt(w, BigInt(v.entries.size));
      for (const [k, x] of sortedEntries(v)) {
        writeValue(w, k);
        writeValue(w, x);
      }
      return;
    }
    case 'store_map':
      if (v.cache.size !== 0) throw new FateError('FATE_INTERNAL', 'A store map with pending changes cannot be serialized.', { context: { reason: 'store_map_cache' } });
      w.byte(0xbf);
      rlpInt(w, BigInt(v.id));
      return;
    case 'variant':
      w.byte(0xaf);
      rlpBytes(w, Uint8Array.from(v.arities));
      w.byte(v.tag);
      writeValue(w, fTuple(v.values));
      return;
    case 'typerep':
      writeType(w, v.type);
      return;
  }
}

function writeInt(w: ByteWriter, n: bigint): void {
  if (n >= 0n && n < 64n) w.byte(Number(n) << 1);
  else if (n < 0n && n > -64n) w.byte(0x80 | (Number(-n) << 1));
  else if (n >= 64n) {
    w.byte(0x6f);
    rlpInt(w, n - 64n);
  } else {
    w.byte(0xef);
    rlpInt(w, -n - 64n);
  }
}

function writeString(w: ByteWriter, b: Uint8Array): void {
  const n = b.length;
  if (n === 0) w.byte(0x5f);
  else if (n < 64) w.byte((n << 2) | 0x01);
  else {
    w.byte(0x01);
    writeInt(w, BigInt(n - 64));
  }
  w.bytes(b);
}

/** Writes a type (typerep / signature encoding). */
export function writeType(w: ByteWriter, t: FateType): void {
  switch (t.t) {
    case 'integer':
      w.byte(0x07);
      return;
    case 'boolean':
      w.byte(0x17);
      return;
    case 'list':
      w.byte(0x27);
      writeType(w, t.elem);
      return;
    case 'tuple':
      w.byte(0x37);
      w.byte(t.elems.length);
      for (const e of t.elems) writeType(w, e);
      return;
    case 'object':
      w.byte(0x47);
      w.byte(OBJECT_CODE[t.kind]);
      return;
    case 'bits':
      w.byte(0x57);
      return;
    case 'map':
      w.byte(0x67);
      writeType(w, t.key);
      writeType(w, t.value);
      return;
    case 'string':
      w.byte(0x77);
      return;
    case 'variant':
      w.byte(0x87);
      w.byte(t.constructors.length);
      for (const c of t.constructors) writeType(w, { t: 'tuple', elems: c });
      return;
    case 'bytes':
      w.byte(0x97);
      writeInt(w, BigInt(t.size));
      return;
    case 'contract_bytearray':
      w.byte(0xa7);
      return;
    case 'tvar':
      w.byte(0xe7);
      w.byte(t.n);
      return;
    case 'any':
      w.byte(0xf7);
      return;
  }
}

/**
 * Serializes a FATE value (§4.6).
 * @param v - the value (store maps only with an empty cache)
 * @returns its bytes
 * @example serializeValue(42n) // Uint8Array [0x6f, ...] (here: 0x54)
 */
export function serializeValue(v: FateValue): Uint8Array {
  const w = new ByteWriter();
  writeValue(w, v);
  return w.result();
}

/** Serializes a type. */
export function serializeType(t: FateType): Uint8Array {
  const w = new ByteWriter();
  writeType(w, t);
  return w.result();
}

/** The map key of a value: hex of its serialization. */
export function keyOf(v: FateValue): string {
  if (typeof v === 'bigint' && v >= 0n && v < 64n) return (Number(v) << 1).toString(16).padStart(2, '0');
  return bytesToHex(serializeValue(v));
}

/** Reads FATE values from bytes with offsets, strictly. */
export class ByteReader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}
  fail(reason: string): never {
    throw new FateError('FATE_INVALID_VALUE', `Invalid FATE data: ${reason}.`, { context: { reason, offset: this.pos } });
  }
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  byte(): number {
    if (this.pos >= this.buf.length) this.fail('unexpected end');
    return this.buf[this.pos++]!;
  }
  take(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.buf.length) this.fail('unexpected end');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  /** One RLP byte string, canonical. */
  rlpBytes(): Uint8Array {
    const p = this.byte();
    if (p < 0x80) return Uint8Array.of(p);
    if (p < 0xb8) {
      const n = p - 0x80;
      const out = this.take(n);
      if (n === 1 && out[0]! < 0x80) this.fail('non-canonical RLP');
      return out;
    }
    if (p < 0xc0) {
      const ll = p - 0xb7;
      const lb = this.take(ll);
      if (lb[0] === 0) this.fail('non-canonical RLP length');
      const n = Number(bytesToUnsigned(lb));
      if (n < 56) this.fail('non-canonical RLP length');
      return this.take(n);
    }
    return this.fail('expected an RLP byte string');
  }
  /** `rlp_int`: minimal unsigned integer. */
  rlpInt(): bigint {
    const b = this.rlpBytes();
    if (b.length > 1 && b[0] === 0) this.fail('non-minimal integer');
    if (b.length === 0) this.fail('empty integer');
    return bytesToUnsigned(b);
  }
}

const MAX_DEPTH = 256;

function smallCount(r: ByteReader, n: bigint): number {
  if (n > 0x7fffffffn) r.fail('size too large');
  const c = Number(n);
  if (c > r.buf.length - r.pos) r.fail('size exceeds the data');
  return c;
}

/** Reads one FATE integer. */
export function readInt(r: ByteReader): bigint {
  const v = readValue(r, 0);
  if (typeof v !== 'bigint') r.fail('expected an integer');
  return v;
}

/** Reads one value. */
export function readValue(r: ByteReader, depth: number): FateValue {
  if (depth > MAX_DEPTH) r.fail('nesting too deep');
  const b = r.byte();
  if ((b & 1) === 0) {
    const n = BigInt((b >> 1) & 0x3f);
    if (b & 0x80) {
      if (n === 0n) r.fail('negative zero');
      return -n;
    }
    return n;
  }
  switch (b) {
    case 0x6f:
      return r.rlpInt() + 64n;
    case 0xef:
      return -(r.rlpInt() + 64n);
    case 0xff:
      return true;
    case 0x7f:
      return false;
    case 0x3f:
      return fTuple([]);
    case 0x5f:
      return { kind: 'string', bytes: new Uint8Array(0) };
    case 0x01: {
      const n = readInt(r);
      if (n < 0n) r.fail('negative string length');
      return { kind: 'string', bytes: r.take(smallCount(r, n + 64n)).slice() };
    }
    case 0x4f:
      return fBits(r.rlpInt());
    case 0xcf: {
      const n = r.rlpInt();
      if (n === 0n) r.fail('negative bits must be non-zero');
      return fBits(-n);
    }
    case 0x0b: {
      const n = smallCount(r, r.rlpInt() + 16n);
      const es: FateValue[] = [];
      for (let i = 0; i < n; i += 1) es.push(readValue(r, depth + 1));
      return fTuple(es);
    }
    case 0x1f: {
      const n = smallCount(r, r.rlpInt() + 16n);
      return readListItems(r, n, depth);
    }
    case 0x2f: {
      const n = smallCount(r, r.rlpInt());
      return readMap(r, n, depth);
    }
    case 0xbf: {
      const id = r.rlpInt();
      if (id > 0xffffffffn) r.fail('store map id too large');
      return { kind: 'store_map', id: Number(id), cache: new Map() };
    }
    case 0x9f: {
      const t = r.byte();
      if (t === 0x01) {
        const s = readValue(r, depth + 1);
        if (typeof s !== 'object' || s.kind !== 'string') r.fail('bytes must wrap a string');
        return { kind: 'bytes', bytes: s.bytes };
      }
      const kind = [OBJECT_TYPES[0], undefined, ...OBJECT_TYPES.slice(1)][t];
      if (kind === undefined) r.fail('unknown object type');
      const bytes = r.rlpBytes();
      if (bytes.length !== 32) r.fail('an address-like value must be 32 bytes');
      return fObject(kind, bytes.slice());
    }
    case 0xaf: {
      const ar = r.rlpBytes();
      const arities = Array.from(ar);
      const tag = r.byte();
      if (tag >= arities.length) r.fail('variant tag out of range');
      const t = readValue(r, depth + 1);
      if (typeof t !== 'object' || t.kind !== 'tuple') r.fail('variant fields must be a tuple');
      if (t.elements.length !== arities[tag]) r.fail('variant field count does not match its arity');
      return fVariant(arities, tag, t.elements);
    }
    case 0x8f: {
      const n = readInt(r);
      if (n < 0n) r.fail('negative length');
      return { kind: 'contract_bytearray', bytes: r.take(smallCount(r, n)).slice() };
    }
    case 0xdf:
      return r.fail('the empty-map tag is not used');
    default:
      break;
  }
  if ((b & 0x03) === 0x01) return { kind: 'string', bytes: r.take(b >> 2).slice() };
  if ((b & 0x0f) === 0x03) return readListItems(r, b >> 4, depth);
  if ((b & 0x0f) === 0x0b) {
    const n = b >> 4;
    const es: FateValue[] = [];
    for (let i = 0; i < n; i += 1) es.push(readValue(r, depth + 1));
    return fTuple(es);
  }
  if ((b & 0x0f) === 0x07) {
    r.pos -= 1;
    return fTypeRep(readType(r, depth));
  }
  return r.fail(`unknown tag 0x${b.toString(16)}`);
}

function readListItems(r: ByteReader, n: number, depth: number): FateList {
  const items: FateValue[] = [];
  for (let i = 0; i < n; i += 1) items.push(readValue(r, depth + 1));
  let l = NIL;
  for (let i = items.length - 1; i >= 0; i -= 1) l = cons(items[i]!, l);
  return l;
}

function containsMap(v: FateValue): boolean {
  return containsNested(v, (x) => x.kind === 'map' || x.kind === 'store_map', 'skip');
}

function readMap(r: ByteReader, n: number, depth: number): FateMap {
  if (n === 0) return EMPTY_MAP;
  const entries = new Map<string, readonly [FateValue, FateValue]>();
  let prev: FateValue | undefined;
  for (let i = 0; i < n; i += 1) {
    const start = r.pos;
    const k = readValue(r, depth + 1);
    const kb = r.buf.subarray(start, r.pos);
    if (containsMap(k)) r.fail('a map key may not contain a map');
    if (prev !== undefined && compareValues(prev, k) >= 0) r.fail('map keys must be strictly ascending');
    prev = k;
    const v = readValue(r, depth + 1);
    entries.set(bytesToHex(kb), [k, v]);
  }
  return { kind: 'map', entries };
}

/** Reads one type. */
export function readType(r: ByteReader, depth = 0): FateType {
  if (depth > MAX_DEPTH) r.fail('nesting too deep');
  const b = r.byte();
  switch (b) {
    case 0x07:
      return { t: 'integer' };
    case 0x17:
      return { t: 'boolean' };
    case 0x27:
      return { t: 'list', elem: readType(r, depth + 1) };
    case 0x37: {
      const n = r.byte();
      const elems: FateType[] = [];
      for (let i = 0; i < n; i += 1) elems.push(readType(r, depth + 1));
      return { t: 'tuple', elems };
    }
    case 0x47: {
      const o = r.byte();
      const kind = [OBJECT_TYPES[0], undefined, ...OBJECT_TYPES.slice(1)][o];
      if (kind === undefined) r.fail('unknown object type');
      return { t: 'object', kind };
    }
    case 0x57:
      return { t: 'bits' };
    case 0x67:
      return { t: 'map', key: readType(r, depth + 1), value: readType(r, depth + 1) };
    case 0x77:
      return { t: 'string' };
    case 0x87: {
      const n = r.byte();
      const constructors: FateType[][] = [];
      for (let i = 0; i < n; i += 1) {
        const c = readType(r, depth + 1);
        if (c.t !== 'tuple') r.fail('a variant constructor must be a tuple type');
        constructors.push([...c.elems]);
      }
      return { t: 'variant', constructors };
    }
    case 0x97: {
      const n = readInt(r);
      if (n < -1n || n > 0x7fffffffn) r.fail('bad bytes size');
      return { t: 'bytes', size: Number(n) };
    }
    case 0xa7:
      return { t: 'contract_bytearray' };
    case 0xe7:
      return { t: 'tvar', n: r.byte() };
    case 0xf7:
      return { t: 'any' };
    default:
      return r.fail(`unknown type tag 0x${b.toString(16)}`);
  }
}

/**
 * Deserializes one FATE value strictly (no trailing bytes).
 * @param bytes - the serialization
 * @returns the value
 * @throws {FateError} `FATE_INVALID_VALUE` (context: `reason`, `offset`)
 * @example deserializeValue(Uint8Array.of(0x54)) // 42n
 */
export function deserializeValue(bytes: Uint8Array): FateValue {
  const r = new ByteReader(bytes);
  const v = readValue(r, 0);
  if (!r.done) r.fail('trailing bytes');
  return v;
}

/** The tombstone marker re-exported for store code. */
export { TOMBSTONE };
