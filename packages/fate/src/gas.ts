/**
 * Dynamic gas in one place (CONTRACTS.md §4.4): memory cells, traversal gas in every cost
 * model, and the store/code-load constants. Base gas per instruction lives in the opcode
 * table (`opcodes.ts`); the dispatch loop charges it.
 */
import { VmInternal } from './outcome.js';
import type { FateType } from './types.js';
import { containsNested, type FateList, type FateValue } from './values.js';

/** Store gas per byte written (`store_byte_gas`). */
export const STORE_BYTE_GAS = 5;
/** Gas per byte of a log entry (`byte_gas`). */
export const LOG_BYTE_GAS = 20;
/** First read of a store register in an execution (Iris+). */
export const STORE_READ_GAS = 2000;
/** Reading one key of a store map not in the value's cache (Ceres+). */
export const STORE_MAP_KEY_GAS = 5000;
/** Loading a contract's code that is not in the code cache (Iris+). */
export const CODE_LOAD_GAS = 4900;
/** Block gas limit, `Chain.gas_limit`. */
export const BLOCK_GAS_LIMIT = 6_000_000n;

/** A traversal cost model (milligas): per node, per leaf byte, per stored map entry unfolded. */
export interface TraversalModel {
  readonly node: number;
  readonly leaf: number;
  readonly unfold: number;
}

/** The cost models of §4.4 (c). */
export const MODELS = {
  simple: { node: 800, leaf: 0, unfold: 0 },
  serial: { node: 800, leaf: 300, unfold: 0 },
  unfold: { node: 800, leaf: 0, unfold: 20_000_000 },
  unfoldCompare: { node: 800, leaf: 4, unfold: 20_000_000 },
  unfoldSerial: { node: 800, leaf: 300, unfold: 20_000_000 },
  final: { node: 800, leaf: 1000, unfold: 0 },
} as const satisfies Record<string, TraversalModel>;

/** Number of base-256 digits of |n| (at least 1). */
export function byteSize(n: bigint): number {
  let x = n < 0n ? -n : n;
  let s = 1;
  while (x >= 256n) {
    x >>= 8n;
    s += 1;
  }
  return s;
}

/** Number of 64-bit words of |n| (`w(0) = 1`). */
export function words(n: bigint): number {
  let x = n < 0n ? -n : n;
  let w = 1;
  while (x >= 1n << 64n) {
    x >>= 64n;
    w += 1;
  }
  return w;
}

/** How a store map's stored contents are seen by a traversal: its stored size and contents (a plain map), or nothing (simple pass). */
export type StoreMapView = (v: Extract<FateValue, { kind: 'store_map' }>) => { size: number; contents: FateValue } | undefined;

/**
 * The traversal cost `C(v)` of a value in milligas.
 * @param v - the value
 * @param m - the cost model
 * @param storeMap - how to expand store maps; undefined = not expanded (simple pass)
 */
export function traversalCost(v: FateValue, m: TraversalModel, storeMap?: StoreMapView): number {
  if (typeof v === 'bigint') return m.node + m.leaf * byteSize(v);
  if (typeof v === 'boolean') return m.node + m.leaf;
  switch (v.kind) {
    case 'bits':
      return m.node + m.leaf * byteSize(v.n);
    case 'string':
    case 'bytes':
      return m.node + m.leaf * v.bytes.length;
    case 'contract_bytearray':
      // The node's traversal has no rule for contract bytearrays (an Erlang function_clause).
      throw new VmInternal('traversal of a contract bytearray');
    case 'address':
    case 'contract':
    case 'oracle':
    case 'oracle_query':
    case 'channel':
      return m.node + m.leaf * 32;
    case 'tuple': {
      if (v.elements.length === 0) return m.node + m.leaf;
      let c = 2 * m.node;
      for (const e of v.elements) c += m.node + traversalCost(e, m, storeMap);
      return c;
    }
    case 'list': {
      let c = m.node;
      for (let l: FateList = v; l.length > 0; l = l.tail!) c += m.node + traversalCost(l.head!, m, storeMap);
      return c;
    }
    case 'variant': {
      let c = 2 * m.node;
      for (const e of v.values) c += m.node + traversalCost(e, m, storeMap);
      return c;
    }
    case 'map': {
      let c = m.node;
      for (const [k, x] of v.entries.values()) c += m.node + traversalCost(k, m, storeMap) + traversalCost(x, m, storeMap);
      return c;
    }
    case 'store_map': {
      const stored = storeMap?.(v);
      let c = m.node + m.unfold * (stored?.size ?? 0) + (stored === undefined ? m.node + m.leaf : traversalCost(stored.contents, m, storeMap)) + m.node;
      for (const [k, x] of v.cache.values()) c += m.node + traversalCost(k, m, storeMap) + (typeof x === 'symbol' ? m.node + m.leaf : traversalCost(x, m, storeMap));
      return c;
    }
    case 'typerep':
      return m.node + typeCost(v.type, m);
  }
}

function typeCost(t: FateType, m: TraversalModel): number {
  switch (t.t) {
    case 'tuple':
      return m.node + t.elems.reduce((a, e) => a + typeCost(e, m), 0) + m.leaf;
    case 'variant':
      return m.node + t.constructors.reduce((a, c) => a + typeCost({ t: 'tuple', elems: c }, m), 0) + m.leaf;
    case 'list':
      return m.node + typeCost(t.elem, m);
    case 'map':
      return m.node + typeCost(t.key, m) + typeCost(t.value, m);
    default:
      return m.leaf;
  }
}

/** Whether a value contains a store map. */
export function containsStoreMap(v: FateValue): boolean {
  return containsNested(v, (x) => x.kind === 'store_map', 'values');
}

/**
 * The memory gas of `n` new cells (`spend_gas_for_new_cells`), updating the counter.
 * @param cells - the global cell counter before
 * @param n - cells created (negative only from `k div 64 + 1` with negative k)
 * @param iris - consensus ≥ Iris (negative n charged as |n|+2 instead of refunded)
 * @returns [cost, new counter]
 */
export function cellsCost(cells: number, n: number, iris: boolean): [number, number] {
  let k = n;
  if (k < 0 && iris) k = -k + 2;
  const total = cells + k;
  let cost: number;
  if (total <= 1024) cost = k;
  else if (k === 1) cost = 1 + Math.floor(total / 1024);
  else cost = k * (1 + Math.floor(total / 1024));
  return [cost, total];
}
