/**
 * Fees and gas, PROTOCOL.md §5.
 *
 * `fee_gas(tx) = base_gas(tag) + 20 * size`, where `size` is the byte length of `S(inner tx)`
 * (no signed-tx envelope, no signatures, §5.2), and `min_fee = fee_gas * gas_price`. The fee
 * is itself a field of the tx, so the node finds it by a fix-point of at most 5 attempts
 * (§5.3); {@link fixFee} reproduces it, including how a requested `fee` and `gas_price`
 * combine. The close-mutual fee comes out of the channel and is split by
 * {@link splitCloseMutualFee} (§5.5).
 */
import { AechannelError } from './errors.js';
import { serializeObject } from './serializeObject.js';
import { Tag } from './tag.js';
import type { Tx } from './tx.js';

/** The node's default `mining.min_miner_gas_price` (§5.1). */
export const MIN_MINER_GAS_PRICE = 1_000_000_000n;
/** Protocol minimum gas price from Minerva (§5.1). */
export const PROTOCOL_MIN_GAS_PRICE = 1_000_000n;
/** Base gas of a transaction (§5.1). */
export const TX_BASE_GAS = 15_000n;
/** Gas per byte of `S(inner tx)` (§5.1). */
export const BYTE_GAS = 20n;
/** Attempts of the fee fix-point (§5.3). */
export const MAX_FEE_ATTEMPTS = 5;

const CONTRACT_CREATE_TX = 42;
const CONTRACT_CALL_TX = 43;

/** Transactions that carry a `fee` field. */
export type TxWithFee = Extract<Tx, { fee: bigint }>;

/** Error codes of the fee functions. */
export type FeeErrorType = 'CODEC_FEE_NOT_COMPUTABLE' | 'CODEC_FEE_TOO_LOW' | 'CODEC_INSUFFICIENT_BALANCE' | 'CODEC_UNSUPPORTED_OBJECT';

/**
 * Base gas of a transaction tag (§5.1, protocol Fortuna and later).
 * @param tag - a transaction tag
 * @returns the base gas; `0n` for the off-chain tx (no fee, no gas)
 * @throws {AechannelError} `CODEC_UNSUPPORTED_OBJECT` for a tag that is not a transaction
 * @example baseGas(Tag.ChannelForceProgressTx) // 450000n
 */
export function baseGas(tag: number): bigint {
  switch (tag) {
    case Tag.ChannelOffChainTx:
      return 0n;
    case Tag.ChannelForceProgressTx:
      return 30n * TX_BASE_GAS;
    case Tag.GaAttachTx:
    case Tag.GaMetaTx:
    case CONTRACT_CREATE_TX:
      return 5n * TX_BASE_GAS;
    case CONTRACT_CALL_TX:
      return 12n * TX_BASE_GAS;
    case Tag.SpendTx:
    case Tag.ChannelCreateTx:
    case Tag.ChannelDepositTx:
    case Tag.ChannelWithdrawTx:
    case Tag.ChannelCloseMutualTx:
    case Tag.ChannelCloseSoloTx:
    case Tag.ChannelSlashTx:
    case Tag.ChannelSettleTx:
    case Tag.ChannelSnapshotSoloTx:
    case Tag.ChannelSetDelegatesTx:
    case Tag.PayingForTx:
      return TX_BASE_GAS;
    default:
      throw new AechannelError('CODEC_UNSUPPORTED_OBJECT', `Tag ${tag} is not a transaction with a fee.`, {
        context: { tag, version: undefined },
      });
  }
}

function innerOf(tx: Tx): Tx {
  if (typeof tx !== 'object' || tx === null) {
    throw new AechannelError('CODEC_UNSUPPORTED_OBJECT', `Expected a transaction object, got ${tx === null ? 'null' : typeof tx}.`, {
      context: { tag: undefined, version: undefined },
    });
  }
  return tx.tag === Tag.SignedTx ? innerOf(tx.encodedTx) : tx;
}

/** Throws `CODEC_INVALID_FIELD` unless every named value is a non-negative bigint. */
function assertAmounts(values: Readonly<Record<string, unknown>>): void {
  for (const [field, value] of Object.entries(values)) {
    if (typeof value !== 'bigint' || value < 0n) {
      throw new AechannelError('CODEC_INVALID_FIELD', `${field} must be a non-negative bigint.`, {
        context: { field, got: typeof value === 'bigint' ? value : typeof value },
      });
    }
  }
}

/**
 * Gas a transaction pays for (§5.2): `base_gas + 20 * size(S(tx))`. For a signed tx the
 * inner tx is measured (signatures are never charged); a GA meta tx (Iris and later)
 * is measured without the tx it wraps. Force progress counts only its
 * base and size here; the contract gas of its update is paid separately.
 * @param tx - the transaction
 * @returns the gas
 * @throws {AechannelError} `CODEC_UNSUPPORTED_OBJECT`, `CODEC_INVALID_FIELD`
 * @example feeGas(createTx) // 17640n for the seed 000 create
 */
export function feeGas(tx: Tx): bigint {
  const inner = innerOf(tx);
  const base = baseGas(inner.tag);
  if (inner.tag === Tag.ChannelOffChainTx) return 0n;
  const size = BigInt(serializeObject(inner).length);
  // §2.9 (Iris and later): a GA meta tx pays for its own bytes, not for the tx it wraps
  // (that one pays its own fee); the signatures around the wrapped tx still count.
  if (inner.tag === Tag.GaMetaTx) return base + BYTE_GAS * (size - BigInt(serializeObject(innerOf(inner.tx)).length));
  return base + BYTE_GAS * size;
}

/**
 * Minimum fee of a transaction as it is (§5.2): `fee_gas(tx) * gasPrice`.
 * @param tx - the transaction (a signed tx is measured by its inner tx)
 * @param gasPrice - defaults to {@link MIN_MINER_GAS_PRICE}
 * @returns the fee in aettos
 * @throws {AechannelError} `CODEC_UNSUPPORTED_OBJECT` for an object that is not a transaction
 *   with a fee, `CODEC_INVALID_FIELD` for a bad field or a gas price that is not a non-negative bigint
 * @example minFee(withdrawTx) // 17340000000000n for an inner size of 117 bytes
 */
export function minFee(tx: Tx, gasPrice: bigint = MIN_MINER_GAS_PRICE): bigint {
  assertAmounts({ gasPrice });
  return feeGas(tx) * gasPrice;
}

/** Options of {@link fixFee}: the request's `fee` and/or `gas_price` (§5.3). */
export interface FixFeeParameters {
  fee?: bigint | undefined;
  gasPrice?: bigint | undefined;
}

function fixPoint<T extends TxWithFee>(tx: T, gasPrice: bigint): T {
  let fee = 0n;
  for (let attempt = 0; attempt < MAX_FEE_ATTEMPTS; attempt += 1) {
    const candidate = { ...tx, fee };
    const required = minFee(candidate, gasPrice);
    if (required <= fee) return candidate;
    fee = required;
  }
  throw new AechannelError('CODEC_FEE_NOT_COMPUTABLE', `Could not compute the fee in ${MAX_FEE_ATTEMPTS} attempts.`, {
    context: { tag: tx.tag, gasPrice, lastFee: fee },
  });
}

/**
 * Sets the fee the node would pick (§5.3):
 * - neither `fee` nor `gasPrice`: fix-point with the miner minimum gas price (1e9);
 * - `gasPrice` only: fix-point with that gas price;
 * - `fee` only: that fee, refused when below `fee_gas * PROTOCOL_MIN_GAS_PRICE`;
 * - both: the larger of the given fee and the fix-point fee with the given gas price.
 *
 * Force progress: the node also raises the gas price written into the call update when
 * the fix-point raises the fee; that update is opaque bytes here and is left unchanged.
 * @param tx - an inner transaction with a `fee` field
 * @param parameters - the request's `fee` and `gasPrice`
 * @returns a copy of `tx` with the fee set
 * @throws {AechannelError} `CODEC_FEE_NOT_COMPUTABLE` when the fix-point does not settle,
 *   `CODEC_FEE_TOO_LOW` for a given fee below the protocol minimum, `CODEC_UNSUPPORTED_OBJECT`,
 *   `CODEC_INVALID_FIELD` for a bad field of `tx` or a `fee`/`gasPrice` that is not a non-negative bigint
 * @example fixFee({ ...createTx, fee: 0n }).fee // 17640000000000n for seed 000
 */
export function fixFee<T extends TxWithFee>(tx: T, parameters: FixFeeParameters = {}): T {
  const { fee, gasPrice } = parameters;
  if (fee !== undefined) assertAmounts({ fee });
  if (gasPrice !== undefined) assertAmounts({ gasPrice });
  if (fee === undefined) return fixPoint(tx, gasPrice ?? MIN_MINER_GAS_PRICE);
  const withFee = { ...tx, fee };
  if (gasPrice !== undefined) {
    const computed = fixPoint(tx, gasPrice);
    return computed.fee > fee ? computed : withFee;
  }
  const minimum = minFee(withFee, PROTOCOL_MIN_GAS_PRICE);
  if (fee < minimum) {
    throw new AechannelError('CODEC_FEE_TOO_LOW', `Fee ${fee} is below the protocol minimum ${minimum}.`, {
      context: { tag: tx.tag, fee, minimum },
    });
  }
  return withFee;
}

/** What {@link splitCloseMutualFee} returns. */
export interface SplitCloseMutualFeeReturnType {
  initiatorAmountFinal: bigint;
  responderAmountFinal: bigint;
}

/**
 * Splits the close-mutual fee between the channel balances (§5.5): half each (the initiator
 * pays the odd unit when it can), or as much as the poorer side can with the rest from the other.
 * @param initiatorBalance - off-chain balance of the initiator
 * @param responderBalance - off-chain balance of the responder
 * @param fee - the close-mutual fee
 * @returns the final amounts
 * @throws {AechannelError} `CODEC_INSUFFICIENT_BALANCE` when the balances together are below the fee,
 *   `CODEC_INVALID_FIELD` for a value that is not a non-negative bigint
 * @example splitCloseMutualFee(69999999999998n, 40000000000002n, 16900000000000n)
 * // { initiatorAmountFinal: 61549999999998n, responderAmountFinal: 31550000000002n }
 */
export function splitCloseMutualFee(initiatorBalance: bigint, responderBalance: bigint, fee: bigint): SplitCloseMutualFeeReturnType {
  assertAmounts({ initiatorBalance, responderBalance, fee });
  const I = initiatorBalance;
  const R = responderBalance;
  const F = fee;
  const floor = F / 2n;
  const ceil = F - floor;
  if (I + R < F) {
    throw new AechannelError('CODEC_INSUFFICIENT_BALANCE', `Balances ${I} + ${R} do not cover the fee ${F}.`, {
      context: { initiatorBalance: I, responderBalance: R, fee: F },
    });
  }
  if (I >= ceil && R >= floor) return { initiatorAmountFinal: I - ceil, responderAmountFinal: R - floor };
  if (R >= ceil && I >= floor) return { initiatorAmountFinal: I - floor, responderAmountFinal: R - ceil };
  if (I > R) return { initiatorAmountFinal: I - F + R, responderAmountFinal: 0n };
  return { initiatorAmountFinal: 0n, responderAmountFinal: R - F + I };
}
