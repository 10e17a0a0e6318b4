/**
 * The off-chain state of a payment channel: two account balances, a round and the latest
 * co-signed transaction (PROTOCOL.md §2.7, §2.11, §9.3).
 *
 * Updates travel between the two FSMs and to the clients in their JSON form (§2.7); the
 * devnode applies them to the balances itself, never trusting the peer's state hash.
 * Contract updates are not simulated (README).
 */
import { computeStateHash, type Encoded, type JsonValue } from '@aechannel/codec';
import { RpcFailure, rejected } from './rpc.js';

/** An off-chain update in its JSON form (§2.7). */
export type OffChainUpdate =
  | { op: 'OffChainTransfer'; from: Encoded<'ak'>; to: Encoded<'ak'>; amount: bigint }
  | { op: 'OffChainDeposit'; from: Encoded<'ak'>; amount: bigint }
  | { op: 'OffChainWithdrawal'; to: Encoded<'ak'>; amount: bigint }
  | { op: 'OffChainMeta'; data: string };

/** Balances of the two participants. */
export type Balances = Record<Encoded<'ak'>, bigint>;

/** The JSON value of an update list, as sent in `channels.sign.*` (§8.2). */
export function updatesToJson(updates: readonly OffChainUpdate[]): JsonValue[] {
  return updates.map((u) => ({ ...u }) as JsonValue);
}

/**
 * Applies updates to balances, checking what the node checks for each (§7.2, §7.3).
 * @param balances - the balances before
 * @param updates - the updates, meta updates included (they change nothing)
 * @param reserve - the channel reserve
 * @returns the new balances
 * @throws {RpcFailure} 1003 (not a participant / from = to), 1001 (below reserve) or
 *   -32603-style failures for a withdrawal overdraft
 */
export function applyUpdates(balances: Balances, updates: readonly OffChainUpdate[], reserve: bigint): Balances {
  const next: Balances = { ...balances };
  const has = (id: Encoded<'ak'>): boolean => Object.hasOwn(next, id);
  for (const update of updates) {
    switch (update.op) {
      case 'OffChainTransfer': {
        if (!has(update.from) || !has(update.to) || update.from === update.to) throw new RpcFailure(rejected(1003));
        if (update.amount < 0n) throw new RpcFailure(rejected(1002));
        if ((next[update.from] as bigint) - update.amount < reserve) throw new RpcFailure(rejected(1001));
        next[update.from] = (next[update.from] as bigint) - update.amount;
        next[update.to] = (next[update.to] as bigint) + update.amount;
        break;
      }
      case 'OffChainDeposit':
        if (!has(update.from)) throw new RpcFailure(rejected(1003));
        next[update.from] = (next[update.from] as bigint) + update.amount;
        break;
      case 'OffChainWithdrawal':
        if (!has(update.to)) throw new RpcFailure(rejected(1003));
        if ((next[update.to] as bigint) - update.amount < reserve) throw new RpcFailure(rejected(1001));
        next[update.to] = (next[update.to] as bigint) - update.amount;
        break;
      case 'OffChainMeta':
        break;
      default:
    }
  }
  return next;
}

/** State hash of balances (§2.11): the accounts tree of the two participants, nonce 0. */
export function stateHashOf(balances: Balances): Encoded<'st'> {
  return computeStateHash(balances);
}

/** A mutually signed state: the latest one the channel agreed on. */
export interface CoSignedState {
  /** The co-signed tx (create, off-chain, deposit or withdraw), §8.4. */
  signedTx: Encoded<'tx'>;
  round: bigint;
  balances: Balances;
  /** The tag of the inner tx (57 for an off-chain tx). */
  tag: number;
}
