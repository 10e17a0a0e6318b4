/**
 * The `calls-*` scenarios: the order in which the node enters a remote callee, returns from
 * it and unwinds after a failure, pinned with small assembled contracts. What each case
 * shows about the node:
 *
 * - loading the callee's code costs 4 900 gas before its existence is known (`missing_*`);
 * - the target's type is checked after the arguments are popped and the gas cap is set, with
 *   the message of a type error (`nontarget`);
 * - a protected call that fails while being entered (missing contract, non-contract
 *   target, gas cap below the code load, bad gas cap, negative value, signature mismatch)
 *   goes back to the state after popping its arguments and pushes `None` (`p*` entering
 *   cases): the code load is not charged;
 * - argument types are checked before the declared signature (`argorder`);
 * - a jump to a missing block is checked after the instruction, so no protected call
 *   catches it (`pbadjump`);
 * - a protected call's return check refunds its traversal when it fails, and a failure in
 *   the caller's unfold of the result unwinds to the callee's marker (`pbig` at many gas
 *   limits, `pbadret`);
 * - events of a failed protected call stay (`plogfail`), unwinding passes local frames
 *   (`pdeep`) and an unprotected failure inside a protected call (`nested`);
 * - a local CALL looks the function up (any operand naming none is an undefined function),
 *   pops the arguments, then checks `init`; TUPLE and VARIANT pop one value at a time
 *   (`local_*`, `tuple_short`, `variant_short`); before Iris a short stack gives a remote
 *   call fewer arguments (`remote_short`);
 * - a protected CLONE whose `init` fails after being entered leaves the value in the
 *   removed contract's account, one that fails while being entered sends it back
 *   (`clone_*`); before FATE_03 an unprotected CLONE whose `init` fails runs its
 *   continuation on the top of the stack while unwinding (`cloneu_*`).
 *
 * `buildCallsScenario('ceres' | 'iris' | 'lima')`; lima runs the FATE_02 contracts (vm 7)
 * under Lima's gas schedule.
 */
import { decode, encode } from '@aechannel/codec';
import { arg, assemble, callData, fnId, imm, st, type AsmFunction } from '../../asm.js';
import { createdContractId } from '../../../src/index.js';
import { T, type FateType } from '../../../src/types.js';
import { fObject, fString, fTuple, fTypeRep, listFromArray, type FateValue } from '../../../src/values.js';

const I = 'ak_11111111111111111111111111111118qjnEr';
const R = 'ak_1111111111111111111111111111111Hrt6FG';
const UNIT = fTuple([]);
const MISSING = fObject('contract', new Uint8Array(32).fill(9));

type Ins = [string, ...unknown[]];
const fn = (name: string, args: FateType[], ret: FateType, code: Ins[], o: { payable?: boolean; private?: boolean } = {}): AsmFunction => ({
  name, args, ret, code: code as never, ...o,
});
const initUnit = fn('init', [], T.unit, [['RETURNR', imm(UNIT)]]);
const ct = (pk: Uint8Array): FateValue => fObject('contract', pk);
const id = (name: string): FateValue => fString(fnId(name));
const typ = (t: FateType): FateValue => fTypeRep(t);
/** CALL_R / CALL_GR / CALL_PGR to `target.name` with declared argument and return types. */
const callR = (target: FateValue, name: FateValue, args: FateType[], ret: FateType, value: FateValue = 0n): Ins => ['CALL_R', imm(target), imm(name), imm(typ(T.tuple(args))), imm(typ(ret)), imm(value)];
const callGR = (target: FateValue, name: FateValue, args: FateType[], ret: FateType, cap: FateValue, value: FateValue = 0n): Ins => ['CALL_GR', imm(target), imm(name), imm(typ(T.tuple(args))), imm(typ(ret)), imm(value), imm(cap)];
const callPGR = (target: FateValue, name: FateValue, args: FateType[], ret: FateType, cap: FateValue, value: FateValue = 0n): Ins => ['CALL_PGR', imm(target), imm(name), imm(typ(T.tuple(args))), imm(typ(ret)), imm(value), imm(cap), imm(true)];

/** The callee: functions that return, fail and misbehave in the ways the cases need. */
const callee = [
  initUnit,
  fn('id', [T.integer], T.integer, [['RETURNR', arg(0)]]),
  fn('id2', [T.integer, T.integer], T.integer, [['RETURNR', arg(0)]]),
  fn('badjump', [], T.integer, [['JUMP', imm(7)]]),
  fn('bigret', [T.integer], T.any, [['RETURNR', imm(listFromArray(Array.from({ length: 300 }, (_, i) => BigInt(i))))]]),
  fn('badret', [], T.integer, [['RETURNR', imm(fString('x'))]]),
  fn('logfail', [], T.integer, [['LOG1', imm(fString('hello')), imm(5)], ['ABORT', imm(fString('no'))]]),
  fn('loop', [], T.integer, [['JUMP', imm(0)]]),
  fn('deep', [], T.integer, [['PUSH', imm(1)], ['CALL', imm(id('inner'))], ['RETURN']]),
  fn('inner', [T.integer], T.integer, [['PUSH', imm(7)], ['EXIT', imm(fString('inner failed'))]]),
];

/** A contract between: its own unprotected calls fail inside a protected call. */
const relay = (calleePk: Uint8Array): AsmFunction[] => [
  initUnit,
  fn('arity', [], T.any, [['PUSH', imm(1)], ['PUSH', imm(2)], callGR(ct(calleePk), id('id'), [T.integer, T.integer], T.integer, 50000n), ['RETURN']]),
  fn('revert', [], T.any, [callR(ct(calleePk), id('logfail'), [], T.integer), ['RETURN']]),
];

/**
 * The contract to clone. `init(n)`: 0 aborts with nothing on the stack, 1 exits, 2 loops
 * until out of gas, 3 aborts with `{}` on top of the stack, 4 with an integer there,
 * anything else returns.
 */
const child = [
  fn('init', [T.integer], T.unit, [
    ['EQ', st, arg(0), imm(0)], ['JUMPIF', st, imm(6)],
    ['EQ', st, arg(0), imm(1)], ['JUMPIF', st, imm(7)],
    ['EQ', st, arg(0), imm(2)], ['JUMPIF', st, imm(8)],
    ['EQ', st, arg(0), imm(3)], ['JUMPIF', st, imm(9)],
    ['EQ', st, arg(0), imm(4)], ['JUMPIF', st, imm(10)],
    ['RETURNR', imm(UNIT)],
    ['ABORT', imm(fString('init zero'))],
    ['EXIT', imm(fString('init one'))],
    ['JUMP', imm(8)],
    ['PUSH', imm(UNIT)], ['ABORT', imm(fString('init three'))],
    ['PUSH', imm(44)], ['ABORT', imm(fString('init four'))],
  ], { payable: true }),
  fn('get', [], T.integer, [['RETURNR', imm(1)]]),
];

const main = (calleePk: Uint8Array, relayPk: Uint8Array, childPk: Uint8Array): AsmFunction[] => {
  const C = ct(calleePk);
  const clone = (name: string, extra: Ins): AsmFunction => fn(name, [T.integer], T.any, [['PUSH', arg(0)], extra, ['RETURN']], { payable: true });
  const childT = typ(T.tuple([T.integer]));
  return [
    initUnit,
    fn('missing', [], T.any, [callR(MISSING, id('f'), [], T.any), ['RETURN']]),
    fn('nontarget', [], T.any, [['PUSH', imm(1)], callR(5n, id('id'), [T.integer], T.any), ['RETURN']]),
    fn('pmissing', [], T.any, [callPGR(MISSING, id('f'), [], T.any, 100000n), ['RETURN']]),
    fn('pnontarget', [], T.any, [callPGR(7n, id('f'), [], T.any, 100000n), ['RETURN']]),
    fn('argorder', [], T.any, [['PUSH', imm(fString('x'))], callR(C, id('id'), [T.string], T.integer), ['RETURN']]),
    fn('pcaplow', [], T.any, [['PUSH', imm(1)], callPGR(C, id('id'), [T.integer], T.integer, 100n), ['RETURN']]),
    fn('pbadcap', [], T.any, [callPGR(C, id('badret'), [], T.integer, -1n), ['RETURN']]),
    fn('badcap', [], T.any, [callGR(C, id('badret'), [], T.integer, -1n), ['RETURN']]),
    fn('pnegval', [], T.any, [['PUSH', imm(1)], callPGR(C, id('id'), [T.integer], T.integer, 100000n, -5n), ['RETURN']]),
    fn('psig', [], T.any, [['PUSH', imm(1)], callPGR(C, id('id'), [T.integer], T.string, 100000n), ['RETURN']]),
    fn('pnofn', [], T.any, [callPGR(C, id('nope'), [], T.integer, 100000n), ['RETURN']]),
    fn('pbadjump', [], T.any, [callPGR(C, id('badjump'), [], T.integer, 100000n), ['RETURN']]),
    fn('pbig', [], T.any, [['PUSH', imm(1)], callPGR(C, id('bigret'), [T.integer], T.any, 100000n), ['RETURN']]),
    fn('pbadret', [], T.any, [callPGR(C, id('badret'), [], T.integer, 100000n), ['RETURN']]),
    fn('plogfail', [], T.any, [['LOG0', imm(fString('before'))], callPGR(C, id('logfail'), [], T.integer, 100000n), ['RETURN']]),
    fn('ploop', [], T.any, [callPGR(C, id('loop'), [], T.integer, 20000n), ['RETURN']]),
    fn('pdeep', [], T.any, [callPGR(C, id('deep'), [], T.integer, 100000n), ['RETURN']]),
    fn('nested', [], T.any, [callPGR(ct(relayPk), id('arity'), [], T.any, 200000n), ['RETURN']]),
    fn('nested_revert', [], T.any, [callPGR(ct(relayPk), id('revert'), [], T.any, 200000n), ['RETURN']]),
    fn('remote_short', [], T.any, [['PUSH', imm(1)], callR(C, id('id2'), [T.integer, T.integer], T.integer), ['RETURN']]),
    clone('clone_p', ['CLONE', imm(ct(childPk)), imm(childT), imm(7n), imm(true)]),
    clone('clone_pg', ['CLONE_G', imm(ct(childPk)), imm(childT), imm(7n), imm(100n), imm(true)]),
    clone('clone_pg_loop', ['CLONE_G', imm(ct(childPk)), imm(childT), imm(7n), imm(8000n), imm(true)]),
    clone('cloneu', ['CLONE', imm(ct(childPk)), imm(childT), imm(0n), imm(false)]),
  ];
};

/** Local calls and pops; `init` takes an argument so that calling it pops one. */
const locals = [
  fn('init', [T.integer], T.unit, [['RETURNR', imm(UNIT)]]),
  fn('local_nonstring', [], T.any, [['CALL', imm(5n)]]),
  fn('local_nonstring_t', [], T.any, [['CALL_T', imm(fTuple([]))]]),
  fn('local_init', [], T.any, [['CALL', imm(id('init'))]]),
  fn('local_init_full', [], T.any, [['PUSH', imm(1)], ['CALL', imm(id('init'))]]),
  fn('local_two', [], T.any, [['PUSH', imm(1)], ['CALL', imm(id('two'))], ['RETURN']]),
  fn('two', [T.integer, T.integer], T.any, [['RETURNR', arg(0)]]),
  fn('tuple_short', [], T.any, [['PUSH', imm(1)], ['TUPLE', st, imm(3)], ['RETURN']]),
  fn('variant_short', [], T.any, [['PUSH', imm(1)], ['VARIANT', st, imm(listFromArray([0n, 3n])), imm(1), imm(3)], ['RETURN']]),
];

/** The scenario for a protocol. */
export function buildCallsScenario(protocol: 'ceres' | 'iris' | 'lima'): unknown {
  const vm = protocol === 'ceres' ? 8 : 7;
  const updates: unknown[] = [];
  let round = 2n;
  const create = (fns: AsmFunction[], initArgs: FateValue[] = []): Uint8Array => {
    updates.push({ op: 'new_contract', owner: I, code: encode(assemble(fns), 'cb'), call_data: encode(callData('init', initArgs), 'cb'), deposit: 0, vm_version: vm, abi_version: 3 });
    const pk = decode(createdContractId(I, round), 'ct');
    round += 1n;
    return pk;
  };
  const call = (pk: Uint8Array, name: string, args: FateValue[] = [], o: { gas?: number; amount?: number } = {}): void => {
    updates.push({
      op: 'call_contract', caller: R, contract: encode(pk, 'ct'), call_data: encode(callData(name, args), 'cb'),
      amount: o.amount ?? 0, gas: o.gas ?? 1000000, gas_price: 1, abi_version: 3,
    });
    round += 1n;
  };
  const calleePk = create(callee);
  const relayPk = create(relay(calleePk));
  const childPk = create(child, [9n]);
  const mainPk = create(main(calleePk, relayPk, childPk));
  const localsPk = create(locals, [1n]);
  for (const gas of [100, 4000, 5000, 6000]) call(mainPk, 'missing', [], { gas });
  for (const name of ['nontarget', 'pmissing', 'pnontarget', 'argorder', 'pcaplow', 'pbadcap', 'badcap', 'pnegval', 'psig', 'pnofn', 'pbadjump']) call(mainPk, name);
  for (const gas of [5100, 5200, 5300, 5400, 5500, 5600, 5700, 5800, 5900, 6000, 6100, 7000]) call(mainPk, 'pbig', [], { gas });
  for (const name of ['pbig', 'pbadret', 'plogfail', 'ploop', 'pdeep', 'nested', 'nested_revert']) call(mainPk, name);
  for (const n of [9n, 0n, 1n, 2n, 3n]) call(mainPk, 'clone_p', [n], { amount: 100 });
  call(mainPk, 'clone_pg', [9n], { amount: 100 });
  for (const n of [9n, 2n]) call(mainPk, 'clone_pg_loop', [n], { amount: 100 });
  for (const n of [9n, 0n, 1n, 2n, 3n, 4n]) call(mainPk, 'cloneu', [n]);
  call(mainPk, 'remote_short');
  for (const name of ['local_nonstring', 'local_nonstring_t', 'local_init', 'local_init_full', 'local_two', 'tuple_short', 'variant_short']) call(localsPk, name);
  return { protocol, reserve: 1, accounts: { [I]: 1000000, [R]: 2000000 }, show_store: true, updates };
}
