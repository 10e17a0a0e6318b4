/**
 * Instruction handlers (CONTRACTS.md §4.3, §4.9), one per opcode, indexed by byte. Each
 * takes the machine and the instruction's operands; base gas was charged by the dispatch
 * loop, dynamic gas is charged here through the machine's gas helpers (`gas.ts`).
 *
 * Operands are read left to right starting at Arg1 (stack operands pop in that order) and
 * the result is written to Arg0 last, as the node does.
 */
import { blake2b } from '@noble/hashes/blake2.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { Operand } from './code.js';
import { bytesToUnsigned, keyOf, serializeValue, unsignedBytes } from './serialize.js';
import type { Machine } from './engine.js';
import { BLOCK_GAS_LIMIT, CODE_LOAD_GAS, LOG_BYTE_GAS, MODELS, STORE_MAP_KEY_GAS, words } from './gas.js';
import { opcode } from './opcodes.js';
import { compareValues } from './order.js';
import { arithmetic, badArgs, fail, P, typeError, VmError, VmInternal, VmOutOfGas, VmRevert, VmUnsupported, W } from './outcome.js';
import { storeMapContents, storeMapLookup, storeMapSize } from './stores.js';
import { compareTerms, E, fateToTerm } from './term.js';
import {
  cons, containsNested, EMPTY_MAP, fBits, fBytes, fObject, fSome, fString, fTuple, fVariant, listToArray, NIL, NONE, TOMBSTONE,
  type FateList, type FateMap, type FateStoreMap, type FateValue,
} from './values.js';
import { extraOps } from './opsExtra.js';
import { authOps } from './opsAuth.js';

/** A handler. */
export type Handler = (m: Machine, a: readonly Operand[]) => void;

const H: Record<string, Handler> = {};

function int(v: FateValue, op: string, all: FateValue[]): bigint {
  if (typeof v !== 'bigint') badArgs(op, all);
  return v;
}

function binInt(name: string, f: (x: bigint, y: bigint) => bigint): Handler {
  return (m, a) => {
    const x = m.get(a[1]!);
    const y = m.get(a[2]!);
    if (typeof x !== 'bigint' || typeof y !== 'bigint') badArgs(name, [x, y]);
    const r = f(x, y);
    m.cellsGas(words(r));
    m.put(a[0]!, r);
  };
}

/** The first `n` operands, read in order (a stack operand pops as it is read). */
function getAll(m: Machine, a: readonly Operand[], n: number): FateValue[] {
  const vs: FateValue[] = [];
  for (let i = 0; i < n; i += 1) vs.push(m.get(a[i]!));
  return vs;
}

// ---- control ---------------------------------------------------------------------------

H['RETURN'] = (m) => {
  // An empty accumulator makes the node's return traversal crash (an exception).
  if (m.stack.length === 0) throw new VmInternal('RETURN with an empty stack');
  m.doReturn(m.popReturn());
};
H['RETURNR'] = (m, a) => {
  const v = m.get(a[0]!);
  m.push(v);
  m.doReturn(m.popReturn());
};
H['CALL'] = (m, a) => m.callLocal(m.get(a[0]!), false);
H['CALL_T'] = (m, a) => m.callLocal(m.get(a[0]!), true);
H['CALL_R'] = (m, a) => {
  const [c, f, at, rt, v] = getAll(m, a, 5);
  m.callRemote(c!, f!, at!, rt!, v!, undefined, false);
};
H['CALL_GR'] = (m, a) => {
  const [c, f, at, rt, v, g] = getAll(m, a, 6);
  m.callRemote(c!, f!, at!, rt!, v!, g, false);
};
H['CALL_PGR'] = (m, a) => {
  const [c, f, at, rt, v, g, p] = getAll(m, a, 7);
  if (typeof p !== 'boolean') typeError(p!, 'bool');
  m.callRemote(c!, f!, at!, rt!, v!, g, p);
};
function immInt(o: Operand | undefined): number {
  if (o === undefined || o.m !== 3 || typeof o.v !== 'bigint') throw new VmInternal('non-immediate integer operand');
  return Number(o.v);
}
H['JUMP'] = (m, a) => m.jump(immInt(a[0]));
H['JUMPIF'] = (m, a) => {
  const c = m.get(a[0]!);
  const bb = immInt(a[1]);
  if (typeof c !== 'boolean') typeError(c, 'boolean');
  if (c) m.jump(bb);
};
function switchV(m: Machine, v: FateValue, bbs: number[]): void {
  if (typeof v !== 'object' || v.kind !== 'variant') typeError(v, 'variant');
  if (v.arities.length !== bbs.length) fail(`Type error in switch: wrong size ${P(E.int(v.arities.length))}`);
  m.jump(bbs[v.tag]!);
}
H['SWITCH_V2'] = (m, a) => switchV(m, m.get(a[0]!), [immInt(a[1]), immInt(a[2])]);
H['SWITCH_V3'] = (m, a) => switchV(m, m.get(a[0]!), [immInt(a[1]), immInt(a[2]), immInt(a[3])]);
H['SWITCH_VN'] = (m, a) => {
  const v = m.get(a[0]!);
  const l = a[1];
  if (l === undefined || l.m !== 3 || typeof l.v !== 'object' || l.v.kind !== 'list') throw new VmInternal('non-immediate switch list');
  const bbs = listToArray(l.v).map((x) => {
    if (typeof x !== 'bigint') throw new VmInternal('bad switch list');
    return Number(x);
  });
  if (typeof v !== 'object' || v.kind !== 'variant') typeError(v, 'variant');
  if (v.tag >= bbs.length) fail(`Type error in switch: tag ${P(E.int(v.tag))} is larger than switch op`);
  m.jump(bbs[v.tag]!);
};
H['ABORT'] = (m, a) => {
  const s = m.get(a[0]!);
  if (typeof s !== 'object' || s.kind !== 'string') typeError(s, 'string');
  throw new VmRevert(serializeValue(s));
};
H['EXIT'] = (m, a) => {
  const s = m.get(a[0]!);
  if (typeof s !== 'object' || s.kind !== 'string') typeError(s, 'string');
  // EXIT consumes all gas (only held-back caps are kept).
  throw new VmError(s.bytes);
};
H['NOP'] = () => {};

// ---- stack -----------------------------------------------------------------------------

H['PUSH'] = (m, a) => m.push(m.get(a[0]!));
H['DUPA'] = (m) => {
  const v = m.stack[m.stack.length - 1];
  // The node raises an exception here (not a FATE error).
  if (v === undefined) throw new VmInternal('DUPA on an empty stack');
  m.push(v);
};
H['DUP'] = (m, a) => {
  const n = m.get(a[0]!);
  // The node raises an exception for a bad DUP (not a FATE error).
  if (typeof n !== 'bigint') throw new VmInternal('DUP with a non-integer index');
  const v = n >= 0n && n < BigInt(m.stack.length) ? m.stack[m.stack.length - 1 - Number(n)] : undefined;
  // The node raises an exception here (not a FATE error): the update is rejected.
  if (v === undefined) throw new VmInternal('DUP index out of range');
  m.push(v);
};
H['POP'] = (m, a) => m.put(a[0]!, m.pop());
H['STORE'] = (m, a) => m.put(a[0]!, m.get(a[1]!));
function incdec(d: bigint): Handler {
  return (m, a) => {
    const v = m.get(a[0]!);
    if (typeof v !== 'bigint') typeError(v, 'integer');
    m.put(a[0]!, v + d);
  };
}
H['INC'] = incdec(1n);
H['DEC'] = incdec(-1n);
function incdecA(d: bigint): Handler {
  return (m) => {
    const v = m.pop();
    if (typeof v !== 'bigint') typeError(v, 'integer');
    m.push(v + d);
  };
}
H['INCA'] = incdecA(1n);
H['DECA'] = incdecA(-1n);

// ---- arithmetic ------------------------------------------------------------------------

H['ADD'] = binInt('add', (x, y) => x + y);
H['SUB'] = binInt('sub', (x, y) => x - y);
H['MUL'] = binInt('mul', (x, y) => x * y);
H['DIV'] = binInt('div', (x, y) => {
  if (y === 0n) fail('Arithmetic error: division by zero');
  return x / y;
});
H['MOD'] = binInt('mod', (x, y) => {
  if (y === 0n) fail('Arithmetic error: mod by zero');
  return x % y;
});
H['POW'] = (m, a) => {
  const x = m.get(a[1]!);
  const y = m.get(a[2]!);
  // The node has no FATE error for non-integers here (an Erlang if_clause).
  if (typeof x !== 'bigint' || typeof y !== 'bigint') throw new VmInternal('POW of non-integers');
  if (y < 0n) arithmetic('negative_exponent');
  let base = x;
  let e = y;
  let r = 1n;
  while (e > 0n) {
    if ((e & 1n) === 0n) m.cellsGas(2 * words(base));
    else {
      m.cellsGas(words(r) + 3 * words(base));
      r *= base;
    }
    e >>= 1n;
    if (e > 0n) base *= base;
  }
  m.put(a[0]!, r);
};
H['MULMOD'] = (m, a) => {
  const x = m.get(a[1]!);
  const y = m.get(a[2]!);
  const n = m.get(a[3]!);
  if (typeof x !== 'bigint' || typeof y !== 'bigint' || typeof n !== 'bigint') badArgs('mulmod', [x, y, n]);
  if (n === 0n) fail('Arithmetic error: mod by zero');
  const r = (x * y) % n;
  m.cellsGas(words(r));
  m.put(a[0]!, r);
};
H['BAND'] = binInt('band', (x, y) => x & y);
H['BOR'] = binInt('bor', (x, y) => x | y);
H['BXOR'] = binInt('bxor', (x, y) => x ^ y);
H['BNOT'] = (m, a) => {
  const x = m.get(a[1]!);
  if (typeof x !== 'bigint') badArgs('bnot', [x]);
  const r = ~x;
  m.cellsGas(words(r));
  m.put(a[0]!, r);
};
H['BSL'] = (m, a) => {
  const x = m.get(a[1]!);
  const y = m.get(a[2]!);
  // Cells (shift div 64 + 1) are computed before any check: a non-integer shift crashes the node.
  if (typeof y !== 'bigint') throw new VmInternal('BSL by a non-integer');
  divCells(m, y);
  if (typeof x !== 'bigint') badArgs('bsl', [x, y]);
  m.put(a[0]!, y >= 0n ? x << y : x >> -y);
};
H['BSR'] = binInt('bsr', (x, y) => (y >= 0n ? x >> y : x << -y));

// ---- comparison and logic --------------------------------------------------------------

function cmp(name: string, test: (c: number) => boolean): Handler {
  return (m, a) => {
    // Each operand is unfolded as it is read (the second read happens after the first's gas).
    const x = m.unfold(m.get(a[1]!), MODELS.unfoldCompare);
    const y = m.unfold(m.get(a[2]!), MODELS.unfoldCompare);
    // The node's order has no rule for typereps (an Erlang function_clause).
    if (hasKind(x, 'typerep') || hasKind(y, 'typerep')) throw new VmInternal('comparison of typereps');
    // Before Iris the node compares the Erlang terms of the values (Erlang term order).
    if (!m.iris) {
      m.put(a[0]!, test(compareTerms(fateToTerm(x), fateToTerm(y))));
      return;
    }
    m.put(a[0]!, test(compareValues(x, y)));
  };
}
H['LT'] = cmp('lt', (c) => c < 0);
H['GT'] = cmp('gt', (c) => c > 0);
H['EQ'] = cmp('eq', (c) => c === 0);
H['ELT'] = cmp('elt', (c) => c <= 0);
H['EGT'] = cmp('egt', (c) => c >= 0);
H['NEQ'] = cmp('neq', (c) => c !== 0);
function binBool(name: string, f: (x: boolean, y: boolean) => boolean): Handler {
  return (m, a) => {
    const x = m.get(a[1]!);
    const y = m.get(a[2]!);
    if (typeof x !== 'boolean' || typeof y !== 'boolean') badArgs(name, [x, y]);
    m.put(a[0]!, f(x, y));
  };
}
H['AND'] = binBool('and', (x, y) => x && y);
H['OR'] = binBool('or', (x, y) => x || y);
H['NOT'] = (m, a) => {
  const x = m.get(a[1]!);
  if (typeof x !== 'boolean') typeError(x, 'boolean');
  m.put(a[0]!, !x);
};

// ---- tuples and variants ---------------------------------------------------------------

H['TUPLE'] = (m, a) => {
  const n = immInt(a[1]);
  if (n < 0) fail(`Invalid tuple size: ${P(E.int((a[1] as { v: bigint }).v))}`);
  const es = m.popN(n);
  m.cellsGas(n + 2);
  m.put(a[0]!, fTuple(es));
};
H['ELEMENT'] = (m, a) => {
  const i = m.get(a[1]!);
  const t = m.get(a[2]!);
  if (typeof t !== 'object' || t.kind !== 'tuple' || typeof i !== 'bigint') badArgs('element', [i, t]);
  if (i < 0n || i >= BigInt(t.elements.length)) fail(`Bad index argument to element, Index: ${P(E.int(i))}`);
  m.put(a[0]!, t.elements[Number(i)]!);
};
H['SETELEMENT'] = (m, a) => {
  const i = m.get(a[1]!);
  const t = m.get(a[2]!);
  const v = m.get(a[3]!);
  // The node has no FATE error for these (an Erlang function_clause).
  if (typeof t !== 'object' || t.kind !== 'tuple' || typeof i !== 'bigint') throw new VmInternal('SETELEMENT of a non-tuple');
  if (i < 0n || i >= BigInt(t.elements.length)) fail(`Bad index argument to element, Index: ${P(E.int(i))}`);
  const es = [...t.elements];
  es[Number(i)] = v;
  m.cellsGas(es.length + 2);
  m.put(a[0]!, fTuple(es));
};
H['VARIANT'] = (m, a) => {
  const ar = m.get(a[1]!);
  const tag = m.get(a[2]!);
  const n = m.get(a[3]!);
  if (typeof ar !== 'object' || ar.kind !== 'list' || typeof tag !== 'bigint' || typeof n !== 'bigint') badArgs('make_variant', [ar, tag, n]);
  const arities = listToArray(ar);
  if (!arities.every((x) => typeof x === 'bigint' && x >= 0n && x <= 255n)) badArgs('make_variant', [ar, tag, n]);
  if (tag < 0n || tag >= BigInt(arities.length) || arities[Number(tag)] !== n) badArgs('make_variant', [ar, tag, n]);
  const values = m.popN(Number(n));
  m.cellsGas(2 * arities.length + Number(n) + 4);
  m.put(a[0]!, fVariant(arities.map(Number), Number(tag), values));
};
H['VARIANT_TEST'] = (m, a) => {
  const v = m.get(a[1]!);
  const t = m.get(a[2]!);
  if (typeof v !== 'object' || v.kind !== 'variant' || typeof t !== 'bigint') badArgs('variant_test', [v, t]);
  m.put(a[0]!, BigInt(v.tag) === t);
};
H['VARIANT_ELEMENT'] = (m, a) => {
  const v = m.get(a[1]!);
  const i = m.get(a[2]!);
  if (typeof v !== 'object' || v.kind !== 'variant' || typeof i !== 'bigint' || i < 0n || i >= BigInt(v.values.length)) badArgs('variant_element', [v, i]);
  m.put(a[0]!, v.values[Number(i)]!);
};

// ---- maps ------------------------------------------------------------------------------

function mapArg(op: string, v: FateValue): FateMap | FateStoreMap {
  if (typeof v === 'object' && (v.kind === 'map' || v.kind === 'store_map')) return v;
  return fail(`Operation ${P(E.atom(op))} expected a map as argument, got ${P(v)}`);
}
function lookup(m: Machine, map: FateMap | FateStoreMap, k: FateValue): FateValue | undefined {
  if (map.kind === 'map') return map.entries.get(keyOf(k))?.[1];
  if (m.consensus >= 6 && !map.cache.has(keyOf(k))) m.spend(STORE_MAP_KEY_GAS);
  return storeMapLookup(m, m.contractHex, map, k);
}
H['MAP_EMPTY'] = (m, a) => {
  m.cellsGas(2);
  m.put(a[0]!, EMPTY_MAP);
};
H['MAP_LOOKUP'] = (m, a) => {
  const mv = m.get(a[1]!);
  const k = m.get(a[2]!);
  const map = mapArg('map_lookup', mv);
  const v = lookup(m, map, k);
  if (v === undefined) fail('Maps: Key does not exist');
  m.put(a[0]!, v);
};
H['MAP_LOOKUPD'] = (m, a) => {
  const mv = m.get(a[1]!);
  const k = m.get(a[2]!);
  const d = m.get(a[3]!);
  const map = mapArg('map_lookupd', mv);
  m.put(a[0]!, lookup(m, map, k) ?? d);
};
H['MAP_MEMBER'] = (m, a) => {
  const mv = m.get(a[1]!);
  const k = m.get(a[2]!);
  const map = mapArg('map_member', mv);
  m.put(a[0]!, lookup(m, map, k) !== undefined);
};
function hasKind(v: FateValue, kind: string): boolean {
  return containsNested(v, (x) => x.kind === kind, 'entries');
}
function hasMap(v: FateValue): boolean {
  return containsNested(v, (x) => x.kind === 'map' || x.kind === 'store_map', 'skip');
}
/** The map with key `k` set to `v`, or deleted (`undefined`: a tombstone in a store map's cache). */
function mapWith(map: FateMap | FateStoreMap, k: FateValue, v: FateValue | undefined): FateMap | FateStoreMap {
  const key = keyOf(k);
  if (map.kind === 'store_map') {
    const cache = new Map(map.cache);
    cache.set(key, [k, v ?? TOMBSTONE]);
    return { kind: 'store_map', id: map.id, cache };
  }
  const entries = new Map(map.entries);
  if (v !== undefined) entries.set(key, [k, v]);
  else entries.delete(key);
  return entries.size === 0 ? EMPTY_MAP : { kind: 'map', entries };
}
H['MAP_UPDATE'] = (m, a) => {
  const mv = m.get(a[1]!);
  const k = m.get(a[2]!);
  const v = m.get(a[3]!);
  if (typeof mv !== 'object' || (mv.kind !== 'map' && mv.kind !== 'store_map')) badArgs('map_update', [mv, k, v]);
  if (hasMap(k)) badArgs('map_update', [mv, k, v]);
  m.cellsGas(2);
  m.put(a[0]!, mapWith(mv, k, v));
};
H['MAP_DELETE'] = (m, a) => {
  const mv = m.get(a[1]!);
  const k = m.get(a[2]!);
  if (typeof mv !== 'object' || (mv.kind !== 'map' && mv.kind !== 'store_map')) badArgs('map_delete', [mv, k]);
  if (hasMap(k)) badArgs('map_delete', [mv, k]);
  m.put(a[0]!, mapWith(mv, k, undefined));
};
H['MAP_FROM_LIST'] = (m, a) => {
  const l = m.get(a[1]!);
  if (typeof l !== 'object' || l.kind !== 'list') badArgs('map_from_list', [l]);
  const entries = new Map<string, readonly [FateValue, FateValue]>();
  for (const t of listToArray(l)) {
    // An element that is not a pair is an Erlang function_clause in the node.
    if (typeof t !== 'object' || t.kind !== 'tuple' || t.elements.length !== 2) throw new VmInternal('MAP_FROM_LIST of a non-pair');
    const [k, v] = t.elements as [FateValue, FateValue];
    if (hasMap(k)) badArgs('map_from_list', [l]);
    entries.set(keyOf(k), [k, v]);
  }
  // The node writes the result first, then charges the cells.
  m.put(a[0]!, { kind: 'map', entries });
  m.cellsGas(entries.size + 2);
};
H['MAP_SIZE'] = (m, a) => {
  const map = mapArg('map_size', m.get(a[1]!));
  if (map.kind === 'map') m.put(a[0]!, BigInt(map.entries.size));
  else {
    if (m.consensus >= 6) m.spend(STORE_MAP_KEY_GAS * map.cache.size);
    m.put(a[0]!, BigInt(storeMapSize(m, m.contractHex, map)));
  }
};
H['MAP_TO_LIST'] = (m, a) => {
  let map = mapArg('map_to_list', m.get(a[1]!));
  if (map.kind === 'store_map') {
    if (m.consensus >= 6) m.spend(STORE_MAP_KEY_GAS * storeMapSize(m, m.contractHex, map));
    map = storeMapContents(m, m.contractHex, map);
  }
  const sorted = [...map.entries.values()].sort((x, y) => compareValues(x[0], y[0]));
  // Before Iris the order is Erlang's (and a frozen table of historic orders): only integer keys agree.
  if (!m.iris && !sorted.every(([k]) => typeof k === 'bigint')) throw new VmUnsupported('MAP_TO_LIST before Iris');
  let l = NIL;
  for (let i = sorted.length - 1; i >= 0; i -= 1) l = cons(fTuple([sorted[i]![0], sorted[i]![1]]), l);
  // The node writes the result first, then charges the cells.
  m.put(a[0]!, l);
  m.cellsGas(2 * sorted.length);
};

// ---- lists -----------------------------------------------------------------------------

function listArg(op: string, v: FateValue): FateList {
  if (typeof v !== 'object' || v.kind !== 'list') badArgs(op, [v]);
  return v;
}
H['IS_NIL'] = (m, a) => m.put(a[0]!, listArg('is_nil', m.get(a[1]!)).length === 0);
H['CONS'] = (m, a) => {
  const h = m.get(a[1]!);
  const t = m.get(a[2]!);
  if (typeof t !== 'object' || t.kind !== 'list') badArgs('cons', [h, t]);
  m.cellsGas(2);
  m.put(a[0]!, cons(h, t));
};
H['HD'] = (m, a) => {
  const l = listArg('hd', m.get(a[1]!));
  if (l.length === 0) fail('Head on empty list');
  m.put(a[0]!, l.head!);
};
H['TL'] = (m, a) => {
  const l = listArg('tl', m.get(a[1]!));
  if (l.length === 0) fail('Tail on empty list');
  m.put(a[0]!, l.tail!);
};
H['LENGTH'] = (m, a) => m.put(a[0]!, BigInt(listArg('length', m.get(a[1]!)).length));
H['NIL'] = (m, a) => m.put(a[0]!, NIL);
H['APPEND'] = (m, a) => {
  const x = m.get(a[1]!);
  const y = m.get(a[2]!);
  if (typeof x !== 'object' || x.kind !== 'list' || typeof y !== 'object' || y.kind !== 'list') badArgs('append', [x, y]);
  m.cellsGas(2 * x.length);
  const items = listToArray(x);
  let l = y;
  for (let i = items.length - 1; i >= 0; i -= 1) l = cons(items[i]!, l);
  m.put(a[0]!, l);
};

// ---- contract creation -----------------------------------------------------------------

H['CREATE'] = (m, a) => {
  const code = m.get(a[0]!);
  const tr = m.get(a[1]!);
  const value = m.get(a[2]!);
  if (typeof code !== 'object' || code.kind !== 'contract_bytearray') throw new VmInternal('CREATE without contract bytes');
  m.deployContract({ code: code.bytes }, tr, value, undefined, false);
};
H['CLONE'] = (m, a) => {
  const [c, tr, value, prot] = getAll(m, a, 4);
  if (typeof c !== 'object' || c.kind !== 'contract') throw new VmInternal('CLONE of a non-contract');
  m.deployContract({ ref: c.bytes }, tr!, value!, undefined, prot!);
};
H['CLONE_G'] = (m, a) => {
  const [c, tr, value, gas, prot] = getAll(m, a, 5);
  if (typeof c !== 'object' || c.kind !== 'contract') throw new VmInternal('CLONE_G of a non-contract');
  m.deployContract({ ref: c.bytes }, tr!, value!, gas, prot!);
};
H['BYTECODE_HASH'] = (m, a) => {
  const c = m.get(a[1]!);
  // A non-contract argument is an Erlang badmatch in the node.
  if (typeof c !== 'object' || c.kind !== 'contract') throw new VmInternal('BYTECODE_HASH of a non-contract');
  const hex = bytesToHex(c.bytes);
  const rec = m.world.contracts.get(hex);
  const code = rec === undefined ? undefined : m.loadCode(rec);
  if (code === undefined) {
    m.put(a[0]!, NONE);
    return;
  }
  if (!m.codeCache.has(hex)) {
    m.codeCache.add(hex);
    if (m.iris) m.spend(CODE_LOAD_GAS);
  }
  m.spend(code.serialized.length);
  m.put(a[0]!, fSome(fBytes(blake2b(code.serialized, { dkLen: 32 }))));
};

// ---- environment -----------------------------------------------------------------------

H['CALL_VALUE'] = (m, a) => m.put(a[0]!, m.value);
H['BALANCE'] = (m, a) => m.put(a[0]!, m.world.accounts.get(m.contractHex)?.balance ?? 0n);
H['ORIGIN'] = (m, a) => m.put(a[0]!, fObject('address', m.origin));
H['CALLER'] = (m, a) => m.put(a[0]!, m.caller);
H['BENEFICIARY'] = (m, a) => m.put(a[0]!, fObject('address', m.chain.beneficiary));
H['TIMESTAMP'] = (m, a) => m.put(a[0]!, m.chain.timestamp);
H['GENERATION'] = (m, a) => m.put(a[0]!, m.chain.height);
H['DIFFICULTY'] = (m, a) => m.put(a[0]!, m.chain.difficulty);
H['GASLIMIT'] = (m, a) => m.put(a[0]!, BLOCK_GAS_LIMIT);
H['GAS'] = (m, a) => m.put(a[0]!, BigInt(m.gas));
H['ADDRESS'] = (m, a) => m.put(a[0]!, fObject('address', m.contract));
H['GASPRICE'] = (m, a) => m.put(a[0]!, m.gasPrice);
H['CREATOR'] = (m, a) => {
  const rec = m.world.contracts.get(m.contractHex);
  m.put(a[0]!, fObject('address', rec?.owner ?? new Uint8Array(32)));
};
H['NETWORK_ID'] = (m, a) => m.put(a[0]!, fString(m.chain.networkId));
H['BLOCKHASH'] = (m, a) => {
  const h = m.get(a[1]!);
  if (typeof h !== 'bigint') typeError(h, 'integer');
  const cur = m.chain.height;
  const none = h < 0n || h > cur || h <= cur - 256n || (m.fate === 1 && h === cur);
  const hash = none ? undefined : m.chain.keyBlockHash?.(h);
  m.put(a[0]!, hash === undefined ? NONE : fSome(fBytes(hash)));
};
H['MICROBLOCK'] = () => fail(`Operation ${P(E.atom('microblock'))} is not implemented`);
H['DEACTIVATE'] = () => fail(`Operation ${P(E.atom('microblock'))} is not implemented`);
H['INT_TO_ADDR'] = (m, a) => {
  const x = m.get(a[1]!);
  if (typeof x !== 'bigint') badArgs('int_to_addr', [x]);
  fail(`Error: operation ${P(E.atom('INT_TO_ADDR'))} is disabled`);
};

H['BALANCE_OTHER'] = (m, a) => {
  const x = m.get(a[1]!);
  if (typeof x !== 'object' || x.kind !== 'address') typeError(x, 'address');
  const acc = m.world.accounts.get(bytesToHex(x.bytes));
  m.put(a[0]!, acc !== undefined ? acc.balance : (m.chain.balance?.(x.bytes) ?? 0n));
};
H['SPEND'] = (m, a) => {
  const to = m.get(a[0]!);
  if (typeof to !== 'object' || to.kind !== 'address') typeError(to, 'address');
  const amount = m.get(a[1]!);
  if (typeof amount !== 'bigint') typeError(amount, 'integer');
  // A negative amount crashes the node's spend primop (an exception, not a FATE error).
  if (amount < 0n) throw new VmInternal('negative spend');
  m.transfer(m.contract, to.bytes, amount, 'spend');
};

// ---- logs ------------------------------------------------------------------------------

function topicBytes(t: FateValue): Uint8Array {
  if (typeof t === 'bigint') {
    if (t < 0n || t >= 1n << 256n) fail(`Illegal integer in log: ${W(t)}`);
    return word(t);
  }
  if (typeof t === 'boolean') return word(t ? 1n : 0n);
  if (typeof t === 'object') {
    switch (t.kind) {
      case 'bits':
        if (t.n < 0n || t.n >= 1n << 256n) fail('Illegal bits in log');
        return word(t.n);
      case 'address':
      case 'contract':
      case 'oracle':
      case 'oracle_query':
      case 'channel':
        return t.bytes;
      case 'bytes':
        if (t.bytes.length <= 32) {
          const out = new Uint8Array(32);
          out.set(t.bytes, 32 - t.bytes.length);
          return out;
        }
        break;
      default:
        break;
    }
  }
  return typeError(t, 'word');
}
function word(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  const b = unsignedBytes(n);
  out.set(b, 32 - b.length);
  return out;
}
function logN(n: number): Handler {
  return (m, a) => {
    const payload = m.get(a[0]!);
    const raw: FateValue[] = [];
    for (let i = 1; i <= n; i += 1) raw.push(m.get(a[i]!));
    // The payload is checked first; a wrong one is an exception in the node.
    let data: Uint8Array;
    if (typeof payload === 'object' && (payload.kind === 'string' || payload.kind === 'bytes')) data = payload.bytes;
    else throw new VmInternal('log payload is not a string');
    const topics = raw.map(topicBytes);
    m.spend(LOG_BYTE_GAS * (8 * n + data.length));
    m.logs = [{ address: m.contract, topics, data }, ...m.logs];
  };
}
H['LOG0'] = logN(0);
H['LOG1'] = logN(1);
H['LOG2'] = logN(2);
H['LOG3'] = logN(3);
H['LOG4'] = logN(4);

// ---- hashes ----------------------------------------------------------------------------

function hashOp(f: (b: Uint8Array) => Uint8Array): Handler {
  return (m, a) => {
    let v = m.get(a[1]!);
    v = m.unfold(v, MODELS.unfoldSerial);
    const input = typeof v === 'object' && (v.kind === 'string' || v.kind === 'bytes') ? v.bytes : serializeValue(v);
    m.put(a[0]!, fBytes(f(input)));
  };
}
H['SHA3'] = hashOp(keccak_256);
H['SHA256'] = hashOp(sha256);
H['BLAKE2B'] = hashOp((b) => blake2b(b, { dkLen: 32 }));

function divCells(m: Machine, i: bigint): void {
  // Erlang `div` truncates toward zero; a huge count is out of gas whatever its sign.
  const n = i / 64n + 1n;
  if (n > 1n << 40n || n < -(1n << 40n)) {
    m.gas = 0;
    throw new VmOutOfGas();
  }
  m.cellsGas(Number(n));
}

// ---- bits ------------------------------------------------------------------------------

function bitsArg(op: string, v: FateValue, all: FateValue[]): bigint {
  if (typeof v !== 'object' || v.kind !== 'bits') badArgs(op, all);
  return v.n;
}
H['BITS_NONEA'] = (m) => {
  m.cellsGas(1);
  m.push(fBits(0n));
};
H['BITS_NONE'] = (m, a) => {
  m.cellsGas(1);
  m.put(a[0]!, fBits(0n));
};
H['BITS_ALLA'] = (m) => {
  m.cellsGas(1);
  m.push(fBits(-1n));
};
H['BITS_ALL'] = (m, a) => {
  m.cellsGas(1);
  m.put(a[0]!, fBits(-1n));
};
function bitIndexCells(m: Machine, i: FateValue): void {
  // `i div 64 + 1` cells, computed before any type check (a non-integer crashes the node).
  if (typeof i !== 'bigint') throw new VmInternal('bit index is not an integer');
  divCells(m, i);
}
H['BITS_ALL_N'] = (m, a) => {
  const n = m.get(a[1]!);
  bitIndexCells(m, n);
  // (1 bsl N) - 1: a negative N shifts right, giving -1 (all bits).
  const k = n as bigint;
  m.put(a[0]!, fBits((k >= 0n ? 1n << k : 0n) - 1n));
};
function bitOp(name: string, f: (b: bigint, i: bigint) => FateValue): Handler {
  return (m, a) => {
    const b = m.get(a[1]!);
    const i = m.get(a[2]!);
    bitIndexCells(m, i);
    const bn = bitsArg(name, b, [b, i]);
    const k = i as bigint;
    if (k < 0n) arithmetic('negative_bit_position');
    m.put(a[0]!, f(bn, k));
  };
}
H['BITS_SET'] = bitOp('bits_set', (b, i) => fBits(b | (1n << i)));
H['BITS_CLEAR'] = bitOp('bits_clear', (b, i) => fBits(b & ~(1n << i)));
H['BITS_TEST'] = bitOp('bits_test', (b, i) => ((b >> i) & 1n) === 1n);
H['BITS_SUM'] = (m, a) => {
  const b = m.get(a[1]!);
  const n = bitsArg('bits_sum', b, [b]);
  if (n < 0n) arithmetic('bits_sum_on_infinite_set');
  let c = 0n;
  for (let x = n; x > 0n; x >>= 1n) c += x & 1n;
  m.put(a[0]!, c);
};
function bits2(name: string, f: (x: bigint, y: bigint) => bigint): Handler {
  return (m, a) => {
    const x = m.get(a[1]!);
    const y = m.get(a[2]!);
    const xn = bitsArg(name, x, [x, y]);
    const yn = bitsArg(name, y, [x, y]);
    m.put(a[0]!, fBits(f(xn, yn)));
  };
}
H['BITS_OR'] = bits2('bits_union', (x, y) => x | y);
H['BITS_AND'] = bits2('bits_intersection', (x, y) => x & y);
H['BITS_DIFF'] = bits2('bits_difference', (x, y) => x & ~y);

// ---- addresses -------------------------------------------------------------------------

H['CONTRACT_TO_ADDRESS'] = (m, a) => {
  const c = m.get(a[1]!);
  if (typeof c !== 'object' || c.kind !== 'contract') badArgs('contract_to_address', [c]);
  m.put(a[0]!, fObject('address', c.bytes));
};
H['ADDRESS_TO_CONTRACT'] = (m, a) => {
  const c = m.get(a[1]!);
  if (typeof c !== 'object' || c.kind !== 'address') badArgs('address_to_contract', [c]);
  m.put(a[0]!, fObject('contract', c.bytes));
};
H['ADDRESS_TO_BYTES'] = (m, a) => {
  const c = m.get(a[1]!);
  if (typeof c !== 'object' || c.kind !== 'address') badArgs('addr_to_bytes', [c]);
  m.cellsGas(32 / 8 + 1);
  m.put(a[0]!, fBytes(c.bytes));
};
/** A handler asking the chain view about an address (`fallback` where the view cannot say). */
function addressQuery(ask: (m: Machine, pk: Uint8Array) => boolean | undefined, fallback: boolean): Handler {
  return (m, a) => {
    const c = m.get(a[1]!);
    if (typeof c !== 'object' || c.kind !== 'address') typeError(c, 'address');
    m.put(a[0]!, ask(m, c.bytes) ?? fallback);
  };
}
H['IS_CONTRACT'] = addressQuery((m, pk) => m.chain.isContract?.(pk), false);
H['IS_ORACLE'] = addressQuery((m, pk) => m.chain.isOracle?.(pk), false);
H['IS_PAYABLE'] = addressQuery((m, pk) => m.chain.isPayable?.(pk), true);

// ---- integers, bytes, strings (the rest is in opsExtra.ts) ------------------------------

H['BYTES_TO_INT'] = (m, a) => {
  const b = m.get(a[1]!);
  if (typeof b !== 'object' || b.kind !== 'bytes') badArgs('bytes_to_int', [b]);
  m.put(a[0]!, bytesToUnsigned(b.bytes));
};

/** Handlers by opcode byte. */
export const OPS: readonly (Handler | undefined)[] = (() => {
  const table: (Handler | undefined)[] = new Array<Handler | undefined>(256).fill(undefined);
  const all = { ...H, ...extraOps, ...authOps };
  for (const [name, h] of Object.entries(all)) table[opcode(name)] = h;
  return table;
})();

export { listToArray };
