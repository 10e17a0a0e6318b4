/**
 * The off-chain state of a channel: its full state trees (accounts, contracts with their
 * stores, the calls of the latest round), a round and the latest co-signed transaction
 * (PROTOCOL.md §2.7, §2.11, §9.3; CONTRACTS.md §2).
 *
 * Updates travel between the two FSMs and to the clients in their JSON form (§2.7); the
 * devnode applies them to the trees itself with the FATE VM of `@aechannel/fate`, never
 * trusting the peer's state hash. Transfers keep the node's participant checks (1003, 1002).
 */
import { decode, encode, isAechannelError, Tag, type ChannelOffChainUpdate, type Encoded, type JsonValue } from '@aechannel/codec';
import {
  applyUpdates as applyFateUpdates,
  FateError,
  packCtVersion,
  stateHash,
  treesBalances,
  treesFromBalances,
  type CallObject,
  type ChainView,
  type ChannelTrees,
  type FateRules,
  type FateRulesPreset,
} from '@aechannel/fate';
import { RpcFailure, internalError, rejected } from './rpc.js';

/** An off-chain update in its JSON form (§2.7). */
export type OffChainUpdate =
  | { op: 'OffChainTransfer'; from: Encoded<'ak'>; to: Encoded<'ak'>; amount: bigint }
  | { op: 'OffChainDeposit'; from: Encoded<'ak'>; amount: bigint }
  | { op: 'OffChainWithdrawal'; to: Encoded<'ak'>; amount: bigint }
  | {
      op: 'OffChainNewContract';
      owner: Encoded<'ak'>;
      vm_version: bigint;
      abi_version: bigint;
      code: Encoded<'cb'>;
      deposit: bigint;
      call_data: Encoded<'cb'>;
    }
  | {
      op: 'OffChainCallContract';
      caller_id: Encoded<'ak'>;
      contract_id: Encoded<'ct'>;
      abi_version: bigint;
      amount: bigint;
      gas: bigint;
      gas_price: bigint;
      call_data: Encoded<'cb'>;
      call_stack: bigint[];
    }
  | { op: 'OffChainMeta'; data: string };

/** The call-contract update in its JSON form. */
export type CallContractUpdate = Extract<OffChainUpdate, { op: 'OffChainCallContract' }>;

/** Balances of the accounts of the channel state (participants, and contracts' accounts). */
export type Balances = Record<Encoded<'ak'>, bigint>;

/** The JSON value of an update list, as sent in `channels.sign.*` (§8.2). */
export function updatesToJson(updates: readonly OffChainUpdate[]): JsonValue[] {
  return updates.map((u) => (u.op === 'OffChainCallContract' ? { ...u, call_stack: [...u.call_stack] } : { ...u }) as JsonValue);
}

const textEncoder = new TextEncoder();

/**
 * The codec's update object of a JSON update (the bytes the node serializes, §2.7).
 * @param update - the JSON update
 * @returns the update object
 */
export function toUpdateObject(update: OffChainUpdate): ChannelOffChainUpdate {
  switch (update.op) {
    case 'OffChainTransfer':
      return { tag: Tag.ChannelOffChainUpdateTransfer, version: 1, from: update.from, to: update.to, amount: update.amount };
    case 'OffChainDeposit':
      return { tag: Tag.ChannelOffChainUpdateDeposit, version: 1, from: update.from, amount: update.amount };
    case 'OffChainWithdrawal':
      return { tag: Tag.ChannelOffChainUpdateWithdraw, version: 1, to: update.to, amount: update.amount };
    case 'OffChainNewContract':
      return {
        tag: Tag.ChannelOffChainUpdateCreateContract,
        version: 1,
        owner: update.owner,
        ctVersion: packCtVersion(update.vm_version, update.abi_version),
        code: decode(update.code, 'cb'),
        deposit: update.deposit,
        callData: decode(update.call_data, 'cb'),
      };
    case 'OffChainCallContract':
      return {
        tag: Tag.ChannelOffChainUpdateCallContract,
        version: 1,
        caller: update.caller_id,
        contract: update.contract_id,
        abiVersion: update.abi_version,
        amount: update.amount,
        gas: update.gas,
        gasPrice: update.gas_price,
        callData: decode(update.call_data, 'cb'),
        callStack: [...update.call_stack],
      };
    default:
      return { tag: Tag.ChannelOffChainUpdateMeta, version: 2, data: textEncoder.encode(update.data) };
  }
}

/**
 * The JSON form of a call-contract update object (force progress, §9.13).
 * @param update - the codec's call update
 * @returns its JSON form
 */
export function callUpdateToJson(update: Extract<ChannelOffChainUpdate, { tag: typeof Tag.ChannelOffChainUpdateCallContract }>): CallContractUpdate {
  return {
    op: 'OffChainCallContract',
    caller_id: update.caller,
    contract_id: update.contract,
    abi_version: update.abiVersion,
    amount: update.amount,
    gas: update.gas,
    gas_price: update.gasPrice,
    call_data: encode(update.callData, 'cb'),
    call_stack: [...update.callStack],
  };
}

/** Where a round is applied: its number, the reserve, the pinned chain and the VM rules. */
export interface ApplyContext {
  round: bigint;
  reserve: bigint;
  chain: ChainView;
  rules: FateRulesPreset | FateRules;
  /** The two participants (transfers must move coins between them, §7.2). */
  participants: readonly Encoded<'ak'>[];
}

/** The result of applying a round's updates. */
export interface AppliedRound {
  trees: ChannelTrees;
  calls: readonly CallObject[];
}

/**
 * The node's answer to a failed update (CONTRACTS.md §2.7): the VM's WebSocket code
 * (1001, 1007, 1019, 1020) as `Rejected`, everything else (unknown contract, unsupported
 * code) as -32603.
 * @param error - what applying threw
 * @returns the failure to answer with
 */
export function updateFailure(error: unknown): RpcFailure {
  if (error instanceof RpcFailure) return error;
  if (error instanceof FateError) {
    const code = error.wsCode;
    if (code !== undefined && code > 0) return new RpcFailure(rejected(code));
    return new RpcFailure(internalError());
  }
  if (isAechannelError(error)) return new RpcFailure(internalError());
  throw error;
}

/**
 * Applies a round's updates to the trees with the VM, checking what the node checks for
 * transfers first (§7.2, §7.3).
 * @param trees - the latest co-signed trees
 * @param updates - the updates, meta updates included (they change nothing)
 * @param ctx - round, reserve, chain view, rules, participants
 * @returns the new trees and the call objects of the round
 * @throws {RpcFailure} 1003 (not a participant / from = to), 1002, 1001, 1007, 1019, 1020, -32603
 */
export function applyRound(trees: ChannelTrees, updates: readonly OffChainUpdate[], ctx: ApplyContext): AppliedRound {
  for (const update of updates) {
    if (update.op !== 'OffChainTransfer') continue;
    if (!ctx.participants.includes(update.from) || !ctx.participants.includes(update.to) || update.from === update.to) {
      throw new RpcFailure(rejected(1003));
    }
    if (update.amount < 0n) throw new RpcFailure(rejected(1002));
  }
  try {
    const result = applyFateUpdates(trees, updates.map(toUpdateObject), { round: ctx.round, reserve: ctx.reserve, chain: ctx.chain, rules: ctx.rules });
    return { trees: result.trees, calls: result.calls };
  } catch (error) {
    throw updateFailure(error);
  }
}

/** The trees of a new channel (§2.11): two accounts, nonce 0. */
export function initialTrees(balances: Balances): ChannelTrees {
  return treesFromBalances(balances);
}

// The two FSMs of a channel apply each round to trees of their own and hash the same
// accounts one after the other: the last hashes of payment-only trees (version-1 accounts,
// every other tree empty), by their content.
const PAYMENT_HASHES = 256;
const paymentHashes = new Map<string, Encoded<'st'>>();

/** The content of payment-only trees as a string, or undefined for any other trees. */
function paymentKey(trees: ChannelTrees): string | undefined {
  if (trees.contracts.size !== 0 || trees.calls.size !== 0 || trees.channels.length !== 0 || trees.ns.length !== 0 || trees.oracles.length !== 0) return undefined;
  if (trees.accounts.size > 8) return undefined;
  let key = '';
  for (const [id, account] of trees.accounts.entries()) {
    if (account.version !== 1 || typeof account.nonce !== 'bigint' || typeof account.balance !== 'bigint') return undefined;
    key += `${id}:${account.nonce}:${account.balance};`;
  }
  return key;
}

/** State hash of the trees (§2.11). */
export function stateHashOf(trees: ChannelTrees): Encoded<'st'> {
  const key = paymentKey(trees);
  if (key === undefined) return stateHash(trees);
  const known = paymentHashes.get(key);
  if (known !== undefined) return known;
  const hash = stateHash(trees);
  if (paymentHashes.size >= PAYMENT_HASHES) paymentHashes.delete(paymentHashes.keys().next().value as string);
  paymentHashes.set(key, hash);
  return hash;
}

/** Every account balance of the trees, by `ak_` id. */
export function balancesOf(trees: ChannelTrees): Balances {
  return treesBalances(trees) as Balances;
}

/** A mutually signed state: the latest one the channel agreed on. */
export interface CoSignedState {
  /** The co-signed tx (create, off-chain, deposit or withdraw; or a consumed force progress), §8.4. */
  signedTx: Encoded<'tx'>;
  round: bigint;
  /** The full state trees after the round. */
  trees: ChannelTrees;
  /** The balances of `trees` (derived, kept for the queries). */
  balances: Balances;
  /** The tag of the inner tx (57 for an off-chain tx). */
  tag: number;
}

/**
 * A co-signed state with its balances derived from the trees.
 * @param signedTx - the co-signed tx
 * @param round - its round
 * @param trees - the trees after it
 * @param tag - the inner tx tag
 * @returns the state
 */
export function coSigned(signedTx: Encoded<'tx'>, round: bigint, trees: ChannelTrees, tag: number): CoSignedState {
  return { signedTx, round, trees, balances: balancesOf(trees), tag };
}
