/**
 * Off-chain contracts in the fsm: the full state trees of a channel that holds contracts,
 * and the recomputation of a round with the FATE VM (`@aechannel/fate`, pure) before
 * anything is signed (CONTRACTS.md §2.2–§2.8, §3.5).
 *
 * A payment-only channel keeps no trees: its state is the two balances (`computeStateHash`,
 * as cheap as before contracts existed). The first contract round starts the trees from
 * those balances; from then on every round (transfer, deposit, withdraw too) is applied to
 * the full trees with the calls tree emptied first (§2.5), and the state keeps them as an
 * `ss_` string (plain data; a small cache spares decoding the same string twice).
 */
import { decode, encode, Tag, type ChannelOffChainUpdate, type Encoded, type JsonValue } from '@aechannel/codec';
import {
  applyUpdates,
  callObjectToJson,
  FateError,
  packCtVersion,
  packTrees,
  stateHash,
  treesBalances,
  treesFromBalances,
  treesFromStateTrees,
  type CallObjectJson,
  type ChannelTrees,
  type FateRulesPreset,
} from '@aechannel/fate';
import { trackingChainView, type ChainEnv } from './chainEnv.js';
import type { Command } from './types.js';

/** A contract update as the node writes it in `updates` (PROTOCOL.md §2.7), parsed; `cb_` values canonical. */
export type ContractUpdate =
  | {
      op: 'newContract';
      owner: string;
      vmVersion: bigint;
      abiVersion: bigint;
      code: Encoded<'cb'>;
      deposit: bigint;
      callData: Encoded<'cb'>;
    }
  | {
      op: 'callContract';
      caller: string;
      contract: string;
      abiVersion: bigint;
      amount: bigint;
      gas: bigint;
      gasPrice: bigint;
      callData: Encoded<'cb'>;
      callStack: readonly bigint[];
    };

/** The gas and gas price the node's fsm puts in every WebSocket contract call (CONTRACTS.md §2.1). */
export const OFF_CHAIN_CALL_GAS = 1_000_000n;
/** See {@link OFF_CHAIN_CALL_GAS}. */
export const OFF_CHAIN_CALL_GAS_PRICE = 1n;

/**
 * The update an own contract command makes (CONTRACTS.md §2.1: the requester is the owner or
 * caller; a WebSocket call always has gas 1 000 000, gas price 1 and an empty call stack), `cb_`
 * values canonical. A dry run's update is the call it would make.
 * @param command - a `newContract`, `callContract` or `dryRunCall` command
 * @param self - this participant
 * @returns the update
 */
export function ownContractUpdate(command: Extract<Command, { kind: 'newContract' | 'callContract' | 'dryRunCall' }>, self: Encoded<'ak'>): ContractUpdate {
  if (command.kind === 'newContract') {
    return { op: 'newContract', owner: self, vmVersion: command.vmVersion, abiVersion: command.abiVersion, code: canonicalCb(command.code) ?? command.code, deposit: command.deposit, callData: canonicalCb(command.callData) ?? command.callData };
  }
  return {
    op: 'callContract',
    caller: self,
    contract: command.contractId,
    abiVersion: command.abiVersion,
    amount: command.amount,
    gas: OFF_CHAIN_CALL_GAS,
    gasPrice: OFF_CHAIN_CALL_GAS_PRICE,
    callData: canonicalCb(command.callData) ?? command.callData,
    callStack: [],
  };
}

/** The same `cb_` bytes in their one canonical encoding, or null when it does not decode. */
export function canonicalCb(value: unknown): Encoded<'cb'> | null {
  if (typeof value !== 'string') return null;
  try {
    return encode(decode(value, 'cb'), 'cb');
  } catch {
    return null;
  }
}

/** Whether `value` is a string that decodes with `prefix`. */
function decodesAs(value: unknown, prefix: 'ct' | 'ak'): boolean {
  if (typeof value !== 'string') return false;
  try {
    decode(value, prefix);
    return true;
  } catch {
    return false;
  }
}

/** `ct_` id, if it decodes (32 bytes). */
export function validContractId(value: unknown): value is Encoded<'ct'> {
  return decodesAs(value, 'ct');
}

/** `ak_` id, if it decodes (32 bytes). */
export function validAccountId(value: unknown): value is Encoded<'ak'> {
  return decodesAs(value, 'ak');
}

/** A parsed update as the codec's update object (meta updates change nothing and are left out by callers). */
export function toCodecUpdate(
  update:
    | ContractUpdate
    | { op: 'transfer'; from: string; to: string; amount: bigint }
    | { op: 'deposit'; from: string; amount: bigint }
    | { op: 'withdraw'; to: string; amount: bigint },
): ChannelOffChainUpdate {
  switch (update.op) {
    case 'transfer':
      return { tag: Tag.ChannelOffChainUpdateTransfer, version: 1, from: update.from as Encoded<'ak'>, to: update.to as Encoded<'ak'>, amount: update.amount };
    case 'deposit':
      return { tag: Tag.ChannelOffChainUpdateDeposit, version: 1, from: update.from as Encoded<'ak'>, amount: update.amount };
    case 'withdraw':
      return { tag: Tag.ChannelOffChainUpdateWithdraw, version: 1, to: update.to as Encoded<'ak'>, amount: update.amount };
    case 'newContract':
      return {
        tag: Tag.ChannelOffChainUpdateCreateContract,
        version: 1,
        owner: update.owner as Encoded<'ak'>,
        ctVersion: packCtVersion(update.vmVersion, update.abiVersion),
        code: decode(update.code, 'cb'),
        deposit: update.deposit,
        callData: decode(update.callData, 'cb'),
      };
    case 'callContract':
      return {
        tag: Tag.ChannelOffChainUpdateCallContract,
        version: 1,
        caller: update.caller as Encoded<'ak'>,
        contract: update.contract as Encoded<'ct'>,
        abiVersion: update.abiVersion,
        amount: update.amount,
        gas: update.gas,
        gasPrice: update.gasPrice,
        callData: decode(update.callData, 'cb'),
        callStack: [...update.callStack],
      };
  }
}

// ---------------------------------------------------------------------------------------
// Trees
// ---------------------------------------------------------------------------------------

const CACHE_SIZE = 4;
const cache = new Map<string, ChannelTrees>();

/** Remembers an `ss_` string with its trees, dropping the oldest pair when the cache is full. */
function remember(ss: Encoded<'ss'>, trees: ChannelTrees): void {
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(ss, trees);
}

/**
 * The trees of an `ss_` string (memoized: the same string decodes once; a pure cache, the
 * trees are immutable values).
 */
export function treesOf(ss: Encoded<'ss'>): ChannelTrees {
  const hit = cache.get(ss);
  if (hit !== undefined) return hit;
  const trees = treesFromStateTrees(ss);
  remember(ss, trees);
  return trees;
}

/** Packs trees to `ss_` and remembers the pair, so the next round starts without decoding. */
export function packAndRemember(trees: ChannelTrees): Encoded<'ss'> {
  const ss = packTrees(trees);
  remember(ss, trees);
  return ss;
}

/** The latest trees of a channel: its stored `ss_`, or the two balances of a payment-only channel. */
export function latestTrees(state: { trees: Encoded<'ss'> | null; balances: Record<Encoded<'ak'>, bigint> }): ChannelTrees {
  return state.trees === null ? treesFromBalances(state.balances) : treesOf(state.trees);
}

/** The two participants' balances in `trees` (missing accounts omitted). */
export function participantBalances(trees: ChannelTrees, participants: readonly Encoded<'ak'>[]): Record<Encoded<'ak'>, bigint> {
  const all = treesBalances(trees);
  const out: Record<Encoded<'ak'>, bigint> = {};
  for (const id of participants) {
    const balance = all[id];
    if (balance !== undefined) out[id] = balance;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Running a round
// ---------------------------------------------------------------------------------------

/** What a round computes. */
export interface RoundResult {
  readonly kind: 'computed';
  readonly trees: ChannelTrees;
  readonly stateHash: Encoded<'st'>;
  /** Call objects of the round, as the node's client JSON (one per contract update). */
  readonly calls: CallObjectJson[];
  /** Environment values the run read (empty: the round does not depend on the chain). */
  readonly envReads: string[];
}

/** A round that read environment values no given environment answers. */
export interface RoundNeedsEnv {
  readonly kind: 'needsEnv';
  readonly reads: string[];
}

/** Parameters of {@link runRound}. */
export interface RunRoundParameters {
  trees: ChannelTrees;
  updates: readonly ChannelOffChainUpdate[];
  /** Round of the new state. */
  round: bigint;
  reserve: bigint;
  rules: FateRulesPreset;
  networkId: string;
  /** Candidate environments (newest first); the first whose result has `expectedHash` wins. */
  envs: readonly ChainEnv[];
  /** The state hash the round must reach (a sign request's), if any. */
  expectedHash?: Encoded<'st'>;
}

/**
 * Applies one round's updates to the trees with the VM. A run that reads nothing of the
 * chain environment is computed once; one that does is computed against each candidate
 * environment until one gives `expectedHash` (the candidates are blocks the node could have
 * pinned, so a match is exactly what the node computed).
 * @throws {FateError} what the node would reject (insufficient balance, init failed, unknown contract, ...)
 */
export function runRound(p: RunRoundParameters): RoundResult | RoundNeedsEnv {
  const attempt = (env: ChainEnv | null): RoundResult | RoundNeedsEnv => {
    const { view, reads } = trackingChainView(env, p.networkId);
    let applied;
    try {
      applied = applyUpdates(p.trees, p.updates, { round: p.round, reserve: p.reserve, chain: view, rules: p.rules });
    } catch (error) {
      if (reads.unknown.size > 0) return { kind: 'needsEnv', reads: [...reads.unknown] };
      throw error;
    }
    if (reads.unknown.size > 0) return { kind: 'needsEnv', reads: [...reads.unknown] };
    return { kind: 'computed', trees: applied.trees, stateHash: stateHash(applied.trees), calls: applied.calls.map(callObjectToJson), envReads: [...reads.read].filter((r) => r !== 'networkId') };
  };
  const first = attempt(null);
  if (first.kind === 'computed' || p.envs.length === 0) return first;
  let last: RoundResult | RoundNeedsEnv = first;
  for (const env of p.envs) {
    let result: RoundResult | RoundNeedsEnv;
    try {
      result = attempt(env);
    } catch (error) {
      if (error instanceof FateError) continue;
      throw error;
    }
    if (result.kind === 'computed' && (p.expectedHash === undefined || result.stateHash === p.expectedHash)) return result;
    last = result;
  }
  return last;
}

// ---------------------------------------------------------------------------------------
// Comparing the node's JSON with ours
// ---------------------------------------------------------------------------------------

/** A canonical text of JSON-like data: keys sorted, numbers and bigints as decimal. */
export function canonicalJson(value: unknown): string {
  if (typeof value === 'bigint' || typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return 'undefined';
}

/** Parses a call object reply (`channels.get.contract_call`, `dry_run`), or null when malformed. */
export function callObjectFromJson(value: JsonValue | undefined): CallObjectJson | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const v = value;
  const str = (k: string): string | null => (typeof v[k] === 'string' ? (v[k] as string) : null);
  const big = (k: string): bigint | null => (typeof v[k] === 'bigint' ? (v[k] as bigint) : null);
  const callerId = str('caller_id');
  const contractId = str('contract_id');
  const returnType = str('return_type');
  const returnValue = str('return_value');
  const fields = [big('caller_nonce'), big('height'), big('gas_price'), big('gas_used')];
  if (callerId === null || contractId === null || returnValue === null || !returnValue.startsWith('cb_') || fields.some((f) => f === null)) return null;
  if (returnType !== 'ok' && returnType !== 'error' && returnType !== 'revert') return null;
  const log = Array.isArray(v['log']) ? v['log'] : [];
  const entries: CallObjectJson['log'] = [];
  for (const entry of log) {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return null;
    const address = typeof entry['address'] === 'string' ? entry['address'] : null;
    const data = typeof entry['data'] === 'string' ? entry['data'] : null;
    const topics = Array.isArray(entry['topics']) ? entry['topics'] : null;
    if (address === null || data === null || topics === null || !topics.every((t) => typeof t === 'bigint')) return null;
    entries.push({ address: address as Encoded<'ct'>, topics: topics as bigint[], data: data as Encoded<'cb'> });
  }
  const [callerNonce, height, gasPrice, gasUsed] = fields as bigint[];
  return {
    caller_id: callerId as Encoded<'ak'>,
    caller_nonce: callerNonce!,
    height: height!,
    contract_id: contractId as Encoded<'ct'>,
    gas_price: gasPrice!,
    gas_used: gasUsed!,
    log: entries,
    return_type: returnType,
    return_value: returnValue as Encoded<'cb'>,
  };
}
