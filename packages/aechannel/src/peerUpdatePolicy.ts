/**
 * The default policy for peer proposals (`onPeerUpdate`): what a `Channel` co-signs when the
 * application says nothing.
 *
 * By the time a proposal reaches a policy, the fsm has checked that the tx is exactly what
 * the peer announced (channel, round, parties, state hash recomputed from the updates,
 * reserve, fee bounds) and the driver has checked the peer's signature. What remains is a
 * question only the application can answer: *does this participant agree?* The default
 * answers it for the cases where no agreement is needed:
 *
 * - incoming funds (the peer pays us), and the peer moving its own funds (its deposit or
 *   withdrawal): accepted, since this participant's balance does not go down;
 * - anything that pays out of this participant's balance and that it did not start (the
 *   peer's `transfer(self, x, { from: us })`, or a deposit/withdrawal whose updates move
 *   our funds): refused, with abort code 4 ("abort", PROTOCOL.md §8.6), so the peer sees a
 *   conflict and nothing is signed;
 * - the peer's mutual close: accepted (it pays out the latest balances minus the §5.5 fee
 *   split, and the fee is bounded by `maxFee` or its default before the policy runs);
 * - the peer's contract create or call (`request.contract`): accepted when, like any other
 *   proposal, it does not pay out of this participant's balance. Its owner/caller is always
 *   the peer (the fsm checked it, CONTRACTS.md §2.1), so it can only move the peer's own
 *   coins into a contract, and the fsm recomputed its result with the VM. What it does to
 *   a contract's state is for the application to judge: give an `onPeerUpdate` that looks
 *   at `request.contract` (the update and its decoded results) to refuse calls it dislikes.
 *
 * An application widens it by passing its own `onPeerUpdate`, which may fall back to
 * {@link defaultPeerUpdatePolicy} for what it does not decide itself.
 */
import type { PeerUpdateRequest } from './Channel.js';

const KIND: Record<string, string> = {
  update_ack: 'off-chain update',
  deposit_ack: 'deposit',
  withdraw_ack: 'withdrawal',
  shutdown_sign_ack: 'mutual close',
};

/**
 * Why the default policy refuses a peer proposal, or `null` when it accepts it (see the
 * module doc).
 * @param request - the proposal, as a policy receives it
 * @returns the reason for refusing, or `null`
 * @example
 * const why = peerUpdateRefusal(request);
 * if (why !== null) console.warn('refusing:', why);
 */
export function peerUpdateRefusal(request: PeerUpdateRequest): string | null {
  const kind = request.contract === undefined ? (KIND[request.tag] ?? request.tag) : request.contract.update.op === 'newContract' ? 'contract create' : 'contract call';
  if (request.tag === 'shutdown_sign_ack') return null;
  const before = request.balances[request.address];
  const after = request.nextBalances?.[request.address];
  if (before === undefined || after === undefined) {
    return `the effect of the peer's ${kind} on this participant's balance is unknown`;
  }
  if (after < before) {
    return `the peer's ${kind} would pay ${before - after} aettos out of this participant's balance, which it did not start (accept such requests with an onPeerUpdate policy)`;
  }
  return null;
}

/**
 * The policy a `Channel` uses when `onPeerUpdate` is not given: accepts incoming funds, the
 * peer's own deposits and withdrawals and its mutual close; refuses whatever pays out of
 * this participant's balance (see the module doc and {@link peerUpdateRefusal}).
 * @param request - the proposal
 * @returns `true` to co-sign, `false` to refuse (abort code 4)
 * @example
 * // accept requests for up to 100 aettos, otherwise decide as the default does
 * const onPeerUpdate: PeerUpdatePolicy = (request) =>
 *   request.balances[request.address]! - (request.nextBalances?.[request.address] ?? 0n) <= 100n || defaultPeerUpdatePolicy(request);
 */
export function defaultPeerUpdatePolicy(request: PeerUpdateRequest): boolean {
  return peerUpdateRefusal(request) === null;
}
