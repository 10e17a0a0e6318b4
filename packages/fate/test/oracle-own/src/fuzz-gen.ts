/**
 * The `fuzz-*` scenarios: random straight-line programs (random non-branching ops with
 * immediate, stack and variable operands drawn from a pool of values of every kind), one
 * contract per program, created and called once. Most end in a runtime error, which checks
 * error texts, gas and the order of operand checks; the rest check values and gas.
 * `buildFuzzScenario(protocol, seed, count)`; deterministic for a seed.
 */
import { encode } from '@aechannel/codec';
import { assemble, callData, imm, st, vr, type Opnd } from '../../asm.js';
import { createdContractId } from '../../../src/index.js';
import { OPCODES } from '../../../src/opcodes.js';
import { T } from '../../../src/types.js';
import {
  EMPTY_MAP, fBits, fBytes, fObject, fSome, fString, fTuple, fTypeRep, keyOfMap, listFromArray, NIL, NONE, UNIT, type FateValue,
} from './fuzz-values.js';

const I = 'ak_11111111111111111111111111111118qjnEr';
const R = 'ak_1111111111111111111111111111111Hrt6FG';

// Ops the oracle cannot run (missing libraries) or that change control flow.
const SKIP = new Set(['BLOCKHASH', 'SHA3', 'VERIFY_SIG', 'ECRECOVER_SECP256K1', 'ECVERIFY_SECP256K1', 'AENS_RESOLVE', 'AENS_LOOKUP']);
const OPS = OPCODES.filter((o) => !o.endBB && o.vm > 0 && !o.name.startsWith('BLS12') && !SKIP.has(o.name) && o.args.every((k) => k === 'a'));

const POOL: FateValue[] = [
  0n, 1n, -1n, 5n, 63n, 64n, 2n ** 70n, -(2n ** 65n), true, false, fString('abc'), fString(''), fString('héllo'),
  fBytes(Uint8Array.of(1, 2, 3, 4)), fBytes(new Uint8Array(32).fill(7)), fBits(5n), fBits(-1n), NIL, listFromArray([1n, 2n]),
  listFromArray([fString('a')]), UNIT, fTuple([1n, fString('a')]), EMPTY_MAP, keyOfMap([[1n, 2n], [3n, 4n]]), NONE, fSome(3n),
  fObject('address', new Uint8Array(32).fill(1)), fObject('contract', new Uint8Array(32).fill(2)), fObject('oracle', new Uint8Array(32).fill(3)),
  fTypeRep(T.integer), fTypeRep(T.string),
];

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function program(r: () => number, store: boolean): [string, ...Opnd[]][] {
  const pick = <X>(xs: readonly X[]): X => xs[Math.floor(r() * xs.length)]!;
  const code: [string, ...Opnd[]][] = [];
  const n = 1 + Math.floor(r() * 5);
  for (let i = 0; i < n; i += 1) {
    const op = pick(OPS);
    const operands: Opnd[] = op.args.map((_, j) => {
      const x = r();
      if (j === 0 && !['PUSH', 'SPEND', 'LOG0', 'LOG1', 'LOG2', 'LOG3', 'LOG4', 'DUP', 'INC', 'DEC'].includes(op.name)) {
        if (store && x < 0.3) return vr(-1 - Math.floor(r() * 3));
        return x < 0.7 ? st : vr(Math.floor(r() * 3));
      }
      if (x < 0.15) return st;
      if (x < 0.25) return vr(Math.floor(r() * 3));
      if (store && x < 0.45) return vr(-1 - Math.floor(r() * 3));
      return imm(pick(POOL));
    });
    code.push([op.name, ...operands]);
  }
  code.push(r() < 0.5 ? ['RETURN'] : ['RETURNR', imm(pick(POOL))]);
  return code;
}

const BIG = keyOfMap(Array.from({ length: 12 }, (_, i) => [BigInt(i), fString(`value number ${i}`)] as [FateValue, FateValue]));

/**
 * The scenario: `count` random programs for a protocol, from a seed. With `store`, `init`
 * fills registers 1–3 (a map big enough to become a store map, an integer, a string) and
 * the programs also read and write store registers.
 */
export function buildFuzzScenario(protocol: 'ceres' | 'iris', seed: number, count: number, store = false): unknown {
  const r = rng(seed);
  const updates: unknown[] = [];
  let round = 2n;
  for (let i = 0; i < count; i += 1) {
    const init: [string, ...Opnd[]][] = store
      ? [['STORE', vr(-1), imm(BIG)], ['STORE', vr(-2), imm(7n)], ['STORE', vr(-3), imm(fString('state'))], ['RETURNR', imm(UNIT)]]
      : [['RETURNR', imm(UNIT)]];
    const code = assemble([{ name: 'f', args: [], ret: T.any, code: program(r, store) }, { name: 'init', args: [], ret: T.unit, code: init }]);
    updates.push({ op: 'new_contract', owner: I, code: encode(code, 'cb'), call_data: encode(callData('init'), 'cb'), deposit: 100, vm_version: protocol === 'ceres' ? 8 : 7, abi_version: 3 });
    updates.push({ op: 'call_contract', caller: R, contract: createdContractId(I, round), call_data: encode(callData('f'), 'cb'), amount: 0, gas: 100000, gas_price: 1, abi_version: 3 });
    round += 2n;
  }
  return { protocol, reserve: 1, accounts: { [I]: 100000000, [R]: 200000000 }, show_store: false, updates };
}
