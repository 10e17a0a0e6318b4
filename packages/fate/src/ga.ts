/**
 * Generalized accounts on the VM (PROTOCOL.md §2.9): attaching an auth contract to an
 * account, and running its auth function to authorize a tx.
 *
 * Attach (`ga_attach`, tag 80): the contract is created at `blake2b(owner ‖ nonce)` (the
 * attach tx's nonce), its `init` runs on chain with the tx's gas, and the account becomes
 * generalized with the auth function's 32-byte name hash. The code must hold that function
 * returning a boolean (else `bad_function_hash` / `bad_auth_function_return_type`) and the
 * init call data must call `init`.
 *
 * Authorization: the auth data is call data of the account's auth function (its first 4
 * bytes of hash; else `wrong_auth_function`, undecodable: `bad_auth_data`). It runs as a
 * top-level call of the GA contract by the account, value 0, in the GA authentication
 * context (`opsAuth.ts`), with the meta tx's gas, gas price and fee. The node accepts it only
 * if the call returns `true` (`authenticate_false` otherwise; a revert or error is
 * `contract_error`). Whose store the call sees and whether its writes are kept is the
 * caller's choice, as in the node: on chain the account's contract store, written back; the
 * channel FSM checking a co-signed state uses the copy the channel keeps and drops the writes.
 */
import { decode, encode, type Encoded } from '@aechannel/codec';
import { bytesToHex } from '@noble/hashes/utils.js';
import { createdContractPk } from './callObject.js';
import { emptyChain, type ChainView } from './chainView.js';
import { isFate, resolveRules, type FateRules, type FateRulesPreset } from './channel.js';
import { calledFunction, decodeContractCode, decodeFateCode, encodeContractCode, INIT_ID, stripInit } from './code.js';
import { FateError } from './errors.js';
import { execute, type World } from './engine.js';
import type { GaAuthContext } from './opsAuth.js';
import { deserializeValue } from './serialize.js';
import { makeContractRecord, newContractStore, unpackCtVersion, type ChannelTrees, type ContractRecord } from './trees.js';

export type { GaAuthContext } from './opsAuth.js';

/** The most gas one VM run is given here (as for channel calls). */
const MAX_GAS = 1_000_000_000n;

function gasNumber(gas: bigint): number {
  if (typeof gas !== 'bigint' || gas < 0n) throw new FateError('FATE_INVALID_ARGUMENT', 'gas must be a non-negative bigint.', { context: { argument: 'gas' } });
  if (gas > MAX_GAS) throw new FateError('FATE_UNSUPPORTED', `Gas above ${MAX_GAS} is not supported.`, { context: { reason: 'gas', gas } });
  return Number(gas);
}

/** Parameters of {@link attachGaContract} (the fields of a GA attach tx, tag 80). */
export interface AttachGaContractParameters {
  /** The account that becomes generalized. */
  owner: Encoded<'ak'>;
  /** The attach tx's nonce (the contract id is `blake2b(owner ‖ nonce)`). */
  nonce: bigint;
  /** The contract-code object (`cb_` bytes). */
  code: Uint8Array;
  /** `blake2b` of the auth function's name (32 bytes). */
  authFun: Uint8Array;
  /** `(vm << 16) | abi`; FATE only. */
  ctVersion: bigint;
  /** Call data of `init`. */
  callData: Uint8Array;
  gas: bigint;
  gasPrice: bigint;
  chain?: ChainView;
  rules?: FateRulesPreset | FateRules;
}

/** What {@link attachGaContract} returns. */
export interface AttachGaContractResult {
  /** The trees with the contract (and its account) when `init` returned ok; else the input trees. */
  trees: ChannelTrees;
  contract: Encoded<'ct'>;
  /** Outcome of `init`. */
  returnType: 'ok' | 'revert' | 'error';
  returnValue: Uint8Array;
  gasUsed: bigint;
}

/**
 * Creates a GA contract on the chain's trees and runs its `init` (module doc).
 * @param trees - the chain's contracts (and their accounts)
 * @param p - the attach tx's fields, chain view and rules
 * @returns the new trees, the contract id and the `init` outcome
 * @throws {FateError} `FATE_WRONG_VM_VERSION` (not FATE), `FATE_INVALID_CODE`,
 *   `FATE_INVALID_ARGUMENT` (context `reason`: `bad_function_hash`,
 *   `bad_auth_function_return_type`, `bad_init_function`), `FATE_UNSUPPORTED`
 * @example const { trees: next, contract } = attachGaContract(chainTrees, { owner, nonce: 1n, code, authFun, ctVersion: 0x80003n, callData, gas: 50_000n, gasPrice: 1_000_000_000n });
 */
export function attachGaContract(trees: ChannelTrees, p: AttachGaContractParameters): AttachGaContractResult {
  const rules = resolveRules(p.rules);
  const { vm, abi } = unpackCtVersion(p.ctVersion);
  if (abi !== 3 || !isFate(vm)) throw new FateError('FATE_WRONG_VM_VERSION', `A GA contract must be FATE (vm 5, 7 or 8, abi 3), got ${vm}/${abi}.`, { context: { vm, abi } });
  if (!(p.authFun instanceof Uint8Array) || p.authFun.length !== 32) {
    throw new FateError('FATE_INVALID_ARGUMENT', 'authFun must be the 32-byte hash of the auth function name.', { context: { argument: 'authFun', reason: 'bad_function_hash' } });
  }
  const codeObject = decodeContractCode(p.code);
  const fate = decodeFateCode(codeObject.byteCode);
  const authId = bytesToHex(p.authFun.subarray(0, 4));
  const authFunction = fate.functions.get(authId);
  if (authFunction === undefined) throw new FateError('FATE_INVALID_ARGUMENT', 'The code has no function with the auth function hash.', { context: { argument: 'authFun', reason: 'bad_function_hash' } });
  if (authFunction.returnType.t !== 'boolean') {
    throw new FateError('FATE_INVALID_ARGUMENT', 'The auth function does not return a boolean.', { context: { argument: 'authFun', reason: 'bad_auth_function_return_type' } });
  }
  if (calledFunction(p.callData) !== INIT_ID) throw new FateError('FATE_INVALID_ARGUMENT', 'The call data does not call init.', { context: { argument: 'callData', reason: 'bad_init_function' } });
  const owner = decode(p.owner, 'ak');
  const pk = createdContractPk(owner, p.nonce);
  const hex = bytesToHex(pk);
  // Stored as a created contract is: init stripped for FATE_01, contract object v2 from FATE_02.
  const stored = vm === 5 ? encodeContractCode({ ...codeObject, byteCode: stripInit(fate) }) : p.code;
  const record = makeContractRecord({
    owner, ownerIsContract: false, vm, abi, code: stored, codeRef: undefined, objectVersion: vm >= 7 ? 2 : 1, active: true, referrers: [],
    deposit: 0n, store: newContractStore(),
  });
  const before: ChannelTrees = {
    ...trees,
    contracts: trees.contracts.set(hex, record),
    accounts: trees.accounts.has(hex) ? trees.accounts : trees.accounts.set(hex, { version: 1, nonce: 0n, balance: 0n }),
  };
  const world: World = { accounts: before.accounts, contracts: before.contracts };
  const result = execute({
    world, contract: pk, caller: owner, value: 0n, gas: gasNumber(p.gas), gasPrice: p.gasPrice, callData: p.callData, allowInit: true,
    rules, chain: p.chain ?? emptyChain, code: fate, onChain: true,
  });
  if (result.unsupported !== undefined) throw new FateError('FATE_UNSUPPORTED', `init reaches ${result.unsupported}, which this VM does not implement.`, { context: { reason: 'operation', op: result.unsupported } });
  const out = result.type === 'ok' ? { ...before, accounts: result.world.accounts, contracts: result.world.contracts } : trees;
  return { trees: out, contract: encode(pk, 'ct'), returnType: result.type, returnValue: result.returnValue, gasUsed: BigInt(result.gasUsed) };
}

/** Why the node refuses an authorization (its `aesc_utils`/`aeprimop` reasons). */
export type GaAuthFailure = 'no_contract' | 'wrong_abi_version' | 'wrong_auth_function' | 'bad_auth_data' | 'contract_error' | 'authenticate_false';

/** Parameters of {@link runGaAuth}. */
export interface RunGaAuthParameters {
  /** Trees holding the GA contract with the store the call is to see. */
  trees: ChannelTrees;
  /** The generalized account (caller and origin). */
  gaId: Encoded<'ak'>;
  /** Its contract. */
  contract: Encoded<'ct'>;
  /** `blake2b` of its auth function's name (32 bytes). */
  authFun: Uint8Array;
  /** The meta tx's auth data (call data of the auth function). */
  authData: Uint8Array;
  /** The meta tx's ABI version. */
  abiVersion: bigint;
  /** Gas the call is given, its price and the meta tx's fee (`Call.fee`). */
  gas: bigint;
  gasPrice: bigint;
  fee: bigint;
  /** `Auth.tx_hash` (and `Auth.tx` on chain). */
  auth: GaAuthContext;
  chain?: ChainView;
  rules?: FateRulesPreset | FateRules;
}

/** What {@link runGaAuth} returns. */
export interface RunGaAuthResult {
  /** The node accepts the authorization: the call returned `true`. */
  ok: boolean;
  /** Why not. */
  reason?: GaAuthFailure;
  /** The call's outcome; `undefined` when it did not run. */
  returnType: 'ok' | 'revert' | 'error' | undefined;
  returnValue: Uint8Array;
  gasUsed: bigint;
  /** The trees after the call (its store writes) when it returned ok; else the input trees. */
  trees: ChannelTrees;
}

function contractRecord(trees: ChannelTrees, contract: Encoded<'ct'>): ContractRecord | undefined {
  return trees.contracts.get(bytesToHex(decode(contract, 'ct')));
}

/**
 * Runs a generalized account's auth function for one authorization (module doc).
 * @param p - the trees with the contract, the account, its auth function, the meta tx's fields and the tx hash
 * @returns whether the node accepts it, why not, the call's outcome and gas, the trees after it
 * @throws {FateError} `FATE_UNSUPPORTED` (an op this VM does not run, gas above 10⁹), `FATE_INVALID_ARGUMENT`
 * @example
 * const r = runGaAuth({ trees, gaId, contract, authFun, authData: layer.authData, abiVersion: 3n,
 *   gas: layer.gas, gasPrice: layer.gasPrice, fee: layer.fee, auth: { txHash } });
 * if (!r.ok) console.log(r.reason);
 */
export function runGaAuth(p: RunGaAuthParameters): RunGaAuthResult {
  const rules = resolveRules(p.rules);
  const notRun = (reason: GaAuthFailure): RunGaAuthResult => ({ ok: false, reason, returnType: undefined, returnValue: new Uint8Array(), gasUsed: 0n, trees: p.trees });
  if (!(p.authFun instanceof Uint8Array) || p.authFun.length !== 32) throw new FateError('FATE_INVALID_ARGUMENT', 'authFun must be 32 bytes.', { context: { argument: 'authFun' } });
  if (!(p.auth?.txHash instanceof Uint8Array) || p.auth.txHash.length !== 32) throw new FateError('FATE_INVALID_ARGUMENT', 'auth.txHash must be 32 bytes.', { context: { argument: 'auth' } });
  const record = contractRecord(p.trees, p.contract);
  if (record === undefined) return notRun('no_contract');
  if (BigInt(record.abi) !== p.abiVersion) return notRun('wrong_abi_version');
  const called = calledFunction(p.authData);
  if (called === undefined) return notRun('bad_auth_data');
  if (called !== bytesToHex(p.authFun.subarray(0, 4))) return notRun('wrong_auth_function');
  const caller = decode(p.gaId, 'ak');
  const world: World = { accounts: p.trees.accounts, contracts: p.trees.contracts };
  const result = execute({
    world, contract: decode(p.contract, 'ct'), caller, value: 0n, gas: gasNumber(p.gas), gasPrice: p.gasPrice, callData: p.authData, allowInit: false,
    rules, chain: p.chain ?? emptyChain, auth: p.auth, fee: p.fee,
  });
  if (result.unsupported !== undefined) throw new FateError('FATE_UNSUPPORTED', `The auth function reaches ${result.unsupported}, which this VM does not implement.`, { context: { reason: 'operation', op: result.unsupported } });
  const base = { returnType: result.type, returnValue: result.returnValue, gasUsed: BigInt(result.gasUsed) };
  if (result.type !== 'ok') return { ok: false, reason: 'contract_error', ...base, trees: p.trees };
  let accepted = false;
  try {
    accepted = deserializeValue(result.returnValue) === true;
  } catch {
    accepted = false;
  }
  const trees = { ...p.trees, accounts: result.world.accounts, contracts: result.world.contracts };
  return accepted ? { ok: true, ...base, trees } : { ok: false, reason: 'authenticate_false', ...base, trees };
}

/**
 * The trees with a contract's store replaced by another one (the node runs a channel's
 * off-chain authorizations on the copy of the GA contract's store taken when the channel
 * was created, PROTOCOL.md §2.10 `initiator_auth`/`responder_auth`).
 * @param trees - trees holding the contract
 * @param contract - the contract
 * @param store - the store to use (`ContractRecord.store`)
 * @returns the new trees
 * @throws {FateError} `FATE_UNKNOWN_CONTRACT`
 * @example withContractStore(chainTrees, gaContract, snapshot)
 */
export function withContractStore(trees: ChannelTrees, contract: Encoded<'ct'>, store: ContractRecord['store']): ChannelTrees {
  const hex = bytesToHex(decode(contract, 'ct'));
  const record = trees.contracts.get(hex);
  if (record === undefined) throw new FateError('FATE_UNKNOWN_CONTRACT', `Contract ${contract} is not in the trees.`, { context: { contract } });
  return { ...trees, contracts: trees.contracts.set(hex, { ...record, store }) };
}
