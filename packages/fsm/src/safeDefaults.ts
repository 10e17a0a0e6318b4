/**
 * Safe defaults for the fields of a tx the user did not set: its fee, its ttl and its
 * nonce. {@link verifySignRequest} applies them when the options leave a limit unset; each
 * is widened by an explicit option (`maxFee`, `maxTtl`, `maxNonceGap`).
 *
 * - **Fee.** A fee the user chose (a command's `fee`/`gasPrice`, the open-time `fee`/
 *   `gasPrice`) is checked exactly against the node's rule (PROTOCOL.md §5.3) while no
 *   `maxFee` is set. With `maxFee` the user has bounded what a fee may cost, and an own tx
 *   may carry any fee from the node's minimum (the tx's size at the request's gas price,
 *   else 1e9, §5.2) up to it: an older node's fixed fee, or a node that did not take the
 *   request's fee as computed here, is then accepted. A fee the
 *   user did not choose, the fee of the peer's close mutual (paid out of the channel, §5.5),
 *   is bounded by {@link defaultMaxFee}: the minimum fee of the tx at
 *   {@link DEFAULT_MAX_FEE_MULTIPLIER} times the node's minimum gas price (§5.1, 1e9). The
 *   node's own rule gives 1x; a peer that pays for faster inclusion stays within the bound.
 * - **Ttl.** An own tx carries exactly the open-time `ttl` (else 0, §5.6). A tx the peer
 *   built and we co-sign (deposit, withdrawal, close mutual) carries the peer's setting,
 *   which we do not know: it must be 0 (no expiry: what every node uses unless told
 *   otherwise, so it cannot be refused without refusing every honest peer) or at most
 *   {@link maxPeerTtl}, by default our own `ttl`. A larger height would keep a tx carrying
 *   our signature postable longer than we let our own txs be.
 * - **Nonce.** A tx this client pays for carries its account's next nonce (§5.6: the
 *   highest pending nonce + 1, else the on-chain nonce + 1). The client cannot read the
 *   chain; from this channel it knows the nonces of the on-chain txs of its own it signed
 *   (stored before each signed tx goes out) and which of them reached the chain (its create
 *   tx as initiator, its co-signed deposits and withdrawals). If the account sends nothing
 *   else, the next nonce is above the highest one on chain (those are used) and at most the
 *   highest one signed + 1 (that tx pending or mined; a tx that was never posted leaves its
 *   nonce free again): {@link expectedNonceRange}. That is the strictest rule that never
 *   refuses a tx the node builds for such an account. It cannot know txs sent elsewhere, so
 *   an account shared with another channel or a wallet needs `nonce` per operation (checked
 *   exactly) or `maxNonceGap`. Before the first own on-chain tx (a responder's first
 *   deposit, withdrawal or close) nothing is known and the nonce is not checked unless the
 *   operation gives one. A nonce jump would leave a co-signed tx in the mempool that becomes
 *   valid later, when the channel has moved on.
 */
import { MIN_MINER_GAS_PRICE, minFee, type TxWithFee } from '@aechannel/codec';
import type { ChannelOptions, OwnNonces } from './types.js';

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

/**
 * The highest non-zero ttl (an absolute height) accepted on a tx the peer built: `maxTtl`
 * when set, else the open-time `ttl`, else 0 (then only ttl 0 is accepted).
 * @param options - the channel options
 * @returns the bound
 * @example maxPeerTtl({ ttl: 1000n }) // 1000n
 */
export function maxPeerTtl(options: Pick<ChannelOptions, 'ttl' | 'maxTtl'>): bigint {
  return options.maxTtl ?? options.ttl ?? 0n;
}

/**
 * The nonces a tx this client pays for may carry when the operation gives none (see the
 * module doc): from the highest nonce on chain + 1 (1 when none is known) to the highest
 * one signed + 1 + `maxNonceGap`. A generalized account, whose channel txs carry nonce 0
 * (§2.9), keeps 0.
 * @param nonces - what the channel knows (`state.ownNonces`)
 * @param maxNonceGap - nonces that may be skipped (default 0)
 * @returns the inclusive range, or `null` when nothing is known yet (not checked)
 * @example expectedNonceRange({ signed: 186n, onChain: 185n }) // { min: 186n, max: 187n }
 */
export function expectedNonceRange(nonces: OwnNonces, maxNonceGap = 0n): { min: bigint; max: bigint } | null {
  const { signed, onChain } = nonces;
  const known = [signed, onChain].filter((n): n is bigint => n !== null);
  if (known.length === 0) return null;
  const highest = known.reduce((a, b) => (a > b ? a : b));
  if (highest === 0n) return { min: 0n, max: 0n };
  return { min: onChain === null ? 1n : onChain + 1n, max: highest + 1n + maxNonceGap };
}
