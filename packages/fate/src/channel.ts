/**
 * Applying off-chain updates to channel state trees, in the node's order of operations
 * (`aesc_offchain_update:apply_on_trees`, `aect_channel_contract`; CONTRACTS.md §2.2–2.6):
 * transfer, deposit, withdraw, create contract, call contract and meta. Pure: the input
 * trees are never changed, chain values come from the context's chain view.
 */
import {
  decode,
  encode,
  Tag,
  type ChannelOffChainUpdate,
  type ChannelOffChainUpdateCallContract,
  type ChannelOffChainUpdateCreateContract,
  type Encoded,
} from '@aechannel/codec';
import { bytesToHex } from '@noble/hashes/utils.js';
import { callKey, createdContractPk, serializeCallObject, type CallObject } from './callObject.js';
import { emptyChain, type ChainView } from './chainView.js';
import { calledFunction, decodeContractCode, decodeFateCode, encodeContractCode, INIT_ID, stripInit } from './code.js';
import { FateError } from './errors.js';
import { execute, type ExecutionResult, type World } from './engine.js';
import { PMap } from './pmap.js';
import { makeContractRecord, newContractStore, unpackCtVersion, type ChannelTrees } from './trees.js';

/** Node rules a VM run follows. */
export interface FateRules {
  /** Consensus protocol of the environment: 4 Lima, 5 Iris, 6 Ceres (gas schedule, checks, refunds). */
  readonly consensus: 4 | 5 | 6;
  /** Store FATE_02 contracts as contract object v1 (the recordings' early-Iris node). */
  readonly contractObjectV1ForVm7: boolean;
  /** Strip `init` from stored FATE_02 code (the recordings' early-Iris node; FATE_01 always). */
  readonly stripInitVm7: boolean;
  /** Replace the stored compiler version by `unknown` (today's node at consensus ≤ Lima). */
  readonly unknownCompilerVersion: boolean;
}

/** Named rule presets, like the devnode's node-version presets. */
export type FateRulesPreset = 'ceres' | 'iris' | 'early-iris';

/**
 * The presets: `ceres` (today's node, consensus 6, the default), `iris` (consensus 5) and
 * `early-iris` (the node of the contract recordings: Lima gas schedule, vm-7 contracts
 * stored as object v1 with `init` stripped; CONTRACTS.md §10).
 */
export const fateRulesPresets: Readonly<Record<FateRulesPreset, FateRules>> = Object.freeze({
  ceres: Object.freeze({ consensus: 6, contractObjectV1ForVm7: false, stripInitVm7: false, unknownCompilerVersion: false }),
  iris: Object.freeze({ consensus: 5, contractObjectV1ForVm7: false, stripInitVm7: false, unknownCompilerVersion: false }),
  'early-iris': Object.freeze({ consensus: 4, contractObjectV1ForVm7: true, stripInitVm7: true, unknownCompilerVersion: false }),
});

/** Resolves a preset name or rules (default `ceres`). */
export function resolveRules(rules: FateRulesPreset | FateRules | undefined): FateRules {
  if (rules === undefined) return fateRulesPresets.ceres;
  if (typeof rules === 'string') {
    const r = fateRulesPresets[rules];
    if (r === undefined) throw new FateError('FATE_INVALID_ARGUMENT', `Unknown rules preset ${String(rules)}.`, { context: { argument: 'rules' } });
    return r;
  }
  return rules;
}

/** Where and how an update is applied. */
export interface UpdateContext {
  /** Round of the new state (last co-signed round + 1). */
  readonly round: bigint;
  /** Channel reserve. */
  readonly reserve: bigint;
  /** The pinned chain environment (default {@link emptyChain}). */
  readonly chain?: ChainView;
  /** Node rules (default `ceres`). */
  readonly rules?: FateRulesPreset | FateRules;
}

/**
 * A chain-environment value a run read: `height`, `timestamp`, `beneficiary`, `difficulty`,
 * `networkId`, or a lookup `keyBlockHash:<height>`, `balance:<ak_…>`, `isContract:<ak_…>`,
 * `isOracle:<ak_…>`, `isPayable:<ak_…>`. Two parties whose chain views agree on these values
 * get the same result.
 */
export type ChainRead =
  | 'height'
  | 'timestamp'
  | 'beneficiary'
  | 'difficulty'
  | 'networkId'
  | `keyBlockHash:${bigint}`
  | `${'balance' | 'isContract' | 'isOracle' | 'isPayable'}:${Encoded<'ak'>}`;

/** Result of applying updates: the new trees, the call objects made (one per contract update) and the chain values read. */
export interface ApplyUpdateResult {
  readonly trees: ChannelTrees;
  readonly calls: readonly CallObject[];
  /** Chain-environment values the contract runs read, in first-read order. */
  readonly chainReads: readonly ChainRead[];
}

/** A chain view that records what is read from it. */
function recordingChain(view: ChainView, reads: Set<ChainRead>): ChainView {
  const note = (r: ChainRead) => reads.add(r);
  const ak = (pk: Uint8Array) => encode(pk, 'ak');
  const rec: ChainView = {
    get height() {
      note('height');
      return view.height;
    },
    get timestamp() {
      note('timestamp');
      return view.timestamp;
    },
    get beneficiary() {
      note('beneficiary');
      return view.beneficiary;
    },
    get difficulty() {
      note('difficulty');
      return view.difficulty;
    },
    get networkId() {
      note('networkId');
      return view.networkId;
    },
    keyBlockHash: (h: bigint) => {
      note(`keyBlockHash:${h}`);
      return view.keyBlockHash?.(h);
    },
    balance: (pk: Uint8Array) => {
      note(`balance:${ak(pk)}`);
      return view.balance?.(pk);
    },
    isContract: (pk: Uint8Array) => {
      note(`isContract:${ak(pk)}`);
      return view.isContract?.(pk) ?? false;
    },
    isOracle: (pk: Uint8Array) => {
      note(`isOracle:${ak(pk)}`);
      return view.isOracle?.(pk) ?? false;
    },
    isPayable: (pk: Uint8Array) => {
      note(`isPayable:${ak(pk)}`);
      return view.isPayable?.(pk) ?? true;
    },
  };
  return rec;
}

const textEncoder = new TextEncoder();
const MAX_GAS = 1_000_000_000;

function pkHex(id: string): string {
  return bytesToHex(decode(id, ['ak', 'ct']));
}

function accountOf(trees: ChannelTrees, hex: string, id: string) {
  const a = trees.accounts.get(hex);
  if (a === undefined) throw new FateError('FATE_UNKNOWN_ACCOUNT', `Account ${id} is not in the channel state.`, { context: { account: id } });
  return a;
}

function removeTokens(trees: ChannelTrees, id: string, amount: bigint, reserve: bigint): ChannelTrees {
  if (amount < 0n) throw new FateError('FATE_INVALID_ARGUMENT', 'Amounts must not be negative.', { context: { argument: 'amount' } });
  const hex = pkHex(id);
  const a = accountOf(trees, hex, id);
  if (a.balance - amount < reserve) {
    throw new FateError('FATE_INSUFFICIENT_BALANCE', `Account ${id} cannot pay ${amount} and keep the channel reserve.`, {
      context: { account: id, balance: a.balance, amount, reserve },
    });
  }
  return { ...trees, accounts: trees.accounts.set(hex, { ...a, balance: a.balance - amount }) };
}

function addTokens(trees: ChannelTrees, id: string, amount: bigint): ChannelTrees {
  if (amount < 0n) throw new FateError('FATE_INVALID_ARGUMENT', 'Amounts must not be negative.', { context: { argument: 'amount' } });
  const hex = pkHex(id);
  const a = accountOf(trees, hex, id);
  return { ...trees, accounts: trees.accounts.set(hex, { ...a, balance: a.balance + amount }) };
}

function makeCall(p: {
  caller: Uint8Array;
  round: bigint;
  contract: Uint8Array;
  gasPrice: bigint;
  result: Pick<ExecutionResult, 'type' | 'returnValue' | 'gasUsed' | 'logs'>;
}): CallObject {
  return {
    callerId: encode(p.caller, 'ak'),
    callerNonce: p.round,
    height: p.round,
    contractId: encode(p.contract, 'ct'),
    gasPrice: p.gasPrice,
    gasUsed: BigInt(p.result.gasUsed),
    returnValue: p.result.returnValue,
    returnType: p.result.type,
    log: p.result.logs,
  };
}

function insertCall(trees: ChannelTrees, call: CallObject, caller: Uint8Array, contract: Uint8Array): ChannelTrees {
  const key = bytesToHex(callKey(caller, call.callerNonce, contract));
  return { ...trees, calls: trees.calls.set(key, serializeCallObject(call)) };
}

/**
 * A clone kept as contract object v1 (early-Iris rules) has no code_ref: the node crashes
 * writing it. Only a contract the call put can be one (every other one was in `before`), so
 * only those are looked at, not every contract of the channel.
 */
function refuseV1Clones(result: ExecutionResult, before: ChannelTrees): void {
  for (const k of result.created ?? []) {
    const rec = result.world.contracts.get(k);
    if (rec !== undefined && rec.codeRef !== undefined && rec.objectVersion === 1 && !before.contracts.has(k)) {
      throw new FateError('FATE_INTERNAL', 'The node cannot store a clone as contract object v1.', { context: { reason: 'v1 clone' } });
    }
  }
}

function unsupported(op: string): FateError {
  return new FateError('FATE_UNSUPPORTED', `The call reaches ${op}, which this VM does not implement.`, { context: { reason: 'operation', op } });
}

/** Whether a contract VM version is a FATE one (5, 7 or 8). */
export function isFate(vm: number): boolean {
  return vm === 5 || vm === 7 || vm === 8;
}

function createContract(trees0: ChannelTrees, u: ChannelOffChainUpdateCreateContract, ctx: UpdateContext, rules: FateRules): Omit<ApplyUpdateResult, 'chainReads'> {
  const { vm, abi } = unpackCtVersion(u.ctVersion);
  const legal = (abi === 1 && [1, 3, 4, 6].includes(vm)) || (abi === 3 && isFate(vm));
  if (!legal) throw new FateError('FATE_WRONG_VM_VERSION', `Illegal vm/abi version ${vm}/${abi}.`, { context: { vm, abi } });
  if (!isFate(vm)) throw new FateError('FATE_UNSUPPORTED', 'AEVM contracts are not supported.', { context: { reason: 'aevm', vm } });
  const owner = decode(u.owner, 'ak');
  const pk = createdContractPk(owner, ctx.round);
  const hex = bytesToHex(pk);
  const objectVersion = vm >= 7 && !(vm === 7 && rules.contractObjectV1ForVm7) ? 2 : 1;
  // Code processing of prepare_init_call: strip init (vm 5, early-Iris vm 7), re-serialize as v3.
  const codeObj = decodeContractCode(u.code);
  const fate = decodeFateCode(codeObj.byteCode);
  const strip = vm === 5 || (vm === 7 && rules.stripInitVm7);
  const byteCode = strip ? stripInit(fate) : codeObj.byteCode;
  const stored = encodeContractCode({
    ...codeObj,
    byteCode,
    compilerVersion: rules.unknownCompilerVersion ? textEncoder.encode('unknown') : codeObj.compilerVersion,
  });
  // The init calldata must be {"init" id, tuple}.
  const initOk = calledFunction(u.callData) === INIT_ID;
  const record = makeContractRecord({
    owner, ownerIsContract: false, vm, abi, code: stored, codeRef: undefined, objectVersion, active: true, referrers: [],
    deposit: u.deposit, store: newContractStore(),
  });
  let trees: ChannelTrees = { ...trees0, contracts: trees0.contracts.set(hex, record) };
  trees = removeTokens(trees, u.owner, u.deposit, ctx.reserve);
  trees = { ...trees, accounts: trees.accounts.set(hex, { version: 1, nonce: 0n, balance: 0n }) };
  trees = addTokens(trees, encode(pk, 'ak'), u.deposit);
  if (!initOk) throw new FateError('FATE_CONTRACT_INIT_FAILED', 'The create update does not call init.', { context: { reason: 'init_calldata' } });
  const world: World = { accounts: trees.accounts, contracts: trees.contracts };
  const result = execute({
    world, contract: pk, caller: owner, value: 0n, gas: 1_000_000, gasPrice: 1n, callData: u.callData, allowInit: true,
    rules, chain: ctx.chain ?? emptyChain, code: fate,
  });
  if (result.unsupported !== undefined) throw unsupported(result.unsupported);
  if (result.type !== 'ok') {
    throw new FateError('FATE_CONTRACT_INIT_FAILED', `init failed: ${result.type}.`, {
      context: { returnType: result.type, returnValue: result.returnValue, ...(result.internal === undefined ? {} : { internal: result.internal }) },
    });
  }
  const call = makeCall({ caller: owner, round: ctx.round, contract: pk, gasPrice: 0n, result });
  let out: ChannelTrees = { ...trees, accounts: result.world.accounts, contracts: result.world.contracts };
  out = insertCall(out, call, owner, pk);
  return { trees: out, calls: [call] };
}

function callContract(trees0: ChannelTrees, u: ChannelOffChainUpdateCallContract, ctx: UpdateContext, rules: FateRules): Omit<ApplyUpdateResult, 'chainReads'> {
  const caller = decode(u.caller, 'ak');
  const pk = decode(u.contract, 'ct');
  const hex = bytesToHex(pk);
  const rec0 = trees0.contracts.get(hex);
  if (rec0 === undefined) throw new FateError('FATE_UNKNOWN_CONTRACT', `Contract ${u.contract} is not in the channel state.`, { context: { contract: u.contract } });
  let trees = removeTokens(trees0, u.caller, u.amount, ctx.reserve);
  trees = addTokens(trees, encode(pk, 'ak'), u.amount);
  const rec = trees.contracts.get(hex)!;
  if (BigInt(rec.abi) !== u.abiVersion) throw new FateError('FATE_WRONG_ABI_VERSION', 'The call names another ABI than the contract.', { context: { expected: rec.abi, got: u.abiVersion } });
  if (!isFate(rec.vm)) {
    if ([1, 3, 4, 6].includes(rec.vm)) throw new FateError('FATE_UNSUPPORTED', 'AEVM contracts are not supported.', { context: { reason: 'aevm', vm: rec.vm } });
    throw new FateError('FATE_WRONG_VM_VERSION', 'The contract is not a Sophia contract.', { context: { vm: rec.vm } });
  }
  if (u.gas < 0n || u.gas > BigInt(MAX_GAS)) throw new FateError('FATE_UNSUPPORTED', `Gas above ${MAX_GAS} is not supported.`, { context: { reason: 'gas', gas: u.gas } });
  const world: World = { accounts: trees.accounts, contracts: trees.contracts };
  const result = execute({
    world, contract: pk, caller, value: u.amount, gas: Number(u.gas), gasPrice: u.gasPrice, callData: u.callData, allowInit: false,
    rules, chain: ctx.chain ?? emptyChain,
  });
  if (result.unsupported !== undefined) throw unsupported(result.unsupported);
  if (result.type === 'ok') refuseV1Clones(result, trees);
  if (result.internal !== undefined && result.internal !== 'unknown_contract') {
    throw new FateError('FATE_INTERNAL', `The node would reject this call: ${result.internal}.`, { context: { reason: result.internal } });
  }
  const call = makeCall({ caller, round: ctx.round, contract: pk, gasPrice: u.gasPrice, result });
  let out: ChannelTrees = result.type === 'ok' ? { ...trees, accounts: result.world.accounts, contracts: result.world.contracts } : trees;
  out = insertCall(out, call, caller, pk);
  if (result.type !== 'ok' && rules.consensus >= 5) {
    out = removeTokens(out, encode(pk, 'ak'), u.amount, 0n);
    out = addTokens(out, u.caller, u.amount);
  }
  return { trees: out, calls: [call] };
}

function applyOne(trees: ChannelTrees, u: ChannelOffChainUpdate, ctx: UpdateContext, rules: FateRules): Omit<ApplyUpdateResult, 'chainReads'> {
  switch (u.tag) {
    case Tag.ChannelOffChainUpdateTransfer: {
      let t = removeTokens(trees, u.from, u.amount, ctx.reserve);
      t = addTokens(t, u.to, u.amount);
      return { trees: t, calls: [] };
    }
    case Tag.ChannelOffChainUpdateDeposit:
      return { trees: addTokens(trees, u.from, u.amount), calls: [] };
    case Tag.ChannelOffChainUpdateWithdraw:
      return { trees: removeTokens(trees, u.to, u.amount, ctx.reserve), calls: [] };
    case Tag.ChannelOffChainUpdateCreateContract:
      return createContract(trees, u, ctx, rules);
    case Tag.ChannelOffChainUpdateCallContract:
      return callContract(trees, u, ctx, rules);
    case Tag.ChannelOffChainUpdateMeta:
      return { trees, calls: [] };
    default:
      throw new FateError('FATE_UNSUPPORTED', 'Unknown off-chain update.', { context: { reason: 'update_tag', tag: (u as { tag: unknown }).tag } });
  }
}

/**
 * Applies the updates of one round: the calls tree is emptied first, then each update in
 * order (CONTRACTS.md §2.2–2.5).
 * @param trees - the latest agreed trees
 * @param updates - the round's updates (codec's decoded update objects)
 * @param ctx - round, reserve, chain view and rules
 * @returns the new trees and the call objects
 * @throws {FateError} `FATE_INSUFFICIENT_BALANCE` (WS 1001), `FATE_CONTRACT_INIT_FAILED` (1007),
 *   `FATE_WRONG_ABI_VERSION` (1019), `FATE_WRONG_VM_VERSION` (1020), `FATE_UNKNOWN_CONTRACT`,
 *   `FATE_UNKNOWN_ACCOUNT`, `FATE_INVALID_CODE`, `FATE_UNSUPPORTED`, `FATE_INTERNAL`
 * @example
 * const { trees: next, calls } = applyUpdates(trees, [createUpdate], { round: 2n, reserve: 2n, rules: 'ceres' });
 */
export function applyUpdates(trees: ChannelTrees, updates: readonly ChannelOffChainUpdate[], ctx: UpdateContext): ApplyUpdateResult {
  const rules = resolveRules(ctx.rules);
  if (typeof ctx.round !== 'bigint' || ctx.round < 0n) throw new FateError('FATE_INVALID_ARGUMENT', 'round must be a non-negative bigint.', { context: { argument: 'round' } });
  if (typeof ctx.reserve !== 'bigint' || ctx.reserve < 0n) throw new FateError('FATE_INVALID_ARGUMENT', 'reserve must be a non-negative bigint.', { context: { argument: 'reserve' } });
  let t: ChannelTrees = { ...trees, calls: PMap.empty() };
  const calls: CallObject[] = [];
  const reads = new Set<ChainRead>();
  const run: UpdateContext = { ...ctx, chain: recordingChain(ctx.chain ?? emptyChain, reads) };
  for (const u of updates) {
    const r = applyOne(t, u, run, rules);
    t = r.trees;
    calls.push(...r.calls);
  }
  return { trees: t, calls, chainReads: [...reads] };
}

/**
 * Applies one update as a round of its own (see {@link applyUpdates}).
 * @param trees - the latest agreed trees
 * @param update - the update
 * @param ctx - round, reserve, chain view and rules
 * @returns the new trees and the call objects
 * @throws {FateError} as {@link applyUpdates}
 */
export function applyUpdate(trees: ChannelTrees, update: ChannelOffChainUpdate, ctx: UpdateContext): ApplyUpdateResult {
  return applyUpdates(trees, [update], ctx);
}

/**
 * Runs a call without keeping the state (`channels.dry_run.call_contract`), as round
 * `ctx.round` (the latest round + 1).
 * @param trees - the latest agreed trees
 * @param update - the call update
 * @param ctx - round, reserve, chain view and rules
 * @returns the call object
 * @throws {FateError} as {@link applyUpdates}
 */
export function dryRun(trees: ChannelTrees, update: ChannelOffChainUpdateCallContract, ctx: UpdateContext): CallObject {
  const r = applyUpdates(trees, [update], ctx);
  return r.calls[0]!;
}

/** The contract id a create update makes at a round. */
export function createdContractId(owner: Encoded<'ak'>, round: bigint): Encoded<'ct'> {
  return encode(createdContractPk(decode(owner, 'ak'), round), 'ct');
}
