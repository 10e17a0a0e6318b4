/**
 * The `errors-*` scenarios: one small assembled contract per runtime error (or edge case)
 * of the node, created and called once each. `buildErrorsScenario('ceres')` gives the
 * scenario to pipe through fate-oracle.
 */
import { encode } from '@aechannel/codec';
import { assemble, arg, callData, imm, st, vr, fnId } from '../../asm.js';
import { createdContractId } from '../../../src/index.js';
import { fString, fTuple, fBytes, listFromArray, fVariant, fObject, fBits, fTypeRep, EMPTY_MAP, type FateValue } from '../../../src/values.js';
import { T, type FateType } from '../../../src/types.js';
const I = 'ak_11111111111111111111111111111118qjnEr';
const R = 'ak_1111111111111111111111111111111Hrt6FG';
type Case = { name: string; code: [string, ...unknown[]][]; args?: FateValue[]; argTypes?: FateType[]; ret?: FateType };
const bigs = fString('a'.repeat(70));
const cases: Case[] = [
  { name: 'add_str', code: [['ADD', st, imm(1), imm(fString('x'))], ['RETURN']] },
  { name: 'add_tuple', code: [['ADD', st, imm(fTuple([1n, fString('abc'), listFromArray([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n])])), imm(2)], ['RETURN']] },
  { name: 'add_deep', code: [['ADD', st, imm(fTuple([fTuple([fTuple([fTuple([fTuple([fTuple([1n])])])])])])), imm(2)], ['RETURN']] },
  { name: 'add_bin', code: [['ADD', st, imm(fBytes(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]))), imm(2)], ['RETURN']] },
  { name: 'add_longstr', code: [['ADD', st, imm(bigs), imm(2)], ['RETURN']] },
  { name: 'add_map', code: [['ADD', st, imm(EMPTY_MAP), imm(true)], ['RETURN']] },
  { name: 'add_variant', code: [['ADD', st, imm(fVariant([0, 1], 1, [fString('hi')])), imm(fBits(5n))], ['RETURN']] },
  { name: 'add_addr', code: [['ADD', st, imm(fObject('address', new Uint8Array(32).fill(1))), imm(fTypeRep(T.integer))], ['RETURN']] },
  { name: 'not_int', code: [['NOT', st, imm(3)], ['RETURN']] },
  { name: 'hd_int', code: [['HD', st, imm(3)], ['RETURN']] },
  { name: 'elem_oob', code: [['ELEMENT', st, imm(5), imm(fTuple([1n, 2n]))], ['RETURN']] },
  { name: 'elem_bad', code: [['ELEMENT', st, imm(0), imm(3)], ['RETURN']] },
  { name: 'undef_var', code: [['RETURNR', vr(3)]] },
  { name: 'undef_arg', code: [['RETURNR', arg(3)]] },
  { name: 'jump_bad', code: [['JUMP', imm(7)]] },
  { name: 'call_undef', code: [['CALL', imm(fString(fnId('nope')))]] },
  { name: 'map_lookup_bad', code: [['MAP_LOOKUP', st, imm(3), imm(1)], ['RETURN']] },
  { name: 'map_missing', code: [['MAP_LOOKUP', st, imm(EMPTY_MAP), imm(1)], ['RETURN']] },
  { name: 'pop_empty', code: [['POP', vr(0)], ['RETURNR', imm(1)]] },
  { name: 'bits_neg', code: [['BITS_SET', st, imm(fBits(0n)), imm(-5)], ['RETURN']] },
  { name: 'bits_sum_inf', code: [['BITS_SUM', st, imm(fBits(-1n))], ['RETURN']] },
  { name: 'int_to_addr', code: [['INT_TO_ADDR', st, imm(1)], ['RETURN']] },
  { name: 'microblock', code: [['MICROBLOCK', st], ['RETURN']] },
  { name: 'oracle_reg', code: [['ORACLE_REGISTER', st, imm(1), imm(1), imm(1), imm(1), imm(1), imm(1)], ['RETURN']] },
  { name: 'switch_bad', code: [['SWITCH_V2', imm(fVariant([0, 0, 0], 0, [])), imm(0), imm(0)]] },
  { name: 'variant_bad', code: [['VARIANT', st, imm(listFromArray([0n, 1n])), imm(1), imm(0)], ['RETURN']] },
  { name: 'str_join_bad', code: [['STR_JOIN', st, imm(fString('a')), imm(5)], ['RETURN']] },
  { name: 'tuple_big', code: [['PUSH', imm(1)], ['TUPLE', st, imm(1)], ['RETURN']] },
  { name: 'log_bad', code: [['LOG1', imm(fString('x')), imm(-1)], ['RETURNR', imm(1)]] },
  { name: 'log_bits', code: [['LOG1', imm(fString('x')), imm(fBits(-1n))], ['RETURNR', imm(1)]] },
  { name: 'spend_neg', code: [['SPEND', imm(fObject('address', new Uint8Array(32))), imm(-1)], ['RETURNR', imm(1)]] },
  { name: 'dup_bad', code: [['DUP', imm(4)], ['RETURN']] },
  { name: 'setel_bad', code: [['SETELEMENT', st, imm(9), imm(fTuple([1n])), imm(2)], ['RETURN']] },
  { name: 'mapupd_bad', code: [['MAP_UPDATE', st, imm(EMPTY_MAP), imm(EMPTY_MAP), imm(2)], ['RETURN']] },
  { name: 'bsplit_bad', code: [['BYTES_SPLIT', st, imm(fBytes(Uint8Array.of(1))), imm(5)], ['RETURN']] },
  { name: 'cmp_mixed', code: [['LT', st, imm(1), imm(fString('a'))], ['RETURN']] },
  { name: 'ret_type', code: [['RETURNR', imm(fString('x'))]], ret: T.integer },
  { name: 'argtype', code: [['RETURNR', imm(1)]], args: [fString('notint')], argTypes: [T.integer] },
  { name: 'arity', code: [['RETURNR', imm(1)]], args: [1n, 2n], argTypes: [T.integer] },
  { name: 'abort_ok', code: [['ABORT', imm(fString('stop here'))]] },
  { name: 'exit_ok', code: [['EXIT', imm(fString('bye bye'))]] },
  { name: 'remote_bad', code: [['CALL_R', imm(fObject('contract', new Uint8Array(32).fill(9))), imm(fString(fnId('f'))), imm(fTypeRep(T.tuple([]))), imm(fTypeRep(T.any)), imm(0)], ['RETURN']] },
  { name: 'gascap_bad', code: [['CALL_GR', imm(fObject('contract', new Uint8Array(32).fill(9))), imm(fString(fnId('f'))), imm(fTypeRep(T.tuple([]))), imm(fTypeRep(T.any)), imm(0), imm(-3)], ['RETURN']] },
  { name: 'jumpif_int', code: [['JUMPIF', imm(1), imm(0)], ['RETURNR', imm(1)]] },
  { name: 'inc_str', code: [['INC', imm(fString('s'))], ['RETURNR', imm(1)]] },
  { name: 'abort_int', code: [['ABORT', imm(5)]] },
  { name: 'strlen_bad', code: [['STR_LENGTH', st, imm(fString(Uint8Array.of(0xff, 0xfe)))], ['RETURN']] },
  { name: 'strlen_int', code: [['STR_LENGTH', st, imm(7)], ['RETURN']] },
  { name: 'bal_other_int', code: [['BALANCE_OTHER', st, imm(7)], ['RETURN']] },
  { name: 'switch_int', code: [['SWITCH_V2', imm(7), imm(0), imm(0)]] },
  { name: 'log_int', code: [['LOG0', imm(7)], ['RETURNR', imm(1)]] },
  { name: 'from_list_bad', code: [['STR_FROM_LIST', st, imm(listFromArray([-1n]))], ['RETURN']] },
  { name: 'char_to_int_bad', code: [['CHAR_TO_INT', st, imm(fString('c'))], ['RETURN']] },
  { name: 'remote_val_bad', code: [['CALL_R', imm(fObject('contract', new Uint8Array(32).fill(9))), imm(fString(fnId('f'))), imm(fTypeRep(T.tuple([]))), imm(fTypeRep(T.any)), imm(fString('v'))], ['RETURN']] },
  { name: 'print_list', code: [['ADD', st, imm(listFromArray([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n])), imm(1)], ['RETURN']] },
  { name: 'print_str_list', code: [['ADD', st, imm(listFromArray([104n, 105n])), imm(1)], ['RETURN']] },
  { name: 'print_map', code: [['ADD', st, imm({ kind: 'map', entries: new Map([['02', [1n, fString('a')]], ['04', [2n, fString('b')]]]) } as never), imm(1)], ['RETURN']] },
  { name: 'print_neg_bits', code: [['ADD', st, imm(fBits(-12n)), imm(-99999999999999999999n)], ['RETURN']] },
  { name: 'print_escape', code: [['ADD', st, imm(fString('a"b\\c\n')), imm(1)], ['RETURN']] },
  { name: 'print_long_tuple', code: [['ADD', st, imm(fTuple([bigs, bigs, bigs, bigs, bigs])), imm(1)], ['RETURN']] },
  { name: 'print_addrs', code: [['ADD', st, imm(listFromArray([fObject('address', new Uint8Array(32).fill(200)), fObject('address', new Uint8Array(32).fill(201))])), imm(1)], ['RETURN']] },
  { name: 'print_utf8', code: [['ADD', st, imm(fString('héllo')), imm(1)], ['RETURN']] },
];
/** Names of the cases, in call order. */
export const errorCaseNames: readonly string[] = cases.map((c) => c.name);

/** The scenario for a protocol. */
export function buildErrorsScenario(protocol: 'ceres' | 'iris'): unknown {
  const updates: unknown[] = [];
  let round = 2n;
  for (const c of cases) {
    const code = assemble([{ name: 'f', args: c.argTypes ?? [], ret: c.ret ?? T.any, code: c.code as never }, { name: 'init', args: [], ret: T.unit, code: [['RETURNR', imm(fTuple([]))]] }]);
    updates.push({ op: 'new_contract', owner: I, code: encode(code, 'cb'), call_data: encode(callData('init'), 'cb'), deposit: 0, vm_version: protocol === 'ceres' ? 8 : 7, abi_version: 3 });
    const ct = createdContractId(I, round);
    updates.push({ op: 'call_contract', caller: R, contract: ct, call_data: encode(callData('f', c.args ?? []), 'cb'), amount: 0, gas: 1000000, gas_price: 1, abi_version: 3 });
    round += 2n;
  }
  return { protocol, reserve: 1, accounts: { [I]: 1000000, [R]: 2000000 }, updates };
}
