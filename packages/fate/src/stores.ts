/**
 * Contract stores during an execution (CONTRACTS.md §4.8, `aefa_stores`): the register
 * cache per contract, store maps read key by key from the contract store, and `finalize`,
 * which writes registers back, turns big maps into store maps, updates store maps in
 * place or copies them, garbage-collects unreferenced ones, rewrites the metadata register
 * and charges store gas.
 *
 * Store layout (relative to `pk ‖ 0x10`): `00 ‖ be(N)` register N; `00 00` metadata
 * `{map_id ⇒ {raw_id, refcount, size}}`; `01 ‖ raw_id(4)` marker `00`;
 * `01 ‖ raw_id ‖ serialize(key)` one entry.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { Machine } from './engine.js';
import { MODELS, STORE_BYTE_GAS, STORE_READ_GAS } from './gas.js';
import { VmInternal } from './outcome.js';
import { deserializeValue, keyOf, serializeValue, unsignedBytes } from './serialize.js';
import type { ContractRecord } from './trees.js';
import { cons, fTuple, NIL, TOMBSTONE, type FateList, type FateMap, type FateStoreMap, type FateValue } from './values.js';

/** One cached register. */
export interface RegisterEntry {
  readonly v: FateValue;
  readonly dirty: boolean;
}
/** The register cache of one contract. */
export interface StoreCache {
  readonly regs: ReadonlyMap<number, RegisterEntry>;
  readonly dirty: boolean;
}
/** Register caches by contract (hex). Replaced, never mutated, so protected calls can roll back. */
export type StoreCaches = ReadonlyMap<string, StoreCache>;

/** Store maps at least this big (serialized) are kept in the store. */
export const STORE_MAP_THRESHOLD = 100;

/** Store key (hex) of register N. */
export function registerKey(n: number): string {
  return `00${bytesToHex(unsignedBytes(BigInt(n)))}`;
}

/** Reads register N of a contract (2 000 gas the first time from Iris on). */
export function readRegister(m: Machine, hex: string, n: number): FateValue {
  const cached = m.stores.get(hex)?.regs.get(n);
  if (cached !== undefined) return cached.v;
  const rec = m.world.contracts.get(hex);
  const bytes = rec?.store.get(registerKey(n));
  if (bytes === undefined) throw new VmInternal(`undefined_in_store ${n}`);
  m.spend(m.iris ? STORE_READ_GAS : 0);
  const v = decodeStored(bytes);
  const cur = m.stores.get(hex);
  const regs = new Map(cur?.regs);
  regs.set(n, { v, dirty: false });
  const next = new Map(m.stores);
  next.set(hex, { regs, dirty: cur?.dirty ?? false });
  m.stores = next;
  return v;
}

function decodeStored(bytes: Uint8Array): FateValue {
  try {
    return deserializeValue(bytes);
  } catch {
    throw new VmInternal('bad value in store');
  }
}

interface MapMeta {
  raw: number;
  refs: number;
  size: number;
}

/** The metadata register of a store. */
function readMetadata(rec: ContractRecord | undefined): Map<number, MapMeta> {
  const out = new Map<number, MapMeta>();
  const bytes = rec?.store.get('0000');
  if (bytes === undefined) return out;
  const v = decodeStored(bytes);
  if (typeof v !== 'object' || v.kind !== 'map') throw new VmInternal('bad store metadata');
  for (const [k, x] of v.entries.values()) {
    if (typeof k !== 'bigint' || typeof x !== 'object' || x.kind !== 'tuple' || x.elements.length !== 3) throw new VmInternal('bad store metadata');
    const [raw, refs, size] = x.elements as [bigint, bigint, bigint];
    out.set(Number(k), { raw: Number(raw), refs: Number(refs), size: Number(size) });
  }
  return out;
}

function metadataValue(meta: Map<number, MapMeta>): FateMap {
  const entries = new Map<string, readonly [FateValue, FateValue]>();
  for (const [id, { raw, refs, size }] of meta) entries.set(keyOf(BigInt(id)), [BigInt(id), fTuple([BigInt(raw), BigInt(refs), BigInt(size)])]);
  return { kind: 'map', entries };
}

function rawPrefix(raw: number): string {
  return `01${raw.toString(16).padStart(8, '0')}`;
}

/** All stored entries of a raw map: key hex (serialized key) → [key, value]. */
function storedEntries(rec: ContractRecord, raw: number): Map<string, readonly [FateValue, FateValue]> {
  const prefix = rawPrefix(raw);
  const out = new Map<string, readonly [FateValue, FateValue]>();
  for (const [k, v] of rec.store.entries()) {
    if (k.length > prefix.length && k.startsWith(prefix)) {
      const kh = k.slice(prefix.length);
      out.set(kh, [decodeStored(hexToBytes(kh)), decodeStored(v)]);
    }
  }
  return out;
}

function metaOf(m: Machine, hex: string, id: number): { rec: ContractRecord; meta: MapMeta } {
  const rec = m.world.contracts.get(hex);
  const meta = readMetadata(rec).get(id);
  if (rec === undefined || meta === undefined) throw new VmInternal('Maps: Map does not exist');
  return { rec, meta };
}

/** Looks a key up in a store map (cache first, then the store). */
export function storeMapLookup(m: Machine, hex: string, sm: FateStoreMap, key: FateValue): FateValue | undefined {
  const k = keyOf(key);
  const c = sm.cache.get(k);
  if (c !== undefined) return c[1] === TOMBSTONE ? undefined : c[1];
  const { rec, meta } = metaOf(m, hex, sm.id);
  const bytes = rec.store.get(rawPrefix(meta.raw) + k);
  return bytes === undefined ? undefined : decodeStored(bytes);
}

/** The contents of a store map (stored entries with the cache applied), as a plain map. */
export function storeMapContents(m: Machine, hex: string, sm: FateStoreMap): FateMap {
  const { rec, meta } = metaOf(m, hex, sm.id);
  const entries = storedEntries(rec, meta.raw);
  for (const [k, [key, v]] of sm.cache) {
    if (v === TOMBSTONE) entries.delete(k);
    else entries.set(k, [key, v]);
  }
  return { kind: 'map', entries };
}

/** Number of entries of a store map. */
export function storeMapSize(m: Machine, hex: string, sm: FateStoreMap): number {
  const { rec, meta } = metaOf(m, hex, sm.id);
  return sizeWithCache(rec, meta, sm.cache);
}

/** Number of entries of the stored map `meta` once `cache` (writes and tombstones) is applied. */
function sizeWithCache(rec: ContractRecord, meta: MapMeta, cache: FateStoreMap['cache']): number {
  let size = meta.size;
  const prefix = rawPrefix(meta.raw);
  for (const [k, [, v]] of cache) {
    const stored = rec.store.has(prefix + k);
    if (v === TOMBSTONE && stored) size -= 1;
    else if (v !== TOMBSTONE && !stored) size += 1;
  }
  return size;
}

/** Stored size and contents of a store map, for traversal costs. */
export function storeMapView(m: Machine, hex: string): (sm: FateStoreMap) => { size: number; contents: FateValue } {
  return (sm) => {
    const { rec, meta } = metaOf(m, hex, sm.id);
    return { size: meta.size, contents: { kind: 'map', entries: storedEntries(rec, meta.raw) } };
  };
}

/** The value with every store map replaced by a plain map of its contents. */
export function unfoldValue(m: Machine, hex: string, v: FateValue): FateValue {
  if (typeof v !== 'object') return v;
  const f = (x: FateValue): FateValue => unfoldValue(m, hex, x);
  switch (v.kind) {
    case 'store_map': {
      const c = storeMapContents(m, hex, v);
      const entries = new Map<string, readonly [FateValue, FateValue]>();
      for (const [k, [key, x]] of c.entries) entries.set(k, [key, f(x)]);
      return { kind: 'map', entries };
    }
    case 'map':
      return mapMapValues(v, f);
    default:
      return mapElements(v, f);
  }
}

/** The map with `f` applied to each value; the same object where nothing changed. */
function mapMapValues(v: FateMap, f: (x: FateValue) => FateValue): FateMap {
  let changed = false;
  const entries = new Map<string, readonly [FateValue, FateValue]>();
  for (const [k, [key, x]] of v.entries) {
    const y = f(x);
    if (y !== x) changed = true;
    entries.set(k, [key, y]);
  }
  return changed ? { kind: 'map', entries } : v;
}

/**
 * A tuple, variant or list with `f` applied to each element; the same object where nothing
 * changed, and any other value as it is (maps are the callers' own case).
 */
function mapElements(v: FateValue, f: (x: FateValue) => FateValue): FateValue {
  if (typeof v !== 'object') return v;
  switch (v.kind) {
    case 'tuple': {
      const es = v.elements.map(f);
      return es.every((e, i) => e === v.elements[i]) ? v : fTuple(es);
    }
    case 'variant': {
      const vs = v.values.map(f);
      return vs.every((e, i) => e === v.values[i]) ? v : { ...v, values: vs };
    }
    case 'list': {
      const items: FateValue[] = [];
      let changed = false;
      for (let l: FateList = v; l.length > 0; l = l.tail!) {
        const y = f(l.head!);
        if (y !== l.head) changed = true;
        items.push(y);
      }
      if (!changed) return v;
      let out = NIL;
      for (let i = items.length - 1; i >= 0; i -= 1) out = cons(items[i]!, out);
      return out;
    }
    default:
      return v;
  }
}

// ---- finalize ------------------------------------------------------------------------

type NewMap =
  | { readonly kind: 'plain'; readonly contents: FateMap }
  | { readonly kind: 'update'; readonly base: number; readonly cache: FateStoreMap['cache'] };

/** Store-map ids referenced directly by a value. */
function refsOf(v: FateValue, out: number[]): number[] {
  if (typeof v !== 'object') return out;
  switch (v.kind) {
    case 'store_map':
      out.push(v.id);
      return out;
    case 'map':
      for (const [, x] of v.entries.values()) refsOf(x, out);
      return out;
    case 'tuple':
      for (const e of v.elements) refsOf(e, out);
      return out;
    case 'variant':
      for (const e of v.values) refsOf(e, out);
      return out;
    case 'list':
      for (let l: FateList = v; l.length > 0; l = l.tail!) refsOf(l.head!, out);
      return out;
    default:
      return out;
  }
}

/**
 * Finalize (§4.2 step 5 a–b): serial traversal of every written register, then per dirty
 * contract the register, store-map and metadata writes with their store gas. Updates the
 * machine's world.
 */
export function finalizeStores(m: Machine): void {
  // (a) serial traversal of every written register.
  for (const [, sc] of m.stores) {
    if (!sc.dirty) continue;
    for (const [, r] of [...sc.regs].sort((a, b) => a[0] - b[0])) if (r.dirty) m.traverse(r.v, MODELS.serial);
  }
  // (b) writes.
  const hexes = [...m.stores.keys()].sort();
  for (const hex of hexes) {
    const sc = m.stores.get(hex)!;
    if (!sc.dirty) continue;
    finalizeContract(m, hex, sc);
  }
}

function finalizeContract(m: Machine, hex: string, sc: StoreCache): void {
  const rec = m.world.contracts.get(hex);
  if (rec === undefined) throw new VmInternal('finalize of a missing contract');
  const meta = readMetadata(rec);
  const used = new Set<number>();
  for (const [id, { raw }] of meta) {
    used.add(id);
    used.add(raw);
  }
  const fresh = (): number => {
    let i = 0;
    while (used.has(i)) i += 1;
    used.add(i);
    return i;
  };
  const newMaps = new Map<number, NewMap>();
  const convert = (v: FateValue): FateValue => {
    if (typeof v !== 'object') return v;
    switch (v.kind) {
      case 'map': {
        const plain = mapMapValues(v, convert);
        if (serializeValue(plain).length < STORE_MAP_THRESHOLD) return plain;
        const id = fresh();
        newMaps.set(id, { kind: 'plain', contents: plain });
        return { kind: 'store_map', id, cache: new Map() };
      }
      case 'store_map': {
        if (v.cache.size === 0) return v;
        const cache = new Map<string, readonly [FateValue, FateValue | typeof TOMBSTONE]>();
        for (const [k, [key, x]] of v.cache) cache.set(k, [key, x === TOMBSTONE ? x : convert(x)]);
        const id = fresh();
        newMaps.set(id, { kind: 'update', base: v.id, cache });
        return { kind: 'store_map', id, cache: new Map() };
      }
      default:
        return mapElements(v, convert);
    }
  };

  const dirtyRegs = [...sc.regs].filter(([, r]) => r.dirty).sort((a, b) => a[0] - b[0]);
  const writes = new Map<string, Uint8Array | undefined>();
  const delta = new Map<number, number>();
  const bump = (id: number, d: number): void => {
    delta.set(id, (delta.get(id) ?? 0) + d);
  };
  let gas = 0;
  for (const [n, r] of dirtyRegs) {
    const key = registerKey(n);
    const old = rec.store.get(key);
    if (old !== undefined) for (const id of refsOf(decodeStored(old), [])) bump(id, -1);
    const nv = convert(r.v);
    for (const id of refsOf(nv, [])) bump(id, 1);
    const bytes = serializeValue(nv);
    writes.set(key, bytes);
    gas += STORE_BYTE_GAS * (key.length / 2 + bytes.length);
  }
  for (const [, nm] of newMaps) {
    if (nm.kind === 'plain') for (const [, x] of nm.contents.entries.values()) for (const id of refsOf(x, [])) bump(id, 1);
    else for (const [, [, x]] of nm.cache) if (x !== TOMBSTONE) for (const id of refsOf(x, [])) bump(id, 1);
  }
  // Reference counts after the writes.
  const newMeta = new Map<number, MapMeta>();
  for (const [id, mm] of meta) newMeta.set(id, { ...mm, refs: mm.refs + (delta.get(id) ?? 0) });
  const unreferenced = [...newMeta].filter(([, mm]) => mm.refs <= 0).map(([id]) => id);
  const basesOf = new Map<number, number[]>();
  for (const [id, nm] of newMaps) if (nm.kind === 'update') basesOf.set(nm.base, [...(basesOf.get(nm.base) ?? []), id]);
  const inPlace = new Map<number, number>(); // new id → raw id reused
  const gc: number[] = [];
  for (const id of unreferenced) {
    const users = basesOf.get(id) ?? [];
    if (users.length === 1) inPlace.set(users[0]!, newMeta.get(id)!.raw);
    else gc.push(id);
  }
  for (const id of unreferenced) newMeta.delete(id);
  const storeOf = (raw: number): Map<string, readonly [FateValue, FateValue]> => storedEntries(rec, raw);
  // Copies and in-place updates.
  for (const [id, nm] of [...newMaps].sort((a, b) => a[0] - b[0])) {
    const refs = delta.get(id) ?? 0;
    if (nm.kind === 'plain') {
      const raw = id;
      writes.set(rawPrefix(raw), Uint8Array.of(0));
      for (const [k, [, x]] of nm.contents.entries) {
        const vb = serializeValue(x);
        writes.set(rawPrefix(raw) + k, vb);
        gas += STORE_BYTE_GAS * (k.length / 2 + vb.length);
      }
      newMeta.set(id, { raw, refs, size: nm.contents.entries.size });
      continue;
    }
    const baseMeta = meta.get(nm.base);
    if (baseMeta === undefined) throw new VmInternal('store map base does not exist');
    const reuse = inPlace.get(id);
    const size = sizeWithCache(rec, baseMeta, nm.cache);
    if (reuse !== undefined) {
      for (const [k, [, x]] of nm.cache) {
        if (x === TOMBSTONE) writes.set(rawPrefix(reuse) + k, undefined);
        else {
          const vb = serializeValue(x);
          writes.set(rawPrefix(reuse) + k, vb);
          gas += STORE_BYTE_GAS * (k.length / 2 + vb.length);
        }
      }
      newMeta.set(id, { raw: reuse, refs, size });
    } else {
      // Copy: every entry of the base is written to the new raw id, then the changes.
      const raw = id;
      const contents = storeOf(baseMeta.raw);
      writes.set(rawPrefix(raw), Uint8Array.of(0));
      for (const [k, [, x]] of contents) {
        const vb = serializeValue(x);
        writes.set(rawPrefix(raw) + k, vb);
        gas += STORE_BYTE_GAS * (k.length / 2 + vb.length);
      }
      for (const [k, [, x]] of nm.cache) {
        if (x === TOMBSTONE) writes.set(rawPrefix(raw) + k, undefined);
        else {
          const vb = serializeValue(x);
          writes.set(rawPrefix(raw) + k, vb);
          gas += STORE_BYTE_GAS * (k.length / 2 + vb.length);
        }
      }
      newMeta.set(id, { raw, refs, size });
    }
  }
  // Garbage collection: remove every entry of unreferenced maps not reused in place.
  const reusedRaws = new Set(inPlace.values());
  for (const id of gc) {
    const raw = meta.get(id)!.raw;
    if (reusedRaws.has(raw)) continue;
    const prefix = rawPrefix(raw);
    for (const k of rec.store.keys()) if (k.startsWith(prefix) && !writes.has(k)) writes.set(k, undefined);
  }
  const metaBytes = serializeValue(metadataValue(newMeta));
  writes.set('0000', metaBytes);
  gas += STORE_BYTE_GAS * (2 + metaBytes.length);
  m.spend(gas);
  const store = rec.store.with(writes);
  // The contract object does not contain the store: its bytes stay.
  const next: ContractRecord = { ...rec, store };
  m.world = { ...m.world, contracts: m.world.contracts.set(hex, next) };
}
