/**
 * Safe defaults for what a tx may cost or leave open when the application set no limit
 * (issue 11, money safety): the fee of a tx whose fee the user did not choose (a peer's
 * close mutual) is bounded by a default derived from the node's minimum fee; a tx the peer
 * built may not carry a ttl beyond the channel's own; and a tx this client pays for carries
 * the nonce the client can account for. Each default can be widened by an option.
 */
import { computeChannelId, fixFee, minFee, MIN_MINER_GAS_PRICE, type TxWithFee } from '@aechannel/codec';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_FEE_MULTIPLIER, defaultMaxFee } from '../src/index.js';
import { createInitialState, getPersistedChannel } from '../src/index.js';
import {
  channelUpdate,
  closeMutualTx,
  conflict,
  connected,
  createTx,
  depositTx,
  depositUpdate,
  FSM_ID,
  I,
  info,
  onChainTx,
  R,
  securityEvents,
  sends,
  SIG_I,
  SIG_R,
  signedBy,
  signRequest,
  signs,
  unsigned,
  withdrawTx,
  withdrawUpdate,
  Driver,
  type Balances,
} from './helpers.js';

const AE = 10n ** 18n;
/** A channel of 1 AE each (room for large fees). */
const BIG: Balances = { [I]: AE, [R]: AE };

/** Like helpers' openChannel, for a channel of 1 AE each. */
function openBig(role: 'initiator' | 'responder', extra: Parameters<typeof connected>[1] = {}): Driver {
  const d = connected(role, { initiatorAmount: AE, responderAmount: AE, pushAmount: 0n, ...extra });
  const create = fixFee(createTx({ initiatorAmount: AE, responderAmount: AE }, BIG) as TxWithFee, {});
  d.node(info('fsm_up', { fsm_id: FSM_ID }, null));
  if (role === 'initiator') {
    d.node(info('channel_accept', {}, null));
    d.node(signRequest('initiator_sign', unsigned(create), []));
    d.sign(SIG_I);
    d.node(info('funding_signed', { fsm_id: FSM_ID }));
  } else {
    d.node(info('channel_open', {}, null));
    d.node(info('funding_created', { fsm_id: FSM_ID }));
    d.node(signRequest('responder_sign', signedBy(unsigned(create), SIG_I), []));
    d.sign(SIG_R);
  }
  const coSigned = signedBy(unsigned(create), SIG_I, SIG_R);
  d.node(onChainTx('channel_changed', coSigned, 'channel_create_tx'));
  d.node(info('own_funding_locked'));
  d.node(info('funding_locked'));
  d.node(info('open'));
  d.node(channelUpdate(coSigned));
  expect(d.state.round).toBe(1n);
  d.effects = [];
  return d;
}

/** The draft the node computes a close-mutual fee on: the full balances (§5.5). */
const draft = (from: typeof I | typeof R, fee = 0n): TxWithFee => ({ ...closeMutualTx(from, BIG, 0n), fee, initiatorAmountFinal: AE, responderAmountFinal: AE }) as TxWithFee;
const ruleFee = (from: typeof I | typeof R): bigint => fixFee(draft(from), {}).fee;

function peerShutdown(d: Driver, fee: bigint): ReturnType<Driver['node']> {
  d.node(info('shutdown'));
  const from = d.state.options.role === 'initiator' ? R : I;
  return d.node(signRequest('shutdown_sign_ack', signedBy(unsigned(closeMutualTx(from, BIG, fee)), from === I ? SIG_I : SIG_R)));
}

describe('default maxFee (a fee the user did not choose)', () => {
  it('is the minimum fee at 10x the node minimum gas price', () => {
    expect(DEFAULT_MAX_FEE_MULTIPLIER).toBe(10n);
    const tx = draft(I, ruleFee(I));
    expect(defaultMaxFee(tx)).toBe(minFee(tx, 10n * MIN_MINER_GAS_PRICE));
    expect(defaultMaxFee(tx)).toBe(ruleFee(I) * 10n);
  });

  it("refuses a peer's close mutual whose fee is 1000x the node rule, without a maxFee set", () => {
    const d = openBig('responder');
    const effects = peerShutdown(d, ruleFee(I) * 1000n);
    expect(signs(effects)).toEqual([]);
    expect(securityEvents(effects).map((e) => e.reason).join()).toMatch(/fee .* exceeds the default maxFee/);
    expect(sends(effects)).toEqual([{ method: 'channels.shutdown_sign_ack', params: { error: 1n } }]);
  });

  it("co-signs a peer's close mutual at the node rule and up to 10x it", () => {
    for (const factor of [1n, 10n]) {
      const d = openBig('responder');
      const effects = peerShutdown(d, ruleFee(I) * factor);
      expect(securityEvents(effects)).toEqual([]);
      expect(signs(effects)).toHaveLength(1);
    }
  });

  it('is widened by an explicit maxFee', () => {
    const d = openBig('responder', { maxFee: ruleFee(I) * 1000n });
    const effects = peerShutdown(d, ruleFee(I) * 1000n);
    expect(securityEvents(effects)).toEqual([]);
    expect(signs(effects)).toHaveLength(1);
  });

  it('does not limit a fee the user asked for on its own tx', () => {
    const d = openBig('initiator');
    const fee = ruleFee(I) * 1000n;
    d.command({ kind: 'shutdown', fee });
    const effects = d.node(signRequest('shutdown_sign', unsigned(closeMutualTx(I, BIG, fee))));
    expect(securityEvents(effects)).toEqual([]);
    expect(signs(effects)).toHaveLength(1);
  });
});

describe("bounded ttl of a tx the peer built (deposit_ack, withdraw_ack, shutdown_sign_ack)", () => {
  const HUGE = 2n ** 64n;
  const plus = (b: Balances, who: typeof I | typeof R, amount: bigint): Balances => ({ ...b, [who]: b[who]! + amount });
  /** The peer's (the initiator's) proposal with `ttl`, as the responder is asked to co-sign it. */
  const proposals: [string, string, (ttl: bigint) => ReturnType<typeof signRequest>][] = [
    ['deposit_ack', 'deposit_created', (ttl) => signRequest('deposit_ack', signedBy(unsigned(depositTx(I, 5n, 2n, plus(BIG, I, 5n), { ttl })), SIG_I), [depositUpdate(I, 5n)])],
    ['withdraw_ack', 'withdraw_created', (ttl) => signRequest('withdraw_ack', signedBy(unsigned(withdrawTx(I, 5n, 2n, plus(BIG, I, -5n), { ttl })), SIG_I), [withdrawUpdate(I, 5n)])],
    ['shutdown_sign_ack', 'shutdown', (ttl) => signRequest('shutdown_sign_ack', signedBy(unsigned(closeMutualTx(I, BIG, undefined, { ttl })), SIG_I))],
  ];

  it.each(proposals)('%s with a huge ttl is refused (no ttl of our own)', (tag, announce, request) => {
    const d = openBig('responder');
    d.node(info(announce));
    const effects = d.node(request(HUGE));
    expect(signs(effects)).toEqual([]);
    expect(securityEvents(effects).map((e) => e.reason).join()).toMatch(/ttl 18446744073709551616 exceeds maxTtl 0/);
    expect(sends(effects)).toEqual([{ method: `channels.${tag}`, params: { error: 1n } }]);
  });

  it.each(proposals)('%s with ttl 0 (the node default, §5.6) is co-signed', (_tag, announce, request) => {
    const d = openBig('responder');
    d.node(info(announce));
    expect(signs(d.node(request(0n)))).toHaveLength(1);
  });

  it.each(proposals)('%s up to the open-time ttl is co-signed, above it refused', (_tag, announce, request) => {
    for (const [ttl, ok] of [[1000n, true], [999n, true], [1001n, false]] as const) {
      const d = openBig('responder', { ttl: 1000n });
      d.node(info(announce));
      expect(signs(d.node(request(ttl)))).toHaveLength(ok ? 1 : 0);
    }
  });

  it.each(proposals)('%s: maxTtl widens the bound', (_tag, announce, request) => {
    const d = openBig('responder', { maxTtl: HUGE });
    d.node(info(announce));
    expect(signs(d.node(request(HUGE)))).toHaveLength(1);
  });
});

describe('the expected nonce of a tx this client pays for', () => {
  const less = (b: Balances, who: typeof I | typeof R, amount: bigint): Balances => ({ ...b, [who]: b[who]! - amount });
  /** Asks the initiator (create nonce 185 on chain) to sign its own withdrawal with `nonce`. */
  function withdraw(d: Driver, nonce: bigint, who: typeof I | typeof R = I): ReturnType<Driver['node']> {
    d.command({ kind: 'withdraw', amount: 5n });
    const round = d.state.round + 1n;
    return d.node(signRequest('withdraw_tx', unsigned(withdrawTx(who, 5n, round, less(d.state.balances, who, 5n), { nonce })), [withdrawUpdate(who, 5n)]));
  }
  /** Completes the withdrawal just signed: co-signed, on chain, reported (§9.4). */
  function complete(d: Driver): void {
    const record = d.state.own!.sign!;
    const coSigned = signedBy(record.signedTx!, d.state.options.role === 'initiator' ? SIG_R : SIG_I);
    d.node(onChainTx('withdraw_signed', coSigned, 'channel_withdraw_tx'));
    d.node(info('own_withdraw_locked'));
    d.node(info('withdraw_locked'));
    d.node(channelUpdate(coSigned));
  }
  const refusedWith = (effects: ReturnType<Driver['node']>, reason: RegExp): void => {
    expect(signs(effects)).toEqual([]);
    expect(securityEvents(effects).map((e) => e.reason).join()).toMatch(reason);
  };

  it('initiator: a withdraw_tx whose nonce jumped by 5 is refused (the create used 185)', () => {
    const d = openBig('initiator');
    expect(d.state.ownNonces).toEqual({ signed: 185n, onChain: 185n });
    const effects = withdraw(d, 191n);
    refusedWith(effects, /nonce is 191, expected 186/);
    expect(sends(effects)).toEqual([{ method: 'channels.withdraw_tx', params: { error: 1n } }]);
  });

  it('initiator: the next nonce is signed; one already used on chain is refused', () => {
    expect(signs(withdraw(openBig('initiator'), 186n))).toHaveLength(1);
    refusedWith(withdraw(openBig('initiator'), 185n), /nonce is 185, expected 186/);
  });

  it('after a withdrawal went on chain, the next tx must come after it', () => {
    const d = openBig('initiator');
    withdraw(d, 186n);
    d.sign(SIG_I);
    complete(d);
    expect(d.state.round).toBe(2n);
    expect(d.state.ownNonces).toEqual({ signed: 186n, onChain: 186n });
    refusedWith(withdraw(d, 186n), /nonce is 186, expected 187/);
    d.node(conflict(2n));
    expect(signs(withdraw(d, 187n))).toHaveLength(1);
  });

  it('a nonce signed for a tx that never went on chain may be used again, or the one after it', () => {
    for (const [next, ok] of [[186n, true], [187n, true], [188n, false]] as const) {
      const d = openBig('initiator');
      withdraw(d, 186n);
      d.sign(SIG_I);
      d.node(conflict(1n)); // the peer refused: the tx was never posted (or is still pending)
      expect(d.state.ownNonces).toEqual({ signed: 186n, onChain: 185n });
      const effects = withdraw(d, next);
      if (ok) expect(signs(effects)).toHaveLength(1);
      else refusedWith(effects, /nonce is 188, expected 186\.\.187/);
    }
  });

  it('responder: before its first own on-chain tx the nonce is unknown (any is signed); after it, a jump is refused', () => {
    const d = openBig('responder');
    expect(d.state.ownNonces).toEqual({ signed: null, onChain: null });
    withdraw(d, 65n, R);
    d.sign(SIG_R);
    complete(d);
    expect(d.state.ownNonces).toEqual({ signed: 65n, onChain: 65n });
    refusedWith(withdraw(d, 71n, R), /nonce is 71, expected 66/);
  });

  it('an explicit nonce is checked exactly (and may jump: the application says so)', () => {
    const d = openBig('initiator');
    d.command({ kind: 'withdraw', amount: 5n, nonce: 300n });
    const effects = d.node(signRequest('withdraw_tx', unsigned(withdrawTx(I, 5n, 2n, less(BIG, I, 5n), { nonce: 300n })), [withdrawUpdate(I, 5n)]));
    expect(signs(effects)).toHaveLength(1);
  });

  it('maxNonceGap widens the bound', () => {
    expect(signs(withdraw(openBig('initiator', { maxNonceGap: 5n }), 191n))).toHaveLength(1);
    refusedWith(withdraw(openBig('initiator', { maxNonceGap: 5n }), 192n), /nonce is 192, expected 186\.\.191/);
  });

  it('the nonce of a signed tx is stored before the signed tx goes out, and kept across a restart', () => {
    const d = openBig('initiator');
    d.autoPersist = false;
    const effects = withdraw(d, 186n);
    const persist = effects.find((e) => e.type === 'persist');
    expect(persist).toMatchObject({ snapshot: { ownNonces: { signed: 186n, onChain: 185n } } });
    const requestId = signs(effects)[0]!.requestId;
    // the signer answers before the store: the reply waits for the write
    expect(sends(d.feed({ type: 'signed', requestId, signedTx: signedBy(signs(effects)[0]!.tx, SIG_I) }))).toEqual([]);
    expect(sends(d.feed({ type: 'persisted', persistId: (persist as { persistId: number }).persistId })).map((s) => s.method)).toEqual(['channels.withdraw_tx']);
    const restarted = new (d.constructor as typeof Driver)(createInitialState({}, { mode: 'reconnect', savedState: getPersistedChannel(d.state) }));
    expect(restarted.state.ownNonces).toEqual({ signed: 186n, onChain: 185n });
  });

  it('a generalized account (nonce 0 in its txs, §2.9) keeps nonce 0', () => {
    const d = connected('initiator', { initiatorAmount: AE, responderAmount: AE, pushAmount: 0n });
    const create = fixFee(createTx({ initiatorAmount: AE, responderAmount: AE, nonce: 0n }, BIG) as TxWithFee, {});
    d.node(info('fsm_up', { fsm_id: FSM_ID }, null));
    d.node(info('channel_accept', {}, null));
    d.node(signRequest('initiator_sign', unsigned(create), []));
    d.sign(SIG_I);
    d.node(info('funding_signed', { fsm_id: FSM_ID }));
    d.node(info('open'));
    d.node(channelUpdate(signedBy(unsigned(create), SIG_I, SIG_R)));
    expect(d.state.ownNonces).toEqual({ signed: 0n, onChain: 0n });
    const channelId = computeChannelId(I, 0n, R);
    const request = (nonce: bigint) => {
      d.command({ kind: 'withdraw', amount: 5n });
      return d.node(signRequest('withdraw_tx', unsigned(withdrawTx(I, 5n, 2n, less(BIG, I, 5n), { nonce, channelId })), [withdrawUpdate(I, 5n)]));
    };
    refusedWith(request(1n), /nonce is 1, expected 0/);
    d.node(info('aborted_update'));
    expect(signs(request(0n))).toHaveLength(1);
  });
});

describe("a fee between the node's minimum and maxFee (issue 14: a fee the user set, an older node's fixed fee)", () => {
  const less = (b: Balances, who: typeof I | typeof R, amount: bigint): Balances => ({ ...b, [who]: b[who]! - amount });
  /** The initiator's own withdrawal of 5 with `fee` in the tx the node built. */
  function withdraw(d: Driver, fee: bigint, command: { fee?: bigint; gasPrice?: bigint } = {}): ReturnType<Driver['node']> {
    d.command({ kind: 'withdraw', amount: 5n, ...command });
    return d.node(signRequest('withdraw_tx', unsigned(withdrawTx(I, 5n, 2n, less(BIG, I, 5n), { fee, nonce: 186n })), [withdrawUpdate(I, 5n)]));
  }
  const rule = (): bigint => (withdrawTx(I, 5n, 2n, less(BIG, I, 5n), { nonce: 186n }) as TxWithFee).fee;
  /** The node's minimum for the tx as built: its own size at the miner minimum gas price (§5.2). */
  const minimum = (fee: bigint): bigint => minFee({ ...(withdrawTx(I, 5n, 2n, less(BIG, I, 5n), { nonce: 186n }) as TxWithFee), fee });
  /** An older node's fixed fee (20 000 gas at 1e9 aettos), above the computed minimum. */
  const FIXED = 20_000n * MIN_MINER_GAS_PRICE;

  it('without maxFee the rule stays exact: the fixed fee is refused', () => {
    expect(FIXED > rule()).toBe(true);
    const effects = withdraw(openBig('initiator'), FIXED);
    expect(signs(effects)).toEqual([]);
    expect(securityEvents(effects).map((e) => e.reason).join()).toMatch(/fee is 20000000000000, expected/);
  });

  it('with maxFee the fixed fee (above the minimum, within maxFee) is signed', () => {
    const effects = withdraw(openBig('initiator', { maxFee: 10n * rule() }), FIXED);
    expect(securityEvents(effects)).toEqual([]);
    expect(signs(effects)).toHaveLength(1);
  });

  it('with maxFee a fee the user set is signed when the node used another fee in the range', () => {
    const d = openBig('initiator', { maxFee: 10n * rule() });
    const effects = withdraw(d, rule() * 2n, { fee: rule() * 3n });
    expect(securityEvents(effects)).toEqual([]);
    expect(signs(effects)).toHaveLength(1);
  });

  it("with maxFee a fee below the node's minimum, or above maxFee, is refused", () => {
    expect(rule() - 1n < minimum(rule() - 1n)).toBe(true);
    const below = withdraw(openBig('initiator', { maxFee: 10n * rule() }), rule() - 1n);
    expect(signs(below)).toEqual([]);
    expect(securityEvents(below).map((e) => e.reason).join()).toMatch(/below the node's minimum/);
    const above = withdraw(openBig('initiator', { maxFee: 10n * rule() }), 10n * rule() + 1n);
    expect(signs(above)).toEqual([]);
    expect(securityEvents(above).map((e) => e.reason).join()).toMatch(/exceeds maxFee/);
  });

  it('the create tx with an older node\'s fixed fee is signed by the initiator within maxFee, refused without it', () => {
    const run = (maxFee: bigint | undefined): ReturnType<Driver['node']> => {
      const d = connected('initiator', { initiatorAmount: AE, responderAmount: AE, pushAmount: 0n, ...(maxFee === undefined ? {} : { maxFee }) });
      d.node(info('fsm_up', { fsm_id: FSM_ID }, null));
      d.node(info('channel_accept', {}, null));
      return d.node(signRequest('initiator_sign', unsigned(createTx({ initiatorAmount: AE, responderAmount: AE, fee: FIXED }, BIG)), []));
    };
    expect(signs(run(undefined))).toEqual([]);
    expect(signs(run(FIXED))).toHaveLength(1);
  });
});
