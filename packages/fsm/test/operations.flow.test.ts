import { describe, expect, it } from 'vitest';
import { getPersistedChannel, type Command } from '../src/index.js';
import {
  channelUpdate,
  conflict,
  depositTx,
  depositUpdate,
  errorReply,
  events,
  I,
  info,
  INITIAL,
  offChainTx,
  onChainTx,
  openChannel,
  R,
  result,
  sends,
  settles,
  SIG_I,
  SIG_R,
  signedBy,
  signRequest,
  signs,
  transferUpdate,
  unsigned,
  withdrawTx,
  withdrawUpdate,
} from './helpers.js';

const AFTER_1 = { [I]: INITIAL[I]! - 1n, [R]: INITIAL[R]! + 1n };

describe('off-chain transfer, starter (§9.3)', () => {
  it('update.new -> verified sign.update -> reply -> channels.update -> persist -> settle', () => {
    const d = openChannel('initiator');
    d.autoPersist = false;
    const { commandId, effects } = d.command({ kind: 'transfer', from: I, to: R, amount: 1n, meta: ['note'] });
    expect(sends(effects)).toEqual([{ method: 'channels.update.new', params: { from: I, to: R, amount: 1n, meta: ['note'] } }]);
    expect(d.feed({ type: 'nodeMessage', message: result(d.lastSendId(), 'ok') }).filter((e) => e.type !== 'setTimer' && e.type !== 'clearTimer')).toEqual([]);
    const tx = unsigned(offChainTx(2n, AFTER_1));
    const [sign] = signs(d.node(signRequest('update', tx, [transferUpdate(I, R, 1n), { op: 'OffChainMeta', data: 'note' }])));
    expect(sign).toMatchObject({ tag: 'update', reason: expect.stringContaining('round 2') });
    expect(sends(d.sign(SIG_I))).toEqual([{ method: 'channels.update', params: { signed_tx: signedBy(tx, SIG_I) } }]);
    const coSigned = signedBy(tx, SIG_I, SIG_R);
    const done = d.node(channelUpdate(coSigned));
    expect(done.filter((e) => e.type !== 'clearTimer')).toEqual([
      { type: 'emit', event: { type: 'stateChanged', round: 2n, state: coSigned, balances: AFTER_1 } },
      { type: 'persist', persistId: 3, snapshot: getPersistedChannel(d.state) },
    ]);
    expect(settles(done)).toEqual([]);
    // Frozen: a command arriving before `persisted` is deferred, nothing is sent.
    const frozen = d.command({ kind: 'ping' });
    expect(frozen.effects).toEqual([]);
    const unfrozen = d.feed({ type: 'persisted', persistId: 3 });
    expect(settles(unfrozen)).toEqual([{ type: 'settle', commandId, ok: true, result: { state: coSigned, round: 2n } }]);
    expect(sends(unfrozen)).toEqual([{ method: 'channels.system', params: { action: 'ping' } }]);
    expect(d.state.round).toBe(2n);
    expect(d.state.balances).toEqual(AFTER_1);
  });

  it('the responder may request coins (from = peer)', () => {
    const d = openChannel('responder');
    d.command({ kind: 'transfer', from: I, to: R, amount: 1n });
    expect(signs(d.node(signRequest('update', unsigned(offChainTx(2n, AFTER_1)), [transferUpdate(I, R, 1n)])))).toHaveLength(1);
  });

  it('rejects invalid transfers locally (FSM_INVALID_COMMAND), nothing sent', () => {
    const d = openChannel('initiator');
    for (const command of [
      { kind: 'transfer', from: I, to: I, amount: 1n },
      { kind: 'transfer', from: I, to: 'ak_2TYAjeSxPXcs6y3PBSo8zo947Xb7yPCnpXQZkJxqspcR8JzLu7', amount: 1n },
      { kind: 'transfer', from: I, to: R, amount: -1n },
      { kind: 'transfer', from: R, to: I, amount: 40000000000000n },
    ] as const) {
      const { effects } = d.command(command);
      expect(sends(effects)).toEqual([]);
      expect(settles(effects)[0]).toMatchObject({ ok: false, error: { code: 'FSM_INVALID_COMMAND' } });
    }
  });

  it('refuses a mistyped command (a string where an amount belongs) with FSM_INVALID_COMMAND, never an internal error', () => {
    const d = openChannel('initiator');
    // Commands as they come from untyped callers (JSON, a recording replayed): values of the wrong type.
    for (const command of [
      { kind: 'transfer', from: I, to: R, amount: 'abc' },
      { kind: 'transfer', from: 7, to: R, amount: 1n },
      { kind: 'withdraw', amount: 2 },
      { kind: 'deposit', amount: 2n, fee: '20000' },
      { kind: 'getBalances', accounts: 'all' },
      { kind: 'sendMessage', to: R, info: 42 },
    ]) {
      const { effects } = d.command(command as unknown as Command);
      expect(sends(effects)).toEqual([]);
      expect(events(effects).filter((event) => event.type === 'error')).toEqual([]);
      expect(settles(effects)).toEqual([{ type: 'settle', commandId: expect.any(Number), ok: false, error: expect.objectContaining({ code: 'FSM_INVALID_COMMAND' }) }]);
    }
    // The channel is still usable.
    expect(sends(d.command({ kind: 'transfer', from: I, to: R, amount: 1n }).effects)).toHaveLength(1);
  });

  it('queues a second operation until the first completes', () => {
    const d = openChannel('initiator');
    d.command({ kind: 'transfer', from: I, to: R, amount: 1n });
    const second = d.command({ kind: 'withdraw', amount: 5n });
    expect(sends(second.effects)).toEqual([]);
    d.node(signRequest('update', unsigned(offChainTx(2n, AFTER_1)), [transferUpdate(I, R, 1n)]));
    d.sign(SIG_I);
    const effects = d.node(channelUpdate(signedBy(unsigned(offChainTx(2n, AFTER_1)), SIG_I, SIG_R)));
    expect(sends(effects)).toEqual([{ method: 'channels.withdraw', params: { amount: 5n } }]);
  });

  it('a node error for the request settles the command with FSM_NODE_ERROR (code and data kept)', () => {
    const d = openChannel('initiator');
    const { commandId } = d.command({ kind: 'transfer', from: I, to: R, amount: 1n });
    const effects = d.node(errorReply(d.lastSendId(), 3n, 1001n, { method: 'channels.update.new' }));
    expect(settles(effects)).toMatchObject([{ commandId, ok: false, error: { code: 'FSM_NODE_ERROR', context: { code: 3n, data: [{ code: 1001n }] } } }]);
    expect(d.state.own).toBeNull();
  });

  it('an id-less node error is matched by its request method', () => {
    const d = openChannel('initiator');
    const { commandId } = d.command({ kind: 'getBalances', accounts: [I] });
    const effects = d.node(errorReply(null, 3n, 1005n, { method: 'channels.get.balances', params: {} }));
    expect(settles(effects)).toMatchObject([{ commandId, ok: false, error: { code: 'FSM_NODE_ERROR' } }]);
  });
});

describe('off-chain transfer, acknowledger (§9.3)', () => {
  it('info update -> sign.update_ack verified -> reply -> channels.update -> persist', () => {
    const d = openChannel('responder');
    d.node(info('update'));
    expect(d.state.ack).toMatchObject({ kind: 'transfer', stage: 'announced' });
    // A command now waits: the channel is busy with the peer's proposal.
    const queued = d.command({ kind: 'withdraw', amount: 1n });
    expect(sends(queued.effects)).toEqual([]);
    const tx = signedBy(unsigned(offChainTx(2n, AFTER_1)), SIG_I);
    const [sign] = signs(d.node(signRequest('update_ack', tx, [transferUpdate(I, R, 1n)])));
    expect(sign).toMatchObject({ tag: 'update_ack', reason: expect.stringContaining('peer off-chain update round 2') });
    expect(sends(d.sign(SIG_R))).toEqual([{ method: 'channels.update_ack', params: { signed_tx: signedBy(tx, SIG_R) } }]);
    const effects = d.node(channelUpdate(signedBy(tx, SIG_R)));
    expect(events(effects)[0]).toMatchObject({ type: 'stateChanged', round: 2n });
    expect(effects.some((e) => e.type === 'persist')).toBe(true);
    // The queued withdraw starts once the round is persisted.
    expect(sends(effects)).toEqual([{ method: 'channels.withdraw', params: { amount: 1n } }]);
  });

  it('aborting an acknowledgement sends the user code; aborted_update ends it (§9.6)', () => {
    const d = openChannel('responder');
    d.node(info('update'));
    d.node(signRequest('update_ack', signedBy(unsigned(offChainTx(2n, AFTER_1)), SIG_I), [transferUpdate(I, R, 1n)]));
    const effects = d.feed({ type: 'signRefused', requestId: d.lastSign().requestId, errorCode: 147 });
    expect(sends(effects)).toEqual([{ method: 'channels.update_ack', params: { error: 147n } }]);
    d.node(info('aborted_update'));
    expect(d.state.ack).toBeNull();
    expect(d.state.round).toBe(1n);
  });

  it('an out-of-range refusal code falls back to 4', () => {
    const d = openChannel('responder');
    d.node(signRequest('update_ack', signedBy(unsigned(offChainTx(2n, AFTER_1)), SIG_I), [transferUpdate(I, R, 1n)]));
    const effects = d.feed({ type: 'signRefused', requestId: d.lastSign().requestId, errorCode: 70000 });
    expect(sends(effects)).toEqual([{ method: 'channels.update_ack', params: { error: 4n } }]);
  });
});

describe('deposit (§9.4)', () => {
  const after = { [I]: INITIAL[I]! + 10n, [R]: INITIAL[R]! };
  it('depositor: deposit -> deposit_tx -> on-chain and locked events -> channels.update', () => {
    const d = openChannel('initiator');
    const { commandId, effects } = d.command({ kind: 'deposit', amount: 10n, fee: 17340000000000n });
    expect(sends(effects)).toEqual([{ method: 'channels.deposit', params: { amount: 10n, fee: 17340000000000n } }]);
    const tx = unsigned(depositTx(I, 10n, 2n, after));
    expect(signs(d.node(signRequest('deposit_tx', tx, [depositUpdate(I, 10n)])))).toHaveLength(1);
    expect(sends(d.sign(SIG_I))).toEqual([{ method: 'channels.deposit_tx', params: { signed_tx: signedBy(tx, SIG_I) } }]);
    const coSigned = signedBy(tx, SIG_I, SIG_R);
    d.node(onChainTx('deposit_signed', coSigned, 'channel_deposit_tx'));
    d.node(onChainTx('channel_changed', coSigned, 'channel_deposit_tx'));
    d.node(info('own_deposit_locked'));
    d.node(info('deposit_locked'));
    expect(settles(d.effects)).toEqual([]);
    const done = d.node(channelUpdate(coSigned));
    expect(settles(done)).toEqual([{ type: 'settle', commandId, ok: true, result: { state: coSigned, round: 2n } }]);
    expect(d.state.onChainRound).toBe(2n);
    expect(d.state.balances).toEqual(after);
  });

  it('acknowledger: deposit_created -> deposit_ack for the peer deposit', () => {
    const d = openChannel('responder');
    d.node(info('deposit_created'));
    const tx = signedBy(unsigned(depositTx(I, 10n, 2n, after)), SIG_I);
    expect(signs(d.node(signRequest('deposit_ack', tx, [depositUpdate(I, 10n)])))).toHaveLength(1);
    expect(sends(d.sign(SIG_R))[0]!.method).toBe('channels.deposit_ack');
    d.node(onChainTx('deposit_created', signedBy(tx, SIG_R), 'channel_deposit_tx'));
    d.node(channelUpdate(signedBy(tx, SIG_R)));
    expect(d.state.round).toBe(2n);
    expect(d.state.balances).toEqual(after);
  });

  it('rejects a zero deposit locally', () => {
    const d = openChannel('initiator');
    expect(settles(d.command({ kind: 'deposit', amount: 0n }).effects)[0]).toMatchObject({ ok: false, error: { code: 'FSM_INVALID_COMMAND' } });
  });
});

describe('withdraw (§9.4)', () => {
  const after = { [I]: INITIAL[I]!, [R]: INITIAL[R]! - 2n };
  it('withdrawer (responder) and acknowledger (initiator)', () => {
    const w = openChannel('responder');
    const { commandId } = w.command({ kind: 'withdraw', amount: 2n, nonce: 65n });
    const tx = unsigned(withdrawTx(R, 2n, 2n, after, { nonce: 65n }));
    expect(signs(w.node(signRequest('withdraw_tx', tx, [withdrawUpdate(R, 2n)])))).toHaveLength(1);
    w.sign(SIG_R);
    const a = openChannel('initiator');
    a.node(info('withdraw_created'));
    expect(signs(a.node(signRequest('withdraw_ack', signedBy(tx, SIG_R), [withdrawUpdate(R, 2n)])))).toHaveLength(1);
    a.sign(SIG_I);
    const coSigned = signedBy(tx, SIG_I, SIG_R);
    for (const d of [w, a]) {
      d.node(onChainTx(d === w ? 'withdraw_signed' : 'withdraw_created', coSigned, 'channel_withdraw_tx'));
      d.node(info('own_withdraw_locked'));
      d.node(info('withdraw_locked'));
      d.node(channelUpdate(coSigned));
      expect(d.state.balances).toEqual(after);
    }
    expect(settles(w.effects)).toContainEqual({ type: 'settle', commandId, ok: true, result: { state: coSigned, round: 2n } });
  });

  it('rejects a withdrawal below the reserve locally', () => {
    const d = openChannel('responder');
    expect(settles(d.command({ kind: 'withdraw', amount: 40000000000000n }).effects)[0]).toMatchObject({ ok: false, error: { code: 'FSM_INVALID_COMMAND' } });
  });

  it('starter abort with a user code (§9.6): {error: 42}, aborted_update, settles FSM_SIGN_REFUSED', () => {
    const d = openChannel('initiator');
    const { commandId } = d.command({ kind: 'withdraw', amount: 2n });
    d.node(signRequest('withdraw_tx', unsigned(withdrawTx(I, 2n, 2n, { [I]: INITIAL[I]! - 2n, [R]: INITIAL[R]! })), [withdrawUpdate(I, 2n)]));
    const effects = d.feed({ type: 'signRefused', requestId: d.lastSign().requestId, errorCode: 42 });
    expect(sends(effects)).toEqual([{ method: 'channels.withdraw_tx', params: { error: 42n } }]);
    expect(settles(effects)).toEqual([]);
    const done = d.node(info('aborted_update'));
    expect(settles(done)).toMatchObject([{ commandId, ok: false, error: { code: 'FSM_SIGN_REFUSED', context: { errorCode: 42 } } }]);
    // A second refusal for the same (now void) request sends nothing: the node would answer 1018.
    expect(sends(d.feed({ type: 'signRefused', requestId: d.lastSign().requestId, errorCode: 42 }))).toEqual([]);
  });
});

describe('conflicts (§9.5)', () => {
  it('both start at once: each own operation fails with FSM_CONFLICT; a second conflict changes nothing', () => {
    const d = openChannel('initiator');
    const { commandId } = d.command({ kind: 'withdraw', amount: 1n });
    d.node(signRequest('withdraw_tx', unsigned(withdrawTx(I, 1n, 2n, { [I]: INITIAL[I]! - 1n, [R]: INITIAL[R]! })), [withdrawUpdate(I, 1n)]));
    d.sign(SIG_I);
    const first = d.node(conflict(1n));
    expect(events(first)).toEqual([{ type: 'conflict', errorCode: 2, errorMessage: 'conflict', round: 1n }]);
    expect(settles(first)).toMatchObject([{ commandId, ok: false, error: { code: 'FSM_CONFLICT', context: { round: 1n } } }]);
    const before = d.state;
    const second = d.node(conflict(1n));
    expect(settles(second)).toEqual([]);
    expect(d.state).toEqual(before);
    // After the conflict, a different tx for round 2 may be signed.
    d.command({ kind: 'transfer', from: I, to: R, amount: 1n });
    expect(signs(d.node(signRequest('update', unsigned(offChainTx(2n, AFTER_1)), [transferUpdate(I, R, 1n)])))).toHaveLength(1);
  });

  it('the peer proposal crossing our own: the same round is never signed twice with different txs', () => {
    const d = openChannel('initiator');
    d.command({ kind: 'transfer', from: I, to: R, amount: 1n });
    d.node(signRequest('update', unsigned(offChainTx(2n, AFTER_1)), [transferUpdate(I, R, 1n)]));
    d.sign(SIG_I);
    const peer = { [I]: INITIAL[I]! + 1n, [R]: INITIAL[R]! - 1n };
    const effects = d.node(signRequest('update_ack', signedBy(unsigned(offChainTx(2n, peer)), SIG_R), [transferUpdate(R, I, 1n)]));
    expect(signs(effects)).toEqual([]);
    expect(sends(effects)).toEqual([{ method: 'channels.update_ack', params: { error: 1n } }]);
  });

  it('2019 variant: an abort of sign.update answered by a conflict with the abort code (§9.6, §11)', () => {
    const d = openChannel('initiator');
    const { commandId } = d.command({ kind: 'transfer', from: I, to: R, amount: 1n });
    d.node(signRequest('update', unsigned(offChainTx(2n, AFTER_1)), [transferUpdate(I, R, 1n)]));
    d.feed({ type: 'signRefused', requestId: d.lastSign().requestId, errorCode: 147 });
    d.node(result(d.lastSendId(), 'ok'));
    const effects = d.node(conflict(1n, 147n, 'user-defined'));
    expect(settles(effects)).toMatchObject([{ commandId, ok: false, error: { code: 'FSM_SIGN_REFUSED', context: { errorCode: 147 } } }]);
  });

  it('old conflict shape without error_code (§8.6) is accepted', () => {
    const d = openChannel('responder');
    const effects = d.node({ jsonrpc: '2.0', method: 'channels.conflict', params: { channel_id: null, data: { channel_id: null, round: 1n } } });
    expect(events(effects)).toEqual([{ type: 'conflict', errorCode: null, errorMessage: null, round: 1n }]);
  });

  it('a late `signed` for a voided request is dropped (nothing sent)', () => {
    const d = openChannel('initiator');
    d.command({ kind: 'transfer', from: I, to: R, amount: 1n });
    d.node(signRequest('update', unsigned(offChainTx(2n, AFTER_1)), [transferUpdate(I, R, 1n)]));
    const requestId = d.lastSign().requestId;
    d.node(conflict(1n));
    expect(sends(d.feed({ type: 'signed', requestId, signedTx: signedBy(unsigned(offChainTx(2n, AFTER_1)), SIG_I) }))).toEqual([]);
  });

  it('a signer returning another tx is never forwarded: security event and abort', () => {
    const d = openChannel('initiator');
    const { commandId } = d.command({ kind: 'transfer', from: I, to: R, amount: 1n });
    d.node(signRequest('update', unsigned(offChainTx(2n, AFTER_1)), [transferUpdate(I, R, 1n)]));
    const other = signedBy(unsigned(offChainTx(2n, { [I]: 1n, [R]: 2n })), SIG_I);
    const effects = d.feed({ type: 'signed', requestId: d.lastSign().requestId, signedTx: other });
    expect(events(effects)[0]).toMatchObject({ type: 'security', code: 'FSM_SIGNER_MISMATCH' });
    expect(sends(effects)).toEqual([{ method: 'channels.update', params: { error: 1n } }]);
    expect(settles(d.node(info('aborted_update')))).toMatchObject([{ commandId, ok: false, error: { code: 'FSM_SIGNER_MISMATCH' } }]);
  });

  it('a co-signed state the client never verified is not adopted', () => {
    const d = openChannel('initiator');
    const effects = d.node(channelUpdate(signedBy(unsigned(offChainTx(2n, AFTER_1)), SIG_I, SIG_R)));
    expect(events(effects)[0]).toMatchObject({ type: 'security', tag: null });
    expect(d.state.round).toBe(1n);
  });
});

describe('more acknowledger and error paths', () => {
  it('aborting a deposit_ack / withdraw_ack sends the code on the ack method (the peer sees a conflict)', () => {
    for (const [tag, announce, tx, update] of [
      ['deposit_ack', 'deposit_created', depositTx(I, 10n, 2n, { [I]: INITIAL[I]! + 10n, [R]: INITIAL[R]! }), depositUpdate(I, 10n)],
      ['withdraw_ack', 'withdraw_created', withdrawTx(I, 2n, 2n, { [I]: INITIAL[I]! - 2n, [R]: INITIAL[R]! }), withdrawUpdate(I, 2n)],
    ] as const) {
      const d = openChannel('responder');
      d.node(info(announce));
      d.node(signRequest(tag, signedBy(unsigned(tx), SIG_I), [update]));
      expect(sends(d.feed({ type: 'signRefused', requestId: d.lastSign().requestId, errorCode: 42 }))).toEqual([{ method: `channels.${tag}`, params: { error: 42n } }]);
      d.node(info('aborted_update'));
      expect(d.state.ack).toBeNull();
    }
  });

  it('a deposit rejected on chain (conflict code 5) fails the command and falls back', () => {
    const d = openChannel('initiator');
    const { commandId } = d.command({ kind: 'deposit', amount: 10n });
    const tx = unsigned(depositTx(I, 10n, 2n, { [I]: INITIAL[I]! + 10n, [R]: INITIAL[R]! }));
    d.node(signRequest('deposit_tx', tx, [depositUpdate(I, 10n)]));
    d.sign(SIG_I);
    const effects = d.node(conflict(1n, 5n, 'rejected on-chain'));
    expect(settles(effects)).toMatchObject([{ commandId, ok: false, error: { code: 'FSM_CONFLICT', context: { errorCode: 5 } } }]);
    expect(d.state.round).toBe(1n);
  });

  it('a duplicated sign request is handled once', () => {
    const d = openChannel('responder');
    const message = signRequest('update_ack', signedBy(unsigned(offChainTx(2n, AFTER_1)), SIG_I), [transferUpdate(I, R, 1n)]);
    expect(signs(d.node(message))).toHaveLength(1);
    expect(d.node(message)).toEqual([]);
  });

  it('node messages deferred behind a persist are replayed in order after `persisted`', () => {
    const d = openChannel('initiator');
    d.autoPersist = false;
    d.command({ kind: 'transfer', from: I, to: R, amount: 1n });
    const tx = unsigned(offChainTx(2n, AFTER_1));
    d.node(signRequest('update', tx, [transferUpdate(I, R, 1n)]));
    d.sign(SIG_I);
    d.node(channelUpdate(signedBy(tx, SIG_I, SIG_R)));
    expect(d.node(info('update'))).toEqual([]);
    const peer = signedBy(unsigned(offChainTx(3n, { [I]: AFTER_1[I]! + 1n, [R]: AFTER_1[R]! - 1n })), SIG_R);
    expect(d.node(signRequest('update_ack', peer, [transferUpdate(R, I, 1n)]))).toEqual([]);
    expect(d.state.deferred).toHaveLength(2);
    const effects = d.feed({ type: 'persisted', persistId: d.state.persisting!.persistId });
    expect(effects.map((e) => e.type)).toEqual(['settle', 'emit', 'sign']);
    expect(signs(effects)[0]).toMatchObject({ tag: 'update_ack', decoded: { round: 3n } });
  });

  it('channels.error and channels.debug are reported as events', () => {
    const d = openChannel('initiator');
    expect(events(d.node({ jsonrpc: '2.0', method: 'channels.error', params: { channel_id: null, data: { message: 'bad_signature' } } }))[0]).toMatchObject({
      type: 'error',
      error: { code: 'FSM_NODE_ERROR', shortMessage: 'The node reported: bad_signature.' },
    });
    expect(events(d.node({ jsonrpc: '2.0', method: 'channels.debug', params: { channel_id: null, data: { message: 'x' } } }))).toEqual([{ type: 'info', event: 'debug', data: { message: 'x' } }]);
  });

  it('a node batch (array) is processed message by message', () => {
    const d = openChannel('responder');
    const effects = d.node([info('update'), info('own_deposit_locked')]);
    expect(events(effects).map((e) => (e.type === 'info' ? e.event : e.type))).toEqual(['update', 'own_deposit_locked']);
  });
});

describe('a step shares what it does not change (no whole copy of the state per input)', () => {
  it('keeps the options object of the state it was given', () => {
    const d = openChannel('initiator');
    const before = d.state;
    d.command({ kind: 'transfer', from: I, to: R, amount: 1n });
    expect(d.state).not.toBe(before);
    expect(d.state.round).toBe(before.round);
    // a copy per input (structuredClone, a deep spread) would give new objects here
    expect(d.state.options).toEqual(before.options);
    expect(d.state.options).toBe(before.options);
  });

  it('keeps the balances, the opening slot, the nonces and the call archive until a step replaces them', () => {
    const d = openChannel('initiator');
    const before = d.state;
    d.command({ kind: 'transfer', from: I, to: R, amount: 1n });
    for (const part of ['balances', 'opening', 'ownNonces', 'callArchive'] as const) expect(d.state[part], part).toBe(before[part]);
    // the pending command is changed in place by the handlers: it is copied
    expect(d.state.own).not.toBe(before.own);
  });
});
