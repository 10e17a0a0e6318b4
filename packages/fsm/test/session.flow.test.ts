import { describe, expect, it } from 'vitest';
import { buildPoi, packStateTrees } from '@aechannel/codec';
import { buildConnectQuery, createInitialState, getPersistedChannel, nextDeadline, step, type Command } from '../src/index.js';
import {
  afterTransfer,
  CH,
  channelUpdate,
  connected,
  CREATE,
  createTx,
  Driver,
  errorReply,
  events,
  FSM_ID,
  FSM_ID_2,
  I,
  info,
  onChainTx,
  INITIAL,
  offChainTx,
  openChannel,
  options,
  OTHER_CH,
  R,
  result,
  securityEvents,
  sends,
  settles,
  SIG_I,
  SIG_R,
  signedBy,
  signRequest,
  transferUpdate,
  unsigned,
} from './helpers.js';

describe('ping, messages and queries (§7.5, §7.6)', () => {
  it('ping with id settles on the result; an id-less pong notification settles the oldest ping', () => {
    const d = openChannel('initiator');
    const a = d.command({ kind: 'ping' });
    expect(sends(a.effects)).toEqual([{ method: 'channels.system', params: { action: 'ping' } }]);
    const idA = d.lastSendId();
    const b = d.command({ kind: 'ping' });
    expect(settles(d.node({ jsonrpc: '2.0', method: 'channels.system.pong', params: { channel_id: CH, data: { action: 'system', tag: 'pong' } } }))).toEqual([
      { type: 'settle', commandId: a.commandId, ok: true, result: null },
    ]);
    expect(settles(d.node(result(idA + 1n, { action: 'system', tag: 'pong' })))).toEqual([{ type: 'settle', commandId: b.commandId, ok: true, result: null }]);
  });

  it('ping works before the channel exists (right after transportOpened)', () => {
    const d = connected('responder');
    expect(sends(d.command({ kind: 'ping' }).effects)).toHaveLength(1);
  });

  it('sendMessage is settled when sent; incoming messages are events', () => {
    const d = openChannel('initiator');
    const { commandId, effects } = d.command({ kind: 'sendMessage', to: R, info: 'Hello' });
    expect(sends(effects)).toEqual([{ method: 'channels.message', params: { to: R, info: 'Hello' } }]);
    expect(settles(effects)).toEqual([{ type: 'settle', commandId, ok: true, result: null }]);
    const incoming = d.node({ jsonrpc: '2.0', method: 'channels.message', params: { channel_id: CH, data: { message: { channel_id: CH, from: R, to: I, info: 'Hello back' } } } });
    expect(events(incoming)).toEqual([{ type: 'message', from: R, to: I, info: 'Hello back' }]);
  });

  it('get.balances / get.poi / get.offchain_state with results and .reply notifications', () => {
    const d = openChannel('responder');
    const balances = d.command({ kind: 'getBalances', accounts: [I, R] });
    expect(sends(balances.effects)).toEqual([{ method: 'channels.get.balances', params: { accounts: [I, R] } }]);
    expect(settles(d.node(result(d.lastSendId(), [{ account: I, balance: 5n }, { account: R, balance: 6n }])))).toEqual([
      { type: 'settle', commandId: balances.commandId, ok: true, result: { [I]: 5n, [R]: 6n } },
    ]);
    const poi = d.command({ kind: 'getPoi', accounts: [I] });
    expect(sends(poi.effects)).toEqual([{ method: 'channels.get.poi', params: { accounts: [I] } }]);
    // The PoI is checked: it must prove our latest state (a PoI of another state, or a broken one, is an error).
    const proof = buildPoi(INITIAL, [I]);
    expect(settles(d.node({ jsonrpc: '2.0', method: 'channels.get.poi.reply', params: { channel_id: CH, data: { poi: proof } } }))).toEqual([
      { type: 'settle', commandId: poi.commandId, ok: true, result: { poi: proof } },
    ]);
    const other = d.command({ kind: 'getPoi', accounts: [I] });
    const lie = d.node(result(d.lastSendId(), { poi: buildPoi({ ...INITIAL, [I]: INITIAL[I]! + 1n }, [I]) }));
    expect(settles(lie)[0]).toMatchObject({ commandId: other.commandId, ok: false, error: { code: 'FSM_INVALID_NODE_MESSAGE' } });
    expect(securityEvents(lie)).toHaveLength(1);
    const broken = d.command({ kind: 'getPoi', accounts: [I] });
    expect(settles(d.node(result(d.lastSendId(), { poi: 'pi_x' })))[0]).toMatchObject({ commandId: broken.commandId, ok: false, error: { code: 'FSM_INVALID_NODE_MESSAGE' } });
    const off = d.command({ kind: 'getOffchainState' });
    expect(settles(d.node(result(d.lastSendId(), { trees: 'ss_x', calls: 'cs_x', signed_tx: CREATE, half_signed_tx: '' })))).toEqual([
      { type: 'settle', commandId: off.commandId, ok: true, result: { trees: 'ss_x', calls: 'cs_x', signedTx: CREATE, halfSignedTx: '' } },
    ]);
    const bad = d.command({ kind: 'getBalances', accounts: [I] });
    expect(settles(d.node(result(d.lastSendId(), 'nonsense')))[0]).toMatchObject({ commandId: bad.commandId, ok: false, error: { code: 'FSM_INVALID_NODE_MESSAGE' } });
  });

  it('history.fetch: the node fsm event log as entries; a malformed one is an error', () => {
    const d = openChannel('responder');
    const history = d.command({ kind: 'getHistory', types: ['rpt'] });
    expect(sends(history.effects)).toEqual([{ method: 'channels.history.fetch', params: { type: ['rpt'] } }]);
    const log = [
      { type: 'rpt', tag: 'channels.sign.update_ack', time: 7n, info: '' },
      { type: 'rpt', tag: 'channels.info', time: 8n, info: 'fsm_up' },
    ];
    expect(settles(d.node(result(d.lastSendId(), log)))).toEqual([
      {
        type: 'settle',
        commandId: history.commandId,
        ok: true,
        result: [
          { type: 'rpt', tag: 'channels.sign.update_ack', time: 7n, info: '' },
          { type: 'rpt', tag: 'channels.info', time: 8n, info: 'fsm_up' },
        ],
      },
    ]);
    const bad = d.command({ kind: 'getHistory', n: 2n });
    expect(sends(bad.effects)).toEqual([{ method: 'channels.history.fetch', params: { n: 2n } }]);
    expect(settles(d.node(result(d.lastSendId(), [{ type: 'rpt' }])))[0]).toMatchObject({ commandId: bad.commandId, ok: false, error: { code: 'FSM_INVALID_NODE_MESSAGE' } });
  });

  it('a query without reply times out (reply timer); the timer is reported and cleared', () => {
    const d = openChannel('initiator');
    const { commandId, effects } = d.command({ kind: 'getBalances', accounts: [I] });
    const timer = effects.find((e) => e.type === 'setTimer');
    expect(timer).toMatchObject({ type: 'setTimer', timer: 'reply' });
    expect(nextDeadline(d.state)).toBe(timer?.type === 'setTimer' ? timer.at : -1);
    expect(d.feed({ type: 'timerFired', timer: 'reply', now: d.now + 1 })).toEqual([]);
    const fired = d.feed({ type: 'timerFired', timer: 'reply', now: d.now + 10_000_000 });
    expect(settles(fired)).toMatchObject([{ commandId, ok: false, error: { code: 'FSM_TIMEOUT' } }]);
    expect(fired).toContainEqual({ type: 'clearTimer', timer: 'reply' });
    expect(nextDeadline(d.state)).toBeNull();
  });

  it('malformed contract commands settle with FSM_INVALID_COMMAND and send nothing; a malformed contract update from the peer is refused', () => {
    const d = openChannel('initiator');
    const create = d.command({ kind: 'newContract', code: 'cb_x' } as unknown as Command).effects;
    expect(sends(create)).toEqual([]);
    expect(settles(create)[0]).toMatchObject({ ok: false, error: { code: 'FSM_INVALID_COMMAND' } });
    const call = d.command({ kind: 'callContract' } as unknown as Command).effects;
    expect(sends(call)).toEqual([]);
    expect(settles(call)[0]).toMatchObject({ ok: false, error: { code: 'FSM_INVALID_COMMAND' } });
    const effects = d.node(signRequest('update_ack', signedBy(unsigned(offChainTx(2n, INITIAL)), SIG_I), [{ op: 'OffChainNewContract', owner: R }]));
    expect(sends(effects)).toEqual([{ method: 'channels.update_ack', params: { error: 1n } }]);
  });

  it('operations are not allowed before open: FSM_COMMAND_NOT_ALLOWED, nothing sent', () => {
    const d = connected('initiator');
    d.node(info('fsm_up', { fsm_id: FSM_ID }, null));
    const { effects } = d.command({ kind: 'transfer', from: I, to: R, amount: 1n });
    expect(sends(effects)).toEqual([]);
    expect(settles(effects)[0]).toMatchObject({ ok: false, error: { code: 'FSM_COMMAND_NOT_ALLOWED', context: { phase: 'opening' } } });
  });
});

describe('stop, died, disconnects (§7.6, §9.8)', () => {
  it('died settles every pending command with FSM_CHANNEL_DIED, a pending stop with ok', () => {
    const d = openChannel('initiator');
    const transfer = d.command({ kind: 'transfer', from: I, to: R, amount: 1n });
    const queued = d.command({ kind: 'withdraw', amount: 1n });
    const query = d.command({ kind: 'getBalances', accounts: [I] });
    const stop = d.command({ kind: 'stop' });
    expect(sends(stop.effects)).toEqual([{ method: 'channels.system', params: { action: 'stop' } }]);
    const effects = d.node(info('died'));
    expect(settles(effects).map((s) => [s.commandId, s.ok ? 'ok' : s.error.code])).toEqual([
      [transfer.commandId, 'FSM_CHANNEL_DIED'],
      [queued.commandId, 'FSM_CHANNEL_DIED'],
      [query.commandId, 'FSM_CHANNEL_DIED'],
      [stop.commandId, 'ok'],
    ]);
    expect(d.state.status).toBe('died');
    // The late "ok" of the stop and the socket close change nothing more.
    expect(settles(d.node(result(d.lastSendId(), 'ok')))).toEqual([]);
    d.feed({ type: 'transportClosed' });
    expect(d.state.status).toBe('died');
  });

  it('stop after died, while the socket is still open, goes to the node and settles on its ok (issue 14)', () => {
    const d = openChannel('initiator');
    d.node(info('died'));
    const stop = d.command({ kind: 'stop' });
    expect(settles(stop.effects)).toEqual([]);
    expect(sends(stop.effects)).toEqual([{ method: 'channels.system', params: { action: 'stop' } }]);
    expect(settles(d.node(result(d.lastSendId(), 'ok')))).toEqual([{ type: 'settle', commandId: stop.commandId, ok: true, result: null }]);
    // an operation stays refused: the node fsm is gone
    expect(settles(d.command({ kind: 'transfer', from: I, to: R, amount: 1n }).effects)[0]).toMatchObject({ ok: false, error: { code: 'FSM_COMMAND_NOT_ALLOWED' } });
  });

  it('stop after died and the socket closed is refused, nothing is sent', () => {
    const d = openChannel('initiator');
    d.node(info('died'));
    d.feed({ type: 'transportClosed' });
    const stop = d.command({ kind: 'stop' });
    expect(sends(stop.effects)).toEqual([]);
    expect(settles(stop.effects)[0]).toMatchObject({ ok: false, error: { code: 'FSM_COMMAND_NOT_ALLOWED' } });
  });

  it('transportClosed settles every pending command with FSM_CONNECTION_CLOSED and keeps the channel data', () => {
    const d = openChannel('responder');
    const a = d.command({ kind: 'transfer', from: R, to: I, amount: 1n });
    const b = d.command({ kind: 'ping' });
    const effects = d.feed({ type: 'transportClosed', code: 1006 });
    expect(settles(effects).map((s) => [s.commandId, s.ok ? 'ok' : s.error.code])).toEqual([
      [a.commandId, 'FSM_CONNECTION_CLOSED'],
      [b.commandId, 'FSM_CONNECTION_CLOSED'],
    ]);
    expect(d.state).toMatchObject({ status: 'disconnected', phase: 'disconnected', channelId: CH, fsmId: FSM_ID, round: 1n });
    expect(settles(d.command({ kind: 'transfer', from: R, to: I, amount: 1n }).effects)[0]).toMatchObject({ ok: false, error: { code: 'FSM_COMMAND_NOT_ALLOWED' } });
  });

  it('commands deferred behind a persist are settled when the socket closes', () => {
    const d = openChannel('initiator');
    d.autoPersist = false;
    afterTransferNoPersist(d);
    const ping = d.command({ kind: 'ping' });
    expect(ping.effects).toEqual([]);
    const effects = d.feed({ type: 'transportClosed' });
    expect(settles(effects)).toMatchObject([{ commandId: ping.commandId, ok: false, error: { code: 'FSM_CONNECTION_CLOSED' } }]);
  });

  it('keep_running: peer_disconnected voids the pending update (FSM_PEER_DISCONNECTED), channel stays open', () => {
    const d = openChannel('responder', { keepRunning: true });
    const { commandId } = d.command({ kind: 'transfer', from: R, to: I, amount: 1n });
    const effects = d.node(info('peer_disconnected'));
    expect(events(effects)).toContainEqual({ type: 'peerDisconnected' });
    expect(settles(effects)).toMatchObject([{ commandId, ok: false, error: { code: 'FSM_PEER_DISCONNECTED' } }]);
    expect(d.state.status).toBe('open');
  });

  it('timeout info then died (§9.9)', () => {
    const d = connected('initiator', { timeouts: { accept: 500 } });
    d.node(info('fsm_up', { fsm_id: FSM_ID }, null));
    expect(events(d.node(info('timeout', {}, null)))).toEqual([{ type: 'info', event: 'timeout', data: { event: 'timeout' } }]);
    d.node(info('died', {}, null));
    expect(d.state.status).toBe('died');
  });
});

function afterTransferNoPersist(d: Driver): void {
  const after = { [I]: INITIAL[I]! - 1n, [R]: INITIAL[R]! + 1n };
  d.command({ kind: 'transfer', from: I, to: R, amount: 1n });
  const tx = unsigned(offChainTx(2n, after));
  d.node(signRequest('update', tx, [transferUpdate(I, R, 1n)]));
  d.sign(SIG_I);
  d.node(channelUpdate(signedBy(tx, SIG_I, new Uint8Array(64).fill(2))));
  expect(d.state.persisting).not.toBeNull();
}

describe('leave and reestablish (§9.7)', () => {
  it('leave -> channels.leave {state} settles with the latest state; died follows', () => {
    const d = openChannel('initiator');
    const latest = afterTransfer(d);
    const { commandId, effects } = d.command({ kind: 'leave' });
    expect(sends(effects)).toEqual([{ method: 'channels.leave', params: {} }]);
    const left = d.node({ jsonrpc: '2.0', method: 'channels.leave', params: { channel_id: CH, data: { state: latest } } });
    expect(events(left)).toEqual([{ type: 'leave', state: latest }]);
    expect(settles(left)).toEqual([{ type: 'settle', commandId, ok: true, result: { state: latest } }]);
    d.node(info('died'));
    expect(getPersistedChannel(d.state)).toMatchObject({ latestState: latest, round: 2n, fsmId: FSM_ID, channelId: CH });
  });

  it('the peer leaving is reported as a leave event', () => {
    const d = openChannel('responder');
    expect(events(d.node({ jsonrpc: '2.0', method: 'channels.leave', params: { channel_id: CH, data: { state: CREATE } } }))).toEqual([{ type: 'leave', state: CREATE }]);
  });

  it('reestablish: query with existing ids and offchain_tx; new fsm id persisted; reestablished, open', () => {
    const before = openChannel('initiator');
    const latest = afterTransfer(before);
    const saved = getPersistedChannel(before.state);
    const state = createInitialState({ role: 'initiator', port: 13179, host: 'localhost', networkId: 'local_iris_testnet' }, { mode: 'reestablish', savedState: saved });
    expect(buildConnectQuery(state)).toEqual({
      protocol: 'json-rpc',
      role: 'initiator',
      port: '13179',
      host: 'localhost',
      existing_channel_id: CH,
      existing_fsm_id: FSM_ID,
      offchain_tx: latest,
    });
    const d = new Driver(state, false);
    d.feed({ type: 'start' });
    d.feed({ type: 'transportOpened' });
    const up = d.node(info('fsm_up', { fsm_id: FSM_ID_2 }));
    expect(up.find((e) => e.type === 'persist')).toMatchObject({ snapshot: { fsmId: FSM_ID_2, latestState: latest, round: 2n } });
    d.feed({ type: 'persisted', persistId: 1 });
    d.node(info('channel_reestablished'));
    expect(events(d.node(info('open')))).toContainEqual({ type: 'statusChanged', status: 'open' });
    // channels.update with the state we already have: nothing to adopt, nothing to persist.
    expect(d.node(channelUpdate(latest))).toEqual([]);
    expect(d.state.round).toBe(2n);
    expect(sends(d.command({ kind: 'transfer', from: I, to: R, amount: 1n }).effects)).toHaveLength(1);
  });
});

describe('client reconnect (§6.3)', () => {
  it('reconnect command after a disconnect: connect with the fsm id; fsm_up with the same id settles it', () => {
    const d = openChannel('responder');
    d.feed({ type: 'transportClosed' });
    const { commandId, effects } = d.command({ kind: 'reconnect' });
    const connect = effects.find((e) => e.type === 'connect');
    expect(connect).toEqual({
      type: 'connect',
      query: { protocol: 'json-rpc', role: 'responder', port: '13179', host: 'localhost', existing_channel_id: CH, existing_fsm_id: FSM_ID, offchain_tx: CREATE },
    });
    d.feed({ type: 'transportOpened' });
    const up = d.node(info('fsm_up', { fsm_id: FSM_ID }));
    expect(settles(up)).toEqual([{ type: 'settle', commandId, ok: true, result: { fsmId: FSM_ID } }]);
    expect(up.some((e) => e.type === 'persist')).toBe(false);
    expect(d.state).toMatchObject({ status: 'open', phase: 'open' });
  });

  it.each(['can_slash', 'solo_closing', 'close_mutual'])('a `%s` report the node did not follow with info closing does not decide the phase after a reconnect (issue 11)', (report) => {
    const d = openChannel('initiator');
    d.node(onChainTx(report, CREATE, 'channel_offchain_tx'));
    expect(d.state.phase).toBe('open');
    d.feed({ type: 'transportClosed' });
    d.command({ kind: 'reconnect' });
    d.feed({ type: 'transportOpened' });
    d.node(info('fsm_up', { fsm_id: FSM_ID }));
    expect(d.state).toMatchObject({ status: 'open', phase: 'open', closingBy: null });
    expect(sends(d.command({ kind: 'transfer', from: I, to: R, amount: 1n }).effects)).toHaveLength(1);
  });

  it('a solo close the node confirmed (info closing) is resumed as closing', () => {
    const d = openChannel('initiator');
    d.node(onChainTx('solo_closing', CREATE, 'channel_close_solo_tx'));
    d.node(info('closing'));
    d.feed({ type: 'transportClosed' });
    d.command({ kind: 'reconnect' });
    d.feed({ type: 'transportOpened' });
    d.node(info('fsm_up', { fsm_id: FSM_ID }));
    expect(d.state).toMatchObject({ status: 'closing', phase: 'closing', closingBy: 'solo' });
  });

  it('rejections first (2000, then 1016), each followed by the node closing the socket', () => {
    const d = openChannel('responder');
    d.feed({ type: 'transportClosed' });
    const first = d.command({ kind: 'reconnect' });
    d.feed({ type: 'transportOpened' });
    const rejected = d.node(errorReply(null, 3n, 2000n));
    expect(settles(rejected)).toMatchObject([{ commandId: first.commandId, ok: false, error: { code: 'FSM_CONNECTION_REJECTED', context: { code: 2000 } } }]);
    d.feed({ type: 'transportClosed' });
    expect(d.state.status).toBe('disconnected');
    const second = d.command({ kind: 'reconnect' });
    d.feed({ type: 'transportOpened' });
    d.node(errorReply(null, 3n, 1016n));
    d.feed({ type: 'transportClosed' });
    expect(settles(d.effects).filter((s) => s.commandId === second.commandId)).toMatchObject([{ ok: false, error: { context: { code: 1016 } } }]);
  });

  it('reconnect needs a channel: refused before one exists', () => {
    const d = connected('initiator');
    d.feed({ type: 'transportClosed' });
    expect(settles(d.command({ kind: 'reconnect' }).effects)[0]).toMatchObject({ ok: false, error: { code: 'FSM_COMMAND_NOT_ALLOWED' } });
  });

  it('createInitialState without a saved state for reconnect throws FSM_INVALID_COMMAND', () => {
    expect(() => createInitialState(options('initiator'), { mode: 'reconnect' })).toThrowError(expect.objectContaining({ code: 'FSM_INVALID_COMMAND' }));
  });

  it('step never throws; start twice is ignored', () => {
    const state = createInitialState(options('initiator'));
    const once = step(state, { type: 'start', now: 0 }).state;
    expect(step(once, { type: 'start', now: 1 })).toEqual({ state: once, effects: [] });
  });
});

describe('early reconnect (§9.7 sc_ws_reconnect_early)', () => {
  it('a create tx signed before the drop is adopted when the node reports it after the reconnect', () => {
    const d = connected('initiator');
    d.node(info('fsm_up', { fsm_id: FSM_ID }, null));
    d.node(signRequest('initiator_sign', unsigned(createTx())));
    d.sign(SIG_I);
    d.feed({ type: 'transportClosed' });
    d.command({ kind: 'reconnect' });
    d.feed({ type: 'transportOpened' });
    d.node(info('fsm_up', { fsm_id: FSM_ID }));
    expect(d.state.phase).toBe('opening');
    d.node(info('funding_signed', { fsm_id: FSM_ID }));
    d.node(info('open'));
    d.node(channelUpdate(CREATE));
    expect(d.state).toMatchObject({ status: 'open', round: 1n, latestState: CREATE });
  });
});

describe('the signed create tx is part of the record (issue 14: an early reconnect after a restart)', () => {
  it.each(['initiator', 'responder'] as const)('%s: the create tx it signed is stored before its signed reply goes out', (role) => {
    const d = connected(role);
    d.autoPersist = false;
    d.node(info('fsm_up', { fsm_id: FSM_ID }, null));
    const request = role === 'initiator' ? signRequest('initiator_sign', unsigned(createTx())) : signRequest('responder_sign', signedBy(unsigned(createTx()), SIG_I));
    if (role === 'responder') d.node(info('funding_created', {}));
    d.node(request);
    const effects = d.sign(role === 'initiator' ? SIG_I : SIG_R);
    expect(sends(effects)).toEqual([]);
    const persist = effects.find((e) => e.type === 'persist');
    const signed = role === 'initiator' ? signedBy(unsigned(createTx()), SIG_I) : CREATE;
    expect(persist).toMatchObject({ snapshot: { channelId: CH, fsmId: FSM_ID, latestState: null, round: 0n, signedCreateTx: signed } });
    const after = d.feed({ type: 'persisted', persistId: (persist as { persistId: number }).persistId });
    expect(sends(after)).toEqual([{ method: `channels.${role}_sign`, params: { signed_tx: signed } }]);
  });

  it.each(['initiator', 'responder'] as const)('%s: a new process reconnects from that record and adopts the co-signed create the node then reports', (role) => {
    const d = connected(role);
    d.node(info('fsm_up', { fsm_id: FSM_ID }, null));
    if (role === 'initiator') d.node(signRequest('initiator_sign', unsigned(createTx())));
    else d.node(signRequest('responder_sign', signedBy(unsigned(createTx()), SIG_I)));
    d.sign(role === 'initiator' ? SIG_I : SIG_R);
    const saved = getPersistedChannel(d.state);
    // the process ends; a new one starts from the record
    const again = new Driver(createInitialState({}, { mode: 'reconnect', savedState: saved }));
    const connect = again.feed({ type: 'start' }).find((e) => e.type === 'connect');
    expect(connect).toMatchObject({ type: 'connect', query: { existing_channel_id: CH, existing_fsm_id: FSM_ID, role } });
    again.feed({ type: 'transportOpened' });
    again.node(info('fsm_up', { fsm_id: FSM_ID }));
    expect(again.state.phase).toBe('opening');
    if (role === 'initiator') again.node(info('funding_signed', { fsm_id: FSM_ID }));
    again.node(onChainTx('channel_changed', CREATE, 'channel_create_tx'));
    again.node(info('own_funding_locked'));
    again.node(info('funding_locked'));
    again.node(info('open'));
    const effects = again.node(channelUpdate(CREATE));
    expect(securityEvents(effects)).toEqual([]);
    expect(again.state).toMatchObject({ status: 'open', round: 1n, latestState: CREATE, channelId: CH, balances: INITIAL });
    // the record now holds the co-signed create, no longer the signed one
    expect(getPersistedChannel(again.state).signedCreateTx).toBeUndefined();
  });
});

describe('resync with a state the driver verified (verifiedState)', () => {
  const after = { [I]: INITIAL[I]! - 1n, [R]: INITIAL[R]! + 1n };
  const newer = signedBy(unsigned(offChainTx(2n, after)), SIG_I, new Uint8Array(64).fill(2));
  it('adopts a newer co-signed state whose trees hash to its state hash, and persists it', () => {
    const d = openChannel('responder');
    d.autoPersist = false;
    const effects = d.feed({ type: 'verifiedState', signedTx: newer, trees: packStateTrees({ accounts: after }) });
    expect(effects.map((e) => e.type)).toEqual(['emit', 'persist']);
    expect(d.state).toMatchObject({ round: 2n, balances: after, latestState: newer });
    // An older or equal state changes nothing.
    d.feed({ type: 'persisted', persistId: d.state.persisting!.persistId });
    expect(d.feed({ type: 'verifiedState', signedTx: CREATE, trees: packStateTrees({ accounts: INITIAL }) })).toEqual([]);
  });

  it('refuses trees that do not match the state hash, and states of another channel', () => {
    const d = openChannel('responder');
    const wrongTrees = d.feed({ type: 'verifiedState', signedTx: newer, trees: packStateTrees({ accounts: INITIAL }) });
    expect(events(wrongTrees)[0]).toMatchObject({ type: 'security', reason: 'resync refused: the trees do not hash to the state hash of the tx' });
    const other = signedBy(unsigned(offChainTx(2n, after, OTHER_CH)), SIG_I);
    expect(events(d.feed({ type: 'verifiedState', signedTx: other, trees: packStateTrees({ accounts: after }) }))[0]).toMatchObject({ type: 'security', reason: 'resync refused: not a state of this channel' });
    expect(d.state.round).toBe(1n);
  });

  it('settles the own operation whose tx it is', () => {
    const d = openChannel('initiator');
    const { commandId } = d.command({ kind: 'transfer', from: I, to: R, amount: 1n });
    const tx = unsigned(offChainTx(2n, after));
    d.node(signRequest('update', tx, [transferUpdate(I, R, 1n)]));
    d.sign(SIG_I);
    const effects = d.feed({ type: 'verifiedState', signedTx: newer, trees: packStateTrees({ accounts: after }) });
    expect(settles(effects)).toEqual([{ type: 'settle', commandId, ok: true, result: { state: newer, round: 2n } }]);
  });
});
