/**
 * FATE values (CONTRACTS.md §4.6) as plain immutable JavaScript data.
 *
 * | FATE kind | representation |
 * | --- | --- |
 * | integer | `bigint` |
 * | boolean | `boolean` |
 * | string, bytes, contract_bytearray | `{ kind, bytes }` (strings are byte strings) |
 * | bits | `{ kind: 'bits', n }` (negative = infinitely many ones) |
 * | address, contract, oracle, oracle_query, channel | `{ kind, bytes }` (32 bytes) |
 * | tuple | `{ kind: 'tuple', elements }` |
 * | list | a cons cell `{ kind: 'list', length, head, tail }` ending in {@link NIL}, so CONS/HD/TL are O(1) |
 * | map | `{ kind: 'map', entries }`: a `Map` from the hex serialization of the key to `[key, value]` |
 * | store map | `{ kind: 'store_map', id, cache }`: a reference to a map kept in the contract store (§4.8) |
 * | variant | `{ kind: 'variant', arities, tag, values }` |
 * | typerep | `{ kind: 'typerep', type }` |
 *
 * Values are never mutated after construction; every operation builds a new value and
 * shares the parts it does not change.
 */
import type { FateType } from './types.js';

/** The five 32-byte pointer kinds. */
export type ObjectKind = 'address' | 'contract' | 'oracle' | 'oracle_query' | 'channel';

/** A byte string: string, bytes or contract bytearray. */
export interface FateBytesLike<K extends 'string' | 'bytes' | 'contract_bytearray'> {
  readonly kind: K;
  readonly bytes: Uint8Array;
}
/** A FATE string (bytes, UTF-8 from FATE_02). */
export type FateString = FateBytesLike<'string'>;
/** A FATE byte array (`bytes(n)`). */
export type FateBytes = FateBytesLike<'bytes'>;
/** Serialized contract code (FATE_02+). */
export type FateContractBytearray = FateBytesLike<'contract_bytearray'>;
/** A bit set. */
export interface FateBits {
  readonly kind: 'bits';
  readonly n: bigint;
}
/** An address-like 32-byte value. */
export interface FateObject {
  readonly kind: ObjectKind;
  readonly bytes: Uint8Array;
}
/** A tuple (unit = empty tuple; records are tuples). */
export interface FateTuple {
  readonly kind: 'tuple';
  readonly elements: readonly FateValue[];
}
/** A list: a cons cell or {@link NIL}. */
export interface FateList {
  readonly kind: 'list';
  readonly length: number;
  readonly head: FateValue | undefined;
  readonly tail: FateList | undefined;
}
/** A plain map. Keys: hex of the key's serialization. */
export interface FateMap {
  readonly kind: 'map';
  readonly entries: ReadonlyMap<string, readonly [FateValue, FateValue]>;
}
/** Marker of a deleted key in a store map's cache. */
export const TOMBSTONE: unique symbol = Symbol('tombstone');
/** A map kept in the contract store, with the local changes not yet written back. */
export interface FateStoreMap {
  readonly kind: 'store_map';
  readonly id: number;
  readonly cache: ReadonlyMap<string, readonly [FateValue, FateValue | typeof TOMBSTONE]>;
}
/** A variant value: constructor arities, tag, fields. */
export interface FateVariant {
  readonly kind: 'variant';
  readonly arities: readonly number[];
  readonly tag: number;
  readonly values: readonly FateValue[];
}
/** A type as a value. */
export interface FateTypeRep {
  readonly kind: 'typerep';
  readonly type: FateType;
}

/** Any FATE value. */
export type FateValue =
  | bigint
  | boolean
  | FateString
  | FateBytes
  | FateContractBytearray
  | FateBits
  | FateObject
  | FateTuple
  | FateList
  | FateMap
  | FateStoreMap
  | FateVariant
  | FateTypeRep;

/** The kind name of a value (`integer`, `boolean`, or the `kind` field). */
export type ValueKind = 'integer' | 'boolean' | Exclude<FateValue, bigint | boolean>['kind'];

/** The kind of a value. */
export function kindOf(v: FateValue): ValueKind {
  if (typeof v === 'bigint') return 'integer';
  if (typeof v === 'boolean') return 'boolean';
  return v.kind;
}

/** The empty list. */
export const NIL: FateList = Object.freeze({ kind: 'list', length: 0, head: undefined, tail: undefined });
/** The unit value `{}`. */
export const UNIT: FateTuple = Object.freeze({ kind: 'tuple', elements: Object.freeze([]) as readonly FateValue[] });
const EMPTY_MAP_ENTRIES: ReadonlyMap<string, readonly [FateValue, FateValue]> = new Map();
/** The empty map. */
export const EMPTY_MAP: FateMap = Object.freeze({ kind: 'map', entries: EMPTY_MAP_ENTRIES });

const textEncoder = new TextEncoder();

/** A string value from JS text (UTF-8) or bytes. */
export function fString(s: string | Uint8Array): FateString {
  return { kind: 'string', bytes: typeof s === 'string' ? textEncoder.encode(s) : s };
}
/** A bytes value. */
export function fBytes(b: Uint8Array): FateBytes {
  return { kind: 'bytes', bytes: b };
}
/** A tuple value. */
export function fTuple(elements: readonly FateValue[]): FateTuple {
  return elements.length === 0 ? UNIT : { kind: 'tuple', elements };
}
/** A bits value. */
export function fBits(n: bigint): FateBits {
  return { kind: 'bits', n };
}
/** An address-like value. */
export function fObject(kind: ObjectKind, bytes: Uint8Array): FateObject {
  return { kind, bytes };
}
/** A variant value. */
export function fVariant(arities: readonly number[], tag: number, values: readonly FateValue[]): FateVariant {
  return { kind: 'variant', arities, tag, values };
}
/** `None` (option arities `[0, 1]`). */
export const NONE: FateVariant = Object.freeze(fVariant([0, 1], 0, []));
/** `Some(v)`. */
export function fSome(v: FateValue): FateVariant {
  return fVariant([0, 1], 1, [v]);
}
/** Prepends `head` to `tail` in O(1). */
export function cons(head: FateValue, tail: FateList): FateList {
  return { kind: 'list', length: tail.length + 1, head, tail };
}
/** A list from an array. */
export function listFromArray(items: readonly FateValue[]): FateList {
  let l = NIL;
  for (let i = items.length - 1; i >= 0; i -= 1) l = cons(items[i] as FateValue, l);
  return l;
}
/** The elements of a list as an array. */
export function listToArray(l: FateList): FateValue[] {
  const out: FateValue[] = [];
  for (let c: FateList | undefined = l; c !== undefined && c.length > 0; c = c.tail) out.push(c.head as FateValue);
  return out;
}
/** A typerep value. */
export function fTypeRep(type: FateType): FateTypeRep {
  return { kind: 'typerep', type };
}

/** Tells whether a value is a string. */
export function isString(v: FateValue): v is FateString {
  return typeof v === 'object' && v.kind === 'string';
}
/** Tells whether a value is a byte array. */
export function isBytes(v: FateValue): v is FateBytes {
  return typeof v === 'object' && v.kind === 'bytes';
}
/** Tells whether a value is a plain map. */
export function isMap(v: FateValue): v is FateMap {
  return typeof v === 'object' && v.kind === 'map';
}
/** Tells whether a value is a store map. */
export function isStoreMap(v: FateValue): v is FateStoreMap {
  return typeof v === 'object' && v.kind === 'store_map';
}
/** Tells whether a value is a list. */
export function isList(v: FateValue): v is FateList {
  return typeof v === 'object' && v.kind === 'list';
}
/** Tells whether a value is a tuple. */
export function isTuple(v: FateValue): v is FateTuple {
  return typeof v === 'object' && v.kind === 'tuple';
}
/** Tells whether a value is a variant. */
export function isVariant(v: FateValue): v is FateVariant {
  return typeof v === 'object' && v.kind === 'variant';
}
/** Tells whether a value is address-like. */
export function isObject(v: FateValue): v is FateObject {
  return (
    typeof v === 'object' &&
    (v.kind === 'address' || v.kind === 'contract' || v.kind === 'oracle' || v.kind === 'oracle_query' || v.kind === 'channel')
  );
}

/**
 * Whether `test` holds for the value or for anything inside its tuples, variants and lists;
 * inside plain maps too when `maps` says so (`values`, or `entries`: keys and values).
 * Store maps are not entered (their contents are in the store).
 */
export function containsNested(v: FateValue, test: (x: FateValue & object) => boolean, maps: 'skip' | 'values' | 'entries'): boolean {
  if (typeof v !== 'object') return false;
  if (test(v)) return true;
  switch (v.kind) {
    case 'tuple':
      return v.elements.some((e) => containsNested(e, test, maps));
    case 'variant':
      return v.values.some((e) => containsNested(e, test, maps));
    case 'list':
      for (let l: FateList = v; l.length > 0; l = l.tail!) if (containsNested(l.head!, test, maps)) return true;
      return false;
    case 'map':
      if (maps === 'skip') return false;
      for (const [k, x] of v.entries.values()) if ((maps === 'entries' && containsNested(k, test, maps)) || containsNested(x, test, maps)) return true;
      return false;
    default:
      return false;
  }
}
