/**
 * The FATE total order (`aeb_fate_data:lt/2`, CONTRACTS.md §4.6): map key order,
 * MAP_TO_LIST order and the comparison instructions from Iris on.
 */
import { sortedEntries } from './serialize.js';
import type { FateValue } from './values.js';

const ORDINAL: Record<string, number> = {
  integer: 0,
  boolean: 1,
  address: 2,
  channel: 3,
  contract: 4,
  oracle: 5,
  bytes: 6,
  bits: 7,
  string: 8,
  tuple: 9,
  map: 10,
  list: 11,
  variant: 12,
  oracle_query: 13,
  contract_bytearray: 14,
  typerep: 15,
  store_map: 16,
};

function kindName(v: FateValue): string {
  return typeof v === 'bigint' ? 'integer' : typeof v === 'boolean' ? 'boolean' : v.kind;
}

function cmpNum(a: bigint | number, b: bigint | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Bytes: shorter first, then lexicographic. */
export function compareByteStrings(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

function compareSeq(a: readonly FateValue[], b: readonly FateValue[]): number {
  for (let i = 0; i < a.length && i < b.length; i += 1) {
    const c = compareValues(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return cmpNum(a.length, b.length);
}

/**
 * Compares two values in the FATE order.
 * @returns negative, 0 or positive
 */
export function compareValues(a: FateValue, b: FateValue): number {
  const ka = kindName(a);
  const kb = kindName(b);
  if (ka !== kb) return cmpNum(ORDINAL[ka]!, ORDINAL[kb]!);
  if (typeof a === 'bigint') return cmpNum(a, b as bigint);
  if (typeof a === 'boolean') return a === b ? 0 : a ? 1 : -1;
  const bo = b as Exclude<FateValue, bigint | boolean>;
  switch (a.kind) {
    case 'bits': {
      const x = a.n;
      const y = (bo as typeof a).n;
      if (x >= 0n && y < 0n) return -1;
      if (x < 0n && y >= 0n) return 1;
      return cmpNum(x, y);
    }
    case 'string':
    case 'bytes':
    case 'contract_bytearray':
    case 'address':
    case 'contract':
    case 'oracle':
    case 'oracle_query':
    case 'channel':
      return compareByteStrings(a.bytes, (bo as typeof a).bytes);
    case 'tuple': {
      const y = (bo as typeof a).elements;
      if (a.elements.length !== y.length) return cmpNum(a.elements.length, y.length);
      return compareSeq(a.elements, y);
    }
    case 'list': {
      let x = a;
      let y = bo as typeof a;
      for (;;) {
        if (x.length === 0) return y.length === 0 ? 0 : -1;
        if (y.length === 0) return 1;
        const c = compareValues(x.head!, y.head!);
        if (c !== 0) return c;
        x = x.tail!;
        y = y.tail!;
      }
    }
    case 'map': {
      const y = bo as typeof a;
      if (a.entries.size !== y.entries.size) return cmpNum(a.entries.size, y.entries.size);
      const ea = sortedEntries(a);
      const eb = sortedEntries(y);
      for (let i = 0; i < ea.length; i += 1) {
        const c = compareValues(ea[i]![0], eb[i]![0]) || compareValues(ea[i]![1], eb[i]![1]);
        if (c !== 0) return c;
      }
      return 0;
    }
    case 'variant': {
      const y = bo as typeof a;
      if (a.arities.length !== y.arities.length) return cmpNum(a.arities.length, y.arities.length);
      for (let i = 0; i < a.arities.length; i += 1) if (a.arities[i] !== y.arities[i]) return cmpNum(a.arities[i]!, y.arities[i]!);
      if (a.tag !== y.tag) return cmpNum(a.tag, y.tag);
      if (a.values.length !== y.values.length) return cmpNum(a.values.length, y.values.length);
      return compareSeq(a.values, y.values);
    }
    case 'typerep':
    case 'store_map':
      return 0;
  }
}
