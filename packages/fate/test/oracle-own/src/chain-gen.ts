/**
 * The `chain-*` scenarios: environment and chain-object reads against the oracle's empty
 * on-chain state (oracle checks and reads of absent oracles, IS_* tests, BYTECODE_HASH,
 * AUTH_TX, NETWORK_ID, CREATOR, BALANCE_OTHER). `buildChainScenario('ceres')`.
 */
import { encode } from '@aechannel/codec';
import { assemble, callData, imm, st } from '../../asm.js';
import { createdContractId } from '../../../src/index.js';
import { fTuple, fString, fObject, fTypeRep } from '../../../src/values.js';
import { T } from '../../../src/types.js';
const I = 'ak_11111111111111111111111111111118qjnEr';
const R = 'ak_1111111111111111111111111111111Hrt6FG';
const o = fObject('oracle', new Uint8Array(32).fill(3));
const q = fObject('oracle_query', new Uint8Array(32).fill(4));
const cases: [string, [string, ...unknown[]][]][] = [
  ['is_oracle', [['IS_ORACLE', st, imm(fObject('address', new Uint8Array(32).fill(3)))], ['RETURN']]],
  ['is_contract', [['IS_CONTRACT', st, imm(fObject('address', new Uint8Array(32).fill(3)))], ['RETURN']]],
  ['is_payable', [['IS_PAYABLE', st, imm(fObject('address', new Uint8Array(32).fill(3)))], ['RETURN']]],
  ['is_payable_self', [['ADDRESS', st], ['IS_PAYABLE', st, st], ['RETURN']]],
  ['oracle_check', [['ORACLE_CHECK', st, imm(o), imm(fTypeRep(T.string)), imm(fTypeRep(T.string))], ['RETURN']]],
  ['oracle_check_query', [['ORACLE_CHECK_QUERY', st, imm(o), imm(q), imm(fTypeRep(T.string)), imm(fTypeRep(T.string))], ['RETURN']]],
  ['oracle_query_fee', [['ORACLE_QUERY_FEE', st, imm(o)], ['RETURN']]],
  ['oracle_get_question', [['ORACLE_GET_QUESTION', st, imm(o), imm(q), imm(fTypeRep(T.string)), imm(fTypeRep(T.string))], ['RETURN']]],
  ['oracle_get_answer', [['ORACLE_GET_ANSWER', st, imm(o), imm(q), imm(fTypeRep(T.string)), imm(fTypeRep(T.string))], ['RETURN']]],
  ['oracle_expiry', [['ORACLE_EXPIRY', st, imm(o)], ['RETURN']]],
  ['network_id', [['NETWORK_ID', st], ['RETURN']]],
  ['balance_other', [['BALANCE_OTHER', st, imm(fObject('address', new Uint8Array(32).fill(3)))], ['RETURN']]],
  ['creator', [['CREATOR', st], ['RETURN']]],
  ['bytecode_hash', [['ADDRESS', st], ['ADDRESS_TO_CONTRACT', st, st], ['BYTECODE_HASH', st, st], ['RETURN']]],
  ['bytecode_hash_none', [['BYTECODE_HASH', st, imm(fObject('contract', new Uint8Array(32).fill(3)))], ['RETURN']]],
  ['poseidon', [['POSEIDON', st, imm(1), imm(2)], ['RETURN']]],
  ['poseidon_big', [['POSEIDON', st, imm(2n ** 200n), imm(3)], ['RETURN']]],
  ['poseidon_neg', [['POSEIDON', st, imm(-1), imm(2)], ['RETURN']]],
  ['poseidon_str', [['POSEIDON', st, imm(fString('a')), imm(2)], ['RETURN']]],
  ['auth_tx', [['AUTH_TX', st], ['RETURN']]],
];
/** Names of the cases, in call order. */
export const chainCaseNames: readonly string[] = cases.map((c) => c[0]);

/** The scenario for a protocol. */
export function buildChainScenario(p: 'ceres' | 'iris'): unknown {
  const updates: unknown[] = [];
  let round = 2n;
  for (const [, code] of cases) {
    const c = assemble([{ name: 'f', args: [], ret: T.any, code: code as never }, { name: 'init', args: [], ret: T.unit, code: [['RETURNR', imm(fTuple([]))]] }]);
    updates.push({ op: 'new_contract', owner: I, code: encode(c, 'cb'), call_data: encode(callData('init'), 'cb'), deposit: 0, vm_version: p === 'ceres' ? 8 : 7, abi_version: 3 });
    updates.push({ op: 'call_contract', caller: R, contract: createdContractId(I, round), call_data: encode(callData('f'), 'cb'), amount: 0, gas: 1000000, gas_price: 1, abi_version: 3 });
    round += 2n;
  }
  return { protocol: p, reserve: 1, accounts: { [I]: 1000000, [R]: 2000000 }, updates };
}
