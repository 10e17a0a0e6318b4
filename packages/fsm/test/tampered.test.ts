/**
 * Tampered sign requests: each is refused with no `sign` effect, a `security` event and
 * (where the protocol allows) an abort reply. One test per kind of tampering.
 */
import { computeStateHash, type JsonValue } from '@aechannel/codec';
import { describe, expect, it } from 'vitest';
import { verifySignRequest, type Command } from '../src/index.js';
import {
  closeMutualTx,
  connected,
  createTx,
  Driver,
  FSM_ID,
  I,
  info,
  INITIAL,
  offChainTx,
  OTHER,
  OTHER_CH,
  openChannel,
  R,
  securityEvents,
  sends,
  SIG_I,
  SIG_R,
  signedBy,
  signRequest,
  signs,
  transferUpdate,
  unsigned,
  withdrawTx,
  withdrawUpdate,
  expectRefused,
  ownRequest,
} from './helpers.js';
import type { Tx } from '@aechannel/codec';

const AFTER_1 = { [I]: INITIAL[I]! - 1n, [R]: INITIAL[R]! + 1n };

const transfer: Command = { kind: 'transfer', from: I, to: R, amount: 1n };

describe('tampered sign requests are refused without a signature', () => {
  it('wrong amount (the node asks to transfer 2 when the user asked 1)', () => {
    const after2 = { [I]: INITIAL[I]! - 2n, [R]: INITIAL[R]! + 2n };
    const { effects } = ownRequest(transfer, 'update', offChainTx(2n, after2), [transferUpdate(I, R, 2n)]);
    expectRefused(effects, 'channels.update', /updates differ from the requested operation/);
  });

  it('wrong recipient (a withdrawal paid to the peer)', () => {
    const after = { [I]: INITIAL[I]!, [R]: INITIAL[R]! - 2n };
    const { effects } = ownRequest({ kind: 'withdraw', amount: 2n }, 'withdraw_tx', withdrawTx(R, 2n, 2n, after), [withdrawUpdate(R, 2n)]);
    expectRefused(effects, 'channels.withdraw_tx', /recipient is ak_cU4J.*, expected ak_2MJU/);
  });

  it('wrong channel id', () => {
    const { effects } = ownRequest(transfer, 'update', offChainTx(2n, AFTER_1, OTHER_CH), [transferUpdate(I, R, 1n)]);
    expectRefused(effects, 'channels.update', /channel id is ch_.*, expected ch_/);
  });

  it.each([1n, 3n])('round %s instead of last + 1 = 2', (round) => {
    const { effects } = ownRequest(transfer, 'update', offChainTx(round, AFTER_1), [transferUpdate(I, R, 1n)]);
    expectRefused(effects, 'channels.update', new RegExp(`round is ${round}, expected 2`));
  });

  it('state hash not matching the updates', () => {
    const wrong = { [I]: INITIAL[I]! - 1000n, [R]: INITIAL[R]! + 1000n };
    const { effects } = ownRequest(transfer, 'update', offChainTx(2n, wrong), [transferUpdate(I, R, 1n)]);
    expectRefused(effects, 'channels.update', /state hash is st_.*, expected st_/);
  });

  it('state hash not matching in a peer update (acknowledger)', () => {
    const d = openChannel('responder');
    d.node(info('update'));
    const effects = d.node(signRequest('update_ack', signedBy(unsigned(offChainTx(2n, INITIAL)), SIG_I), [transferUpdate(I, R, 1n)]));
    expectRefused(effects, 'channels.update_ack', /state hash/);
  });

  it('an extra update next to the requested one', () => {
    const after = { [I]: INITIAL[I]! - 2n, [R]: INITIAL[R]! + 2n };
    const { effects } = ownRequest(transfer, 'update', offChainTx(2n, after), [transferUpdate(I, R, 1n), transferUpdate(I, R, 1n)]);
    expectRefused(effects, 'channels.update', /updates differ/);
  });

  it('a peer transfer involving a third account', () => {
    const d = openChannel('responder');
    const effects = d.node(signRequest('update_ack', signedBy(unsigned(offChainTx(2n, AFTER_1)), SIG_I), [transferUpdate(I, OTHER, 1n)]));
    expectRefused(effects, 'channels.update_ack', /not the two participants/);
  });

  it('a peer transfer taking the payer below the reserve', () => {
    const d = openChannel('initiator');
    const after = { [I]: INITIAL[I]! + INITIAL[R]!, [R]: 0n };
    const effects = d.node(signRequest('update_ack', signedBy(unsigned(offChainTx(2n, after)), SIG_R), [transferUpdate(R, I, INITIAL[R]!)]));
    expectRefused(effects, 'channels.update_ack', /below the channel reserve/);
  });

  it.each([
    ['initiator amount', { initiatorAmount: 80000000000000n }, /initiator amount is 80000000000000, expected 70000000000000/],
    ['responder amount', { responderAmount: 1n }, /responder amount is 1, expected 40000000000000/],
    ['channel reserve', { channelReserve: 0n }, /channel reserve is 0, expected 2/],
    ['lock period', { lockPeriod: 1n }, /lock period is 1, expected 10/],
    ['initial state hash (push amount ignored)', { stateHash: computeStateHash({ [I]: 70000000000000n, [R]: 40000000000000n }) }, /initial state hash/],
    ['another responder', { responderId: OTHER }, /responder is ak_2TYA/],
  ] as const)('a create tx with another %s: no sign, security event, socket closed', (_, patch, reason) => {
    for (const role of ['initiator', 'responder'] as const) {
      const d = connected(role);
      d.node(info('fsm_up', { fsm_id: FSM_ID }, null));
      const tx = unsigned(createTx(patch));
      const effects = d.node(signRequest(`${role}_sign`, role === 'initiator' ? tx : signedBy(tx, SIG_I)));
      expectRefused(effects, null, reason);
      expect(sends(effects)).toEqual([]);
      expect(effects.at(-1)).toMatchObject({ type: 'close', code: 4000 });
      expect(d.state.opening.refused).toBe(true);
    }
  });

  it('a close paying out more than the balance (starter and acknowledger)', () => {
    const greedy = closeMutualTx(R, INITIAL, 16900000000000n, { responderAmountFinal: INITIAL[R]! });
    const starter = ownRequest({ kind: 'shutdown' }, 'shutdown_sign', closeMutualTx(I, INITIAL, undefined, { initiatorAmountFinal: INITIAL[I]! }), []);
    expectRefused(starter.effects, 'channels.shutdown_sign', /initiator final amount/);
    const d = openChannel('initiator');
    d.node(info('shutdown'));
    expectRefused(d.node(signRequest('shutdown_sign_ack', signedBy(unsigned(greedy), SIG_R))), 'channels.shutdown_sign_ack', /responder final amount/);
  });

  it('a close fee larger than the whole channel', () => {
    const d = openChannel('initiator');
    d.node(info('shutdown'));
    const tx = { ...closeMutualTx(R, INITIAL), fee: INITIAL[I]! + INITIAL[R]! + 1n, initiatorAmountFinal: 0n, responderAmountFinal: 0n } as Tx;
    expectRefused(d.node(signRequest('shutdown_sign_ack', signedBy(unsigned(tx), SIG_R))), 'channels.shutdown_sign_ack', /exceeds the channel balance/);
  });

  it('a sign request for an operation nobody asked for', () => {
    const d = openChannel('initiator');
    const effects = d.node(signRequest('withdraw_tx', unsigned(withdrawTx(I, 2n, 2n, { [I]: INITIAL[I]! - 2n, [R]: INITIAL[R]! })), [withdrawUpdate(I, 2n)]));
    expectRefused(effects, 'channels.withdraw_tx', /no pending withdraw command/);
  });

  it('an undecodable tx', () => {
    const d = openChannel('initiator');
    d.command(transfer);
    expectRefused(d.node(signRequest('update', 'tx_notbase64', [transferUpdate(I, R, 1n)])), 'channels.update', /cannot be decoded/);
  });

  it('a sign request without a tx', () => {
    const d = openChannel('initiator');
    d.command(transfer);
    expectRefused(d.node(signRequest('update', 42 as unknown as string, [])), 'channels.update', /carries no tx/);
  });
});

describe('verifySignRequest (pure)', () => {
  it('accepts the matching request and reports what it would make true', () => {
    const d = openChannel('initiator');
    d.command(transfer);
    const check = verifySignRequest(d.state, 'update', unsigned(offChainTx(2n, AFTER_1)), [transferUpdate(I, R, 1n)]);
    expect(check).toMatchObject({ ok: true, round: 2n, balances: AFTER_1, decoded: { tag: 57, round: 2n } });
  });

  it('returns {ok: false, reason, details} and never throws', () => {
    const d = openChannel('initiator');
    const check = verifySignRequest(d.state, 'update', unsigned(offChainTx(2n, AFTER_1)), [transferUpdate(I, R, 1n)]);
    expect(check).toEqual({ ok: false, reason: 'no pending transfer or contract command for this sign request', details: { pending: null } });
    expect(verifySignRequest(d.state, 'update', 'tx_' as never, [])).toMatchObject({ ok: false });
  });
});

describe('acknowledgements must match the announced proposal', () => {
  it('a withdraw_ack after the node announced an off-chain update is refused', () => {
    const d = openChannel('responder');
    d.node(info('update'));
    const effects = d.node(signRequest('withdraw_ack', signedBy(unsigned(withdrawTx(I, 2n, 2n, { [I]: INITIAL[I]! - 2n, [R]: INITIAL[R]! })), SIG_I), [withdrawUpdate(I, 2n)]));
    expectRefused(effects, 'channels.withdraw_ack', /kind of the announced proposal is withdraw, expected transfer/);
  });
});
