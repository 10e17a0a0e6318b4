/**
 * Safe defaults for the fields of a tx the user did not set: its fee, its ttl and its
 * nonce. {@link verifySignRequest} applies them when the options leave a limit unset; each
 * is widened by an explicit option (`maxFee`, `maxTtl`, `maxNonceGap`).
 *
 * - **Fee.** A fee the user chose (a command's `fee`/`gasPrice`, the open-time `fee`/
 *   `gasPrice`) is checked exactly against the node's rule (PROTOCOL.md §5.3). A fee the
 *   user did not choose, the fee of the peer's close mutual (paid out of the channel, §5.5),
 *   is bounded by {@link defaultMaxFee}: the minimum fee of the tx at
 *   {@link DEFAULT_MAX_FEE_MULTIPLIER} times the node's minimum gas price (§5.1, 1e9). The
 *   node's own rule gives 1x; a peer that pays for faster inclusion stays within the bound.
 */
import { MIN_MINER_GAS_PRICE, minFee, type TxWithFee } from '@aechannel/codec';

/** How many times the node's minimum fee (§5.2 at gas price 1e9) a fee may reach by default. */
export const DEFAULT_MAX_FEE_MULTIPLIER = 10n;

/**
 * The default limit of a fee the user did not choose: the tx's minimum fee (§5.2, its own
 * size) at {@link DEFAULT_MAX_FEE_MULTIPLIER} x the node's minimum gas price.
 * @param tx - the tx as it would be posted (with its fee, so its size counts the fee field)
 * @returns the highest fee accepted without an explicit `maxFee`
 * @throws {AechannelError} `CODEC_UNSUPPORTED_OBJECT` for an object that is not a tx with a fee
 * @example defaultMaxFee(closeMutual) // 10n * minFee(closeMutual)
 */
export function defaultMaxFee(tx: TxWithFee): bigint {
  return minFee(tx, DEFAULT_MAX_FEE_MULTIPLIER * MIN_MINER_GAS_PRICE);
}
