/**
 * Nothing left hanging: an abort the node refuses (error 1018 "Not allowed at current
 * channel state", §9.6) still ends the operation it was meant to end, so the command
 * settles and the channel takes the next one.
 */
import { describe, expect, it } from 'vitest';
import {
  errorReply,
  I,
  info,
  INITIAL,
  offChainTx,
  openChannel,
  R,
  sends,
  settles,
  SIG_I,
  signedBy,
  signRequest,
  transferUpdate,
  unsigned,
} from './helpers.js';

const AFTER_2 = { [I]: INITIAL[I]! - 2n, [R]: INITIAL[R]! + 2n };

describe('an abort answered with an error', () => {
  it('own operation refused by verification: the command settles, the queued one starts', () => {
    const d = openChannel('initiator');
    const first = d.command({ kind: 'transfer', from: I, to: R, amount: 1n });
    d.command({ kind: 'transfer', from: I, to: R, amount: 1n });
    // Tampered amount: refused, abort sent.
    d.node(signRequest('update', unsigned(offChainTx(2n, AFTER_2)), [transferUpdate(I, R, 2n)]));
    expect(sends(d.effects).at(-1)).toEqual({ method: 'channels.update', params: { error: 1n } });
    const effects = d.node(errorReply(d.lastSendId(), 3n, 1018n, { method: 'channels.update' }));
    expect(settles(effects).map((s) => [s.commandId, s.ok])).toEqual([[first.commandId, false]]);
    expect(sends(effects)).toEqual([{ method: 'channels.update.new', params: { from: I, to: R, amount: 1n } }]);
    expect(d.state.own?.stage).toBe('requested');
  });

  it('own operation refused by the user: the command settles with the refusal', () => {
    const d = openChannel('initiator');
    const { commandId } = d.command({ kind: 'transfer', from: I, to: R, amount: 1n });
    d.node(signRequest('update', unsigned(offChainTx(2n, { [I]: INITIAL[I]! - 1n, [R]: INITIAL[R]! + 1n })), [transferUpdate(I, R, 1n)]));
    d.feed({ type: 'signRefused', requestId: d.lastSign().requestId, errorCode: 200 });
    const effects = d.node(errorReply(d.lastSendId(), 3n, 1018n, { method: 'channels.update' }));
    expect(settles(effects)).toMatchObject([{ commandId, ok: false, error: { code: 'FSM_SIGN_REFUSED' } }]);
    expect(d.state.own).toBeNull();
  });

  it('acknowledgement refused by verification: the channel is idle again and a queued command starts', () => {
    const d = openChannel('responder');
    d.node(info('update'));
    // Not signed by the peer: refused, abort sent; the transfer waits for the acknowledgement.
    d.node(signRequest('update_ack', unsigned(offChainTx(2n, AFTER_2)), [transferUpdate(I, R, 2n)]));
    d.command({ kind: 'transfer', from: R, to: I, amount: 1n });
    expect(d.state.ack?.stage).toBe('aborting');
    const effects = d.node(errorReply(d.lastSendId(), 3n, 1018n, { method: 'channels.update_ack' }));
    expect(d.state.ack).toBeNull();
    expect(sends(effects)).toEqual([{ method: 'channels.update.new', params: { from: R, to: I, amount: 1n } }]);
  });

  it('an error for a signed reply of an acknowledgement keeps it (the node decides with a conflict)', () => {
    const d = openChannel('responder');
    d.node(info('update'));
    const tx = signedBy(unsigned(offChainTx(2n, { [I]: INITIAL[I]! - 1n, [R]: INITIAL[R]! + 1n })), SIG_I);
    d.node(signRequest('update_ack', tx, [transferUpdate(I, R, 1n)]));
    d.sign(new Uint8Array(64).fill(2));
    d.node(errorReply(d.lastSendId(), 3n, 1010n, { method: 'channels.update_ack' }));
    expect(d.state.ack?.stage).toBe('awaitingCompletion');
  });
});
