/**
 * Test helpers for contract rounds: a small contract compiled with aesophia_cli 8.0.0
 * (`test/fixtures/Counter.aes`), node-shaped update JSON, and txs whose state hash is what
 * the node computes (the same VM, `@aechannel/fate`, checked against the recordings).
 */
import { decode, encode, fixFee, packStateTrees, serializeObject, Tag, type ChannelOffChainUpdate, type Encoded, type JsonValue, type Tx, type TxWithFee } from '@aechannel/codec';
import {
  applyUpdates,
  callObjectToJson,
  createdContractId,
  packTrees,
  stateHash,
  treesFromBalances,
  treesFromStateTrees,
  type CallObjectJson,
  type ChainView,
  type ChannelTrees,
} from '@aechannel/fate';
import type { ChannelState, Command } from '../src/index.js';
import { CH, channelUpdate, Driver, I, info, openChannel, R, SIG_I, SIG_R, signedBy, signRequest, unsigned, type Balances } from './helpers.js';

/** `Counter.aes`: `init(start)`, `get()`, payable stateful `add(n)` (requires n > 0, emits `Added(n)`), `height()`, `balance()`. */
export const COUNTER_CODE =
  'cb_+QE4RgOgnyf74FX/4qKdiEVs2RfS1mmefDpGXpke3gCiSV4qfqbAuQEKuLv+L4Zb2QA3AAcBAoL+OG8dqgA3AAdZAAD+RNZEHwA3AQc3AFUChBoGggABAz/+SwUOqQQ3AQcHHzQAAAcMBPsDSW4gbXVzdCBiZSBwb3NpdGl2ZRQagoIADAEARPwTAgACAgMRZaXgDw8Cb4ImzwECgv5lpeAPAjcBhwE3AQc3AEY2AAAAYi9fnwGB8q4OdFsg8t3EgF10l4jWYtsBpJ1mw63pgK/q1j2v9LEAAQM//rSMFoQANwAHUwAAuEgvBhEvhlvZDWdldBE4bx2qGWhlaWdodBFE1kQfEWluaXQRSwUOqQ1hZGQRZaXgDy1DaGFpbi5ldmVudBG0jBaEHWJhbGFuY2WCLwCFOC4wLjAA/cQa+w==' as Encoded<'cb'>;
/** Calldata of `init(5)`. */
export const INIT_5 = 'cb_KxFE1kQfGwphxkNE' as Encoded<'cb'>;
/** Calldata of `get()`. */
export const GET = 'cb_KxEvhlvZP6QPOKY=' as Encoded<'cb'>;
/** Calldata of `add(3)`. */
export const ADD_3 = 'cb_KxFLBQ6pGwYhkxi7' as Encoded<'cb'>;
/** Calldata of `add(0)` (reverts: "n must be positive"). */
export const ADD_0 = 'cb_KxFLBQ6pGwDYDeDu' as Encoded<'cb'>;
/** Calldata of `height()` (reads `Chain.block_height`). */
export const HEIGHT = 'cb_KxE4bx2qPz9mfJ4=' as Encoded<'cb'>;

export const VM = 8n;
export const ABI = 3n;

/** JSON of a create-contract update as the node sends it (§2.7). */
export function newContractJson(owner: string, deposit = 10n, code: string = COUNTER_CODE, callData: string = INIT_5, vm = VM, abi = ABI): JsonValue {
  return { op: 'OffChainNewContract', owner, vm_version: vm, abi_version: abi, code, deposit, call_data: callData };
}

/** JSON of a call-contract update as the node sends it (§2.7). */
export function callContractJson(caller: string, contract: string, callData: string, amount = 0n, extra: Record<string, JsonValue> = {}): JsonValue {
  return { op: 'OffChainCallContract', caller_id: caller, contract_id: contract, abi_version: ABI, amount, gas: 1000000n, gas_price: 1n, call_data: callData, call_stack: [], ...extra };
}

/** The codec update of a node JSON update. */
export function toUpdate(json: JsonValue): ChannelOffChainUpdate {
  const u = json as Record<string, JsonValue>;
  switch (u['op']) {
    case 'OffChainNewContract':
      return {
        tag: Tag.ChannelOffChainUpdateCreateContract,
        version: 1,
        owner: u['owner'] as Encoded<'ak'>,
        ctVersion: ((u['vm_version'] as bigint) << 16n) | (u['abi_version'] as bigint),
        code: decode(u['code'] as string, 'cb'),
        deposit: u['deposit'] as bigint,
        callData: decode(u['call_data'] as string, 'cb'),
      };
    case 'OffChainCallContract':
      return {
        tag: Tag.ChannelOffChainUpdateCallContract,
        version: 1,
        caller: u['caller_id'] as Encoded<'ak'>,
        contract: u['contract_id'] as Encoded<'ct'>,
        abiVersion: u['abi_version'] as bigint,
        amount: u['amount'] as bigint,
        gas: u['gas'] as bigint,
        gasPrice: u['gas_price'] as bigint,
        callData: decode(u['call_data'] as string, 'cb'),
        callStack: [],
      };
    case 'OffChainTransfer':
      return { tag: Tag.ChannelOffChainUpdateTransfer, version: 1, from: u['from'] as Encoded<'ak'>, to: u['to'] as Encoded<'ak'>, amount: u['amount'] as bigint };
    case 'OffChainDeposit':
      return { tag: Tag.ChannelOffChainUpdateDeposit, version: 1, from: u['from'] as Encoded<'ak'>, amount: u['amount'] as bigint };
    case 'OffChainWithdrawal':
      return { tag: Tag.ChannelOffChainUpdateWithdraw, version: 1, to: u['to'] as Encoded<'ak'>, amount: u['amount'] as bigint };
    default:
      throw new Error(`toUpdate: ${String(u['op'])}`);
  }
}

/** The trees of the fsm's latest state. */
export function treesOfState(state: ChannelState): ChannelTrees {
  return state.trees === null ? treesFromBalances(state.balances) : treesFromStateTrees(state.trees);
}

/** A chain at height 1000 (what a node pinning a fresh block would give). */
export const CHAIN_1000: ChainView = {
  height: 1000n,
  timestamp: 1_700_000_000_000n,
  beneficiary: new Uint8Array(32),
  difficulty: 1n,
  networkId: 'local_iris_testnet',
};

/** What the node computes for the next round of `state` with these JSON updates. */
export function nextRound(state: ChannelState, updates: readonly JsonValue[], chain: ChainView = CHAIN_1000, rules: 'ceres' | 'iris' | 'early-iris' = 'ceres'): {
  round: bigint;
  trees: ChannelTrees;
  stateHash: Encoded<'st'>;
  calls: CallObjectJson[];
  balances: Balances;
} {
  const round = state.round + 1n;
  const real = updates.filter((u) => (u as Record<string, JsonValue>)['op'] !== 'OffChainMeta').map(toUpdate);
  const r = applyUpdates(treesOfState(state), real, { round, reserve: state.options.channelReserve, chain, rules });
  const i = state.options.initiatorId as Encoded<'ak'>;
  const rr = state.options.responderId;
  const all = Object.fromEntries([...r.trees.accounts.entries()].map(([k, a]) => [encode(Uint8Array.from(Buffer.from(k, 'hex')), 'ak'), a.balance]));
  return { round, trees: r.trees, stateHash: stateHash(r.trees), calls: r.calls.map(callObjectToJson), balances: { [i]: all[i]!, [rr]: all[rr]! } };
}

/** An off-chain tx of a round with this state hash. */
export function offChainTxWithHash(round: bigint, hash: Encoded<'st'>): Tx {
  return { tag: Tag.ChannelOffChainTx, version: 2, channelId: CH, round, stateHash: hash } as Tx;
}

/** The contract a create by `owner` at `round` makes. */
export const contractAt = (owner: Encoded<'ak'>, round: bigint): Encoded<'ct'> => createdContractId(owner, round);

/** A force progress tx on the fsm's latest state (its trees, its payload rules), with the node's state hash unless overridden. */
export function forceProgressOn(
  state: ChannelState,
  from: Encoded<'ak'>,
  contract: Encoded<'ct'>,
  callData: Encoded<'cb'>,
  opts: { gasPrice?: bigint; gas?: bigint; amount?: bigint; stateHash?: Encoded<'st'>; payloadEmpty?: boolean; nonce?: bigint; fee?: bigint; chain?: ChainView } = {},
): Tx {
  const gasPrice = opts.gasPrice ?? 1000000000n;
  const gas = opts.gas ?? 1000000n;
  const update = {
    tag: Tag.ChannelOffChainUpdateCallContract,
    version: 1,
    caller: from,
    contract,
    abiVersion: ABI,
    amount: opts.amount ?? 0n,
    gas,
    gasPrice,
    callData: decode(callData, 'cb'),
    callStack: [] as bigint[],
  } as const;
  const trees = treesOfState(state);
  const computeHash = (): Encoded<'st'> =>
    stateHash(applyUpdates(trees, [update], { round: state.round + 1n, reserve: state.options.channelReserve, chain: opts.chain ?? CHAIN_1000, rules: state.options.fateRules ?? 'ceres' }).trees);
  const payload = opts.payloadEmpty === true || state.latestState === null ? new Uint8Array(0) : decode(state.latestState, 'tx');
  const offChainTrees = state.trees === null ? decode(packStateTrees({ accounts: state.balances }), 'ss') : decode(packTrees(trees), 'ss');
  const tx = {
    tag: Tag.ChannelForceProgressTx,
    version: 1,
    channelId: CH,
    fromId: from,
    payload,
    round: state.round + 1n,
    update: serializeObject(update as unknown as Tx),
    stateHash: opts.stateHash ?? computeHash(),
    offChainTrees,
    ttl: 0n,
    fee: opts.fee ?? 0n,
    nonce: opts.nonce ?? 186n,
  } as Tx;
  return opts.fee === undefined ? fixFee(tx as TxWithFee, { gasPrice }) : tx;
}

// ---- driving contract rounds ----

export const sigOf = (d: Driver): Uint8Array => (d.state.options.role === 'initiator' ? SIG_I : SIG_R);
export const selfOf = (d: Driver): Encoded<'ak'> => (d.state.options.role === 'initiator' ? I : R);
export const peerOf = (d: Driver): Encoded<'ak'> => (d.state.options.role === 'initiator' ? R : I);

export const createCommand = (deposit = 10n): Command => ({ kind: 'newContract', code: COUNTER_CODE, callData: INIT_5, vmVersion: VM, abiVersion: ABI, deposit });
export const callCommand = (contractId: Encoded<'ct'>, callData: Encoded<'cb'>, amount = 0n): Command => ({ kind: 'callContract', contractId, callData, abiVersion: ABI, amount });

/** Runs an own contract (or transfer) round to completion; returns the settle effects and the events. */
export function ownRound(d: Driver, command: Command, updates: JsonValue[]) {
  const started = d.command(command);
  const next = nextRound(d.state, updates);
  const tx = unsigned(offChainTxWithHash(next.round, next.stateHash));
  const signEffects = d.node(signRequest('update', tx, updates));
  d.sign(sigOf(d));
  const done = d.node(channelUpdate(signedBy(tx, SIG_I, SIG_R)));
  return { started, signEffects, done, next };
}

/** Runs a peer round (info update, sign.update_ack, channels.update) to completion. */
export function peerRound(d: Driver, updates: JsonValue[]) {
  d.node(info('update'));
  const next = nextRound(d.state, updates);
  const peerSig = d.state.options.role === 'initiator' ? SIG_R : SIG_I;
  const tx = signedBy(unsigned(offChainTxWithHash(next.round, next.stateHash)), peerSig);
  const signEffects = d.node(signRequest('update_ack', tx, updates));
  d.sign(sigOf(d));
  const done = d.node(channelUpdate(signedBy(unsigned(offChainTxWithHash(next.round, next.stateHash)), SIG_I, SIG_R)));
  return { signEffects, done, next };
}

/** An open channel (role) holding the Counter created by `owner` at round 2. */
export function withCounter(role: 'initiator' | 'responder', owner: 'initiator' | 'responder' = 'initiator'): { d: Driver; contract: Encoded<'ct'> } {
  const d = openChannel(role);
  const ownerId = owner === 'initiator' ? I : R;
  if (role === owner) ownRound(d, createCommand(), [newContractJson(ownerId)]);
  else peerRound(d, [newContractJson(ownerId)]);
  d.effects = [];
  return { d, contract: contractAt(ownerId, 2n) };
}

