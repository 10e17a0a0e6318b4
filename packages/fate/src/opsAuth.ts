/**
 * The ops that read the transaction being authorized (CONTRACTS.md §4.3: `AUTH_TX_HASH`,
 * `AUTH_TX`, `FEE`) and the GA authentication context they read (PROTOCOL.md §2.9).
 *
 * A generalized account's auth function runs as a top-level call on chain with the tx hash
 * it authorizes (`Auth.tx_hash`); the node's dispatcher then refuses every op not allowed
 * in GA authentication (`Operation 'OP' not allowed in GA Authentication context`,
 * `engine.ts`). Inside a channel update there is no such context: `Auth.tx_hash` and
 * `Auth.tx` are `None` and `Call.fee` is 0.
 *
 * `Auth.tx` is the `Chain.tx` record of the tx being authorized, `{paying_for, ga_metas,
 * actor, fee, ttl, tx}` with `tx` a `Chain.base_tx` variant, built with the node's memory
 * cells (its `aefa_fate_op:make_fate_tx`): the variant of the base tx (its fields plus 48
 * and 4 cells per tuple, 2 per integer, `bytes div 8` per string), 8 for `None` (23 for a
 * PayingFor), 14 per GA meta the tx is wrapped in, and 24 for the record. The node fills
 * it only when the meta tx itself is processed on chain; the channel FSM's own check of a
 * GA signature sets only the hash. The variants made here are those of the channel txs and
 * spend; any other tx kind is `FATE_UNSUPPORTED`, and so is a tx with ttl 0 (the node puts
 * the atom `max_ttl` into the record and crashes when the value is traversed). Checked
 * against the node in `src/ga.test.ts` (`test/fixtures/ga-auth-vectors.json`).
 */
import { decode, Tag, type Encoded, type Tx } from '@aechannel/codec';
import type { Operand } from './code.js';
import type { Machine } from './engine.js';
import { VmUnsupported } from './outcome.js';
import { fBytes, fObject, fSome, fString, fTuple, fVariant, NIL, NONE, cons, type FateValue } from './values.js';

/** The GA authentication a call runs in (PROTOCOL.md §2.9). */
export interface GaAuthContext {
  /** `Auth.tx_hash`: the hash the node computes for the tx being authorized (codec `gaAuthTxHash`). */
  readonly txHash: Uint8Array;
  /**
   * `Auth.tx`: the tx being authorized (the tx the meta tx wraps, signatures aside), when the
   * meta tx is processed on chain; absent (`None`) when the channel FSM checks a GA signature.
   */
  readonly tx?: Tx;
}

type Handler = (m: Machine, a: readonly Operand[]) => void;
const H: Record<string, Handler> = {};

/** Arities of the `Chain.base_tx` constructors, in the node's order. */
const BASE_TX_ARITIES = [3, 0, 0, 0, 0, 0, 1, 1, 1, 2, 1, 2, 2, 1, 1, 1, 1, 1, 1, 1, 2, 0] as const;

/** Constructor index of each channel tx (and spend) in `Chain.base_tx`. */
const BASE_TX_TAG: Readonly<Partial<Record<number, number>>> = {
  [Tag.SpendTx]: 0,
  [Tag.ChannelCreateTx]: 10,
  [Tag.ChannelDepositTx]: 11,
  [Tag.ChannelWithdrawTx]: 12,
  [Tag.ChannelForceProgressTx]: 13,
  [Tag.ChannelCloseMutualTx]: 14,
  [Tag.ChannelCloseSoloTx]: 15,
  [Tag.ChannelSlashTx]: 16,
  [Tag.ChannelSettleTx]: 17,
  [Tag.ChannelSnapshotSoloTx]: 18,
};

const address = (id: string): FateValue => fObject('address', decode(id, ['ak', 'ch', 'ct']));

/** Cells of a base tx with `fields` fields: 48 + n, plus 4 for its tuple. */
const baseCells = (fields: number): number => fields + 48 + 4;

/** The `Chain.base_tx` variant of a tx and its cells; unsupported for other kinds. */
function baseTx(tx: Tx): { value: FateValue; cells: number; actor: string; fee: bigint; ttl: bigint } {
  const tag = BASE_TX_TAG[tx.tag];
  if (tag === undefined) throw new VmUnsupported('AUTH_TX');
  const variant = (fields: FateValue[]) => fVariant(BASE_TX_ARITIES, tag, fields);
  switch (tx.tag) {
    case Tag.SpendTx:
      return {
        value: variant([address(tx.recipientId), tx.amount, fString(tx.payload)]),
        cells: baseCells(3) + 2 + Math.floor(tx.payload.length / 8),
        actor: tx.senderId, fee: tx.fee, ttl: tx.ttl,
      };
    case Tag.ChannelCreateTx:
      return { value: variant([address(tx.responderId)]), cells: baseCells(1), actor: tx.initiatorId, fee: tx.fee, ttl: tx.ttl };
    case Tag.ChannelDepositTx:
      return { value: variant([address(tx.channelId), tx.amount]), cells: baseCells(2) + 2, actor: tx.fromId, fee: tx.fee, ttl: tx.ttl };
    case Tag.ChannelWithdrawTx:
      return { value: variant([address(tx.channelId), tx.amount]), cells: baseCells(2) + 2, actor: tx.toId, fee: tx.fee, ttl: tx.ttl };
    case Tag.ChannelForceProgressTx:
    case Tag.ChannelCloseMutualTx:
    case Tag.ChannelCloseSoloTx:
    case Tag.ChannelSlashTx:
    case Tag.ChannelSettleTx:
    case Tag.ChannelSnapshotSoloTx:
      return { value: variant([address(tx.channelId)]), cells: baseCells(1), actor: tx.fromId, fee: tx.fee, ttl: tx.ttl };
    default:
      throw new VmUnsupported('AUTH_TX');
  }
}

/**
 * The `Chain.tx` record of a tx being authorized and the memory cells the node charges for
 * it (module doc). A GA meta tx is unwrapped: each one becomes a `GAMetaTx(actor, fee)` entry.
 * @param tx - the authorized tx (signatures aside)
 * @returns the FATE value and its cells
 * @throws {VmUnsupported} for a tx kind without a variant here (and PayingFor)
 * @internal
 */
export function authTxValue(tx: Tx): { value: FateValue; cells: number } {
  const metas: FateValue[] = [];
  let inner: Tx = tx;
  while (inner.tag === Tag.GaMetaTx) {
    metas.push(fVariant([2], 0, [address(inner.gaId), inner.fee]));
    const wrapped = inner.tx;
    if (wrapped.tag !== Tag.SignedTx) throw new VmUnsupported('AUTH_TX');
    inner = wrapped.encodedTx;
  }
  if (inner.tag === Tag.PayingForTx) throw new VmUnsupported('AUTH_TX');
  const base = baseTx(inner);
  // For a ttl of 0 the node puts the atom `max_ttl` into the record (its aetx:ttl/1) and
  // crashes when the value is traversed: no result to reproduce, so refuse.
  if (base.ttl === 0n) throw new VmUnsupported('AUTH_TX');
  let list: FateValue = NIL;
  for (let i = metas.length - 1; i >= 0; i -= 1) list = cons(metas[i] as FateValue, list);
  const value = fTuple([NONE, list, address(base.actor as Encoded<'ak'>), base.fee, base.ttl, base.value]);
  return { value, cells: base.cells + 8 + 14 * metas.length + 24 };
}

// Auth.tx_hash: Some(bytes(32)) in GA authentication (4 cells), else None (3).
H['AUTH_TX_HASH'] = (m, a) => {
  const hash = m.auth?.txHash;
  m.cellsGas(hash === undefined ? 3 : 4);
  m.put(a[0]!, hash === undefined ? NONE : fSome(fBytes(hash)));
};

// Auth.tx: the tx being authorized when the meta tx is processed on chain, else None (8 cells).
H['AUTH_TX'] = (m, a) => {
  const tx = m.auth?.tx;
  if (tx === undefined) {
    m.cellsGas(8);
    m.put(a[0]!, NONE);
    return;
  }
  const { value, cells } = authTxValue(tx);
  m.cellsGas(cells);
  m.put(a[0]!, fSome(value));
};

// Call.fee: the meta tx's fee in an authorization, 0 in a channel.
H['FEE'] = (m, a) => m.put(a[0]!, m.fee);

/** The handlers of this file, by mnemonic. @internal */
export const authOps: Record<string, Handler> = H;
