/**
 * The `bls-*` scenarios: BLS12-381 operations where the node answers before its MCL library
 * runs, which fate-oracle (without the library) can therefore answer: operand shapes (field
 * elements as bytes of 32/48, points as tuples of them; anything else is `Bad arguments to
 * bls12_381_…`), the integer ranges of INT_TO_FR (0 ≤ x < r − 1) and INT_TO_FP
 * (0 ≤ x < p), and FATE_01 contracts (`Error in bls12_381_…: not_supported`). Results of
 * well-formed operations need MCL; they are checked against MCL itself in
 * `src/bls12381.test.ts`. `buildBlsScenario('ceres' | 'iris' | 'lima')`; lima runs vm 5.
 */
import { encode } from '@aechannel/codec';
import { assemble, callData, imm, st } from '../../asm.js';
import { createdContractId } from '../../../src/index.js';
import { T } from '../../../src/types.js';
import { fBytes, fString, fTuple, type FateValue } from '../../../src/values.js';

const I = 'ak_11111111111111111111111111111118qjnEr';
const R = 'ak_1111111111111111111111111111111Hrt6FG';
const r = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;
const p = 0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaabn;
const fp = fBytes(new Uint8Array(48).fill(1));
const fr = fBytes(new Uint8Array(32).fill(1));
const g1 = fTuple([fp, fp, fp]);
const g2 = fTuple([fTuple([fp, fp]), fTuple([fp, fp]), fTuple([fp, fp])]);
const gt = fTuple(Array.from({ length: 12 }, () => fp));
const short = fBytes(new Uint8Array(47));

/** Each case: a name, the op and its operands (all malformed or out of range somewhere). */
const cases: [string, string, FateValue[]][] = [
  ['int_to_fr_neg', 'BLS12_381_INT_TO_FR', [-1n]],
  ['int_to_fr_r_minus_1', 'BLS12_381_INT_TO_FR', [r - 1n]],
  ['int_to_fr_r', 'BLS12_381_INT_TO_FR', [r]],
  ['int_to_fr_str', 'BLS12_381_INT_TO_FR', [fString('1')]],
  ['int_to_fp_neg', 'BLS12_381_INT_TO_FP', [-5n]],
  ['int_to_fp_p', 'BLS12_381_INT_TO_FP', [p]],
  ['fr_to_int_31', 'BLS12_381_FR_TO_INT', [fBytes(new Uint8Array(31))]],
  ['fr_to_int_int', 'BLS12_381_FR_TO_INT', [7n]],
  ['fp_to_int_32', 'BLS12_381_FP_TO_INT', [fr]],
  ['g1_neg_short', 'BLS12_381_G1_NEG', [fTuple([fp, fp, short])]],
  ['g1_norm_pair', 'BLS12_381_G1_NORM', [fTuple([fp, fp])]],
  ['g1_valid_int', 'BLS12_381_G1_VALID', [3n]],
  ['g1_is_zero_fr', 'BLS12_381_G1_IS_ZERO', [fTuple([fr, fr, fr])]],
  ['g1_add_g2', 'BLS12_381_G1_ADD', [g1, g2]],
  ['g1_mul_order', 'BLS12_381_G1_MUL', [g1, fr]],
  ['g2_neg_g1', 'BLS12_381_G2_NEG', [g1]],
  ['g2_norm_flat', 'BLS12_381_G2_NORM', [fTuple([fp, fp, fp, fp, fp, fp])]],
  ['g2_valid_short', 'BLS12_381_G2_VALID', [fTuple([fTuple([fp, fp]), fTuple([fp, short]), fTuple([fp, fp])])]],
  ['g2_is_zero_int', 'BLS12_381_G2_IS_ZERO', [0n]],
  ['g2_add_g1', 'BLS12_381_G2_ADD', [g2, g1]],
  ['g2_mul_fp', 'BLS12_381_G2_MUL', [fp, g2]],
  ['gt_inv_11', 'BLS12_381_GT_INV', [fTuple(Array.from({ length: 11 }, () => fp))]],
  ['gt_add_g1', 'BLS12_381_GT_ADD', [gt, g1]],
  ['gt_mul_int', 'BLS12_381_GT_MUL', [1n, gt]],
  ['gt_pow_fp', 'BLS12_381_GT_POW', [gt, fp]],
  ['gt_is_one_g2', 'BLS12_381_GT_IS_ONE', [g2]],
  ['pairing_swapped', 'BLS12_381_PAIRING', [g2, g1]],
  ['miller_loop_int', 'BLS12_381_MILLER_LOOP', [g1, 5n]],
  ['final_exp_g1', 'BLS12_381_FINAL_EXP', [g1]],
];
/** Names of the cases, in call order. */
export const blsCaseNames: readonly string[] = cases.map((c) => c[0]);

/** The scenario for a protocol. */
export function buildBlsScenario(protocol: 'ceres' | 'iris' | 'lima'): unknown {
  const vm = protocol === 'ceres' ? 8 : protocol === 'iris' ? 7 : 5;
  const fns = cases.map(([name, op, args]) => ({ name, args: [], ret: T.any, code: [[op, st, ...args.map((a) => imm(a))], ['RETURN']] as never }));
  const code = assemble([...fns, { name: 'init', args: [], ret: T.unit, code: [['RETURNR', imm(fTuple([]))]] as never }]);
  const updates: unknown[] = [{ op: 'new_contract', owner: I, code: encode(code, 'cb'), call_data: encode(callData('init'), 'cb'), deposit: 0, vm_version: vm, abi_version: 3 }];
  const ct = createdContractId(I, 2n);
  for (const [name] of cases) {
    updates.push({ op: 'call_contract', caller: R, contract: ct, call_data: encode(callData(name), 'cb'), amount: 0, gas: 1000000, gas_price: 1, abi_version: 3 });
  }
  return { protocol, reserve: 1, accounts: { [I]: 1000000, [R]: 2000000 }, show_store: false, updates };
}
