import { describe, expect, it } from 'vitest';
import { buildConnectQuery, createInitialState, getPersistedChannel, step } from '../src/index.js';
import {
  CH,
  connected,
  CREATE,
  createTx,
  events,
  FSM_ID,
  I,
  info,
  INITIAL,
  onChainTx,
  openChannel,
  options,
  R,

  securityEvents,
  sends,
  SIG_I,
  SIG_R,
  signedBy,
  signRequest,
  signs,
  unsigned,
  channelUpdate,
  errorReply,

} from './helpers.js';

describe('open: connect query (§6.2)', () => {
  it('carries every open parameter that is set, snake_case', () => {
    const state = createInitialState(
      options('initiator', {
        ttl: 100n,
        fee: 20000000000000n,
        gasPrice: 1000001234n,
        nonce: 7n,
        minimumDepth: 0n,
        minimumDepthStrategy: 'plain',
        timeouts: { accept: 500, fundingCreate: 1, fundingSign: 2, fundingLock: 3000, idle: 4, sign: 5, initialized: 6, awaitingOpen: 7 },
        bhDeltaNotNewerThan: 0n,
        bhDeltaNotOlderThan: 10n,
        bhDeltaPick: 0n,
        keepRunning: true,
        report: { info: true, update: false, leave: true, conflict: true, message: true, error: true, onChainTx: true, minDepth: true, debug: false },
        msgForwarding: true,
        logKeep: 20n,
        slogan: 'test',
        maxFee: 1n,
      }),
    );
    expect(buildConnectQuery(state)).toMatchInlineSnapshot(`
      {
        "bh_delta_not_newer_than": "0",
        "bh_delta_not_older_than": "10",
        "bh_delta_pick": "0",
        "channel_reserve": "2",
        "fee": "20000000000000",
        "gas_price": "1000001234",
        "host": "localhost",
        "initiator_amount": "70000000000000",
        "initiator_id": "ak_2MJU325LQVfAu36vjGvdVpVgiCDbjRsMAjHZc7ahzuLZHTjWYS",
        "keep_running": "true",
        "lock_period": "10",
        "log_keep": "20",
        "minimum_depth": "0",
        "minimum_depth_strategy": "plain",
        "msg_forwarding": "true",
        "nonce": "7",
        "port": "13179",
        "protocol": "json-rpc",
        "push_amount": "1",
        "report_conflict": "true",
        "report_debug": "false",
        "report_error": "true",
        "report_info": "true",
        "report_leave": "true",
        "report_message": "true",
        "report_min_depth": "true",
        "report_on_chain_tx": "true",
        "report_update": "false",
        "responder_amount": "40000000000000",
        "responder_id": "ak_cU4JbcvVzqCtttniEVwvN1z6P7s4vgtTCjfDYfF1kbh7gCs7W",
        "role": "initiator",
        "slogan": "test",
        "timeout_accept": "500",
        "timeout_awaiting_open": "7",
        "timeout_funding_create": "1",
        "timeout_funding_lock": "3000",
        "timeout_funding_sign": "2",
        "timeout_idle": "4",
        "timeout_initialized": "6",
        "timeout_sign": "5",
        "ttl": "100",
      }
    `);
  });

  it('start -> connecting + connect; transportOpened -> connected + fsmUp timer', () => {
    const state = createInitialState(options('responder'));
    const started = step(state, { type: 'start', now: 0 });
    expect(started.effects).toEqual([
      { type: 'emit', event: { type: 'statusChanged', status: 'connecting' } },
      { type: 'connect', query: buildConnectQuery(state) },
    ]);
    const opened = step(started.state, { type: 'transportOpened', now: 10 });
    expect(opened.effects).toEqual([
      { type: 'emit', event: { type: 'statusChanged', status: 'connected' } },
      { type: 'setTimer', timer: 'fsmUp', at: 30010 },
    ]);
  });
});

describe('open: initiator (§9.2)', () => {
  it('signs the verified create tx, derives the channel id, opens, persists round 1', () => {
    const d = connected('initiator');
    expect(events(d.node(info('fsm_up', { fsm_id: FSM_ID }, null)))).toEqual([{ type: 'fsmUp', fsmId: FSM_ID }]);
    expect(events(d.node(info('channel_accept', {}, null)))).toContainEqual({ type: 'statusChanged', status: 'accepted' });
    const tx = unsigned(createTx());
    const [sign] = signs(d.node(signRequest('initiator_sign', tx)));
    expect(sign).toMatchObject({ tag: 'initiator_sign', tx, networkId: 'local_iris_testnet', updates: [] });
    expect(sign!.reason).toContain('create channel');
    expect(d.state.channelId).toBe(CH);
    expect(sends(d.sign(SIG_I))).toEqual([{ method: 'channels.initiator_sign', params: { signed_tx: signedBy(tx, SIG_I) } }]);
    expect(events(d.node(info('funding_signed', { fsm_id: FSM_ID })))).toContainEqual({ type: 'statusChanged', status: 'signed' });
    expect(events(d.node(onChainTx('funding_signed', CREATE, 'channel_create_tx')))).toEqual([
      { type: 'onChainTx', info: 'funding_signed', tx: CREATE, txType: 'channel_create_tx' },
    ]);
    d.node(info('own_funding_locked'));
    d.node(info('funding_locked'));
    expect(events(d.node(info('open')))).toContainEqual({ type: 'statusChanged', status: 'open' });
    d.autoPersist = false;
    const effects = d.node(channelUpdate(CREATE));
    expect(effects).toEqual([
      { type: 'emit', event: { type: 'stateChanged', round: 1n, state: CREATE, balances: INITIAL } },
      { type: 'persist', persistId: 2, snapshot: getPersistedChannel(d.state) },
    ]);
    expect(d.state.round).toBe(1n);
    expect(d.state.onChainRound).toBe(1n);
  });

  it('accepts the legacy `tx` key and replies with the same key (§11)', () => {
    const d = connected('initiator');
    d.node(info('fsm_up', { fsm_id: FSM_ID }, null));
    const tx = unsigned(createTx());
    d.node(signRequest('initiator_sign', tx, [], 'tx'));
    expect(sends(d.sign(SIG_I))).toEqual([{ method: 'channels.initiator_sign', params: { tx: signedBy(tx, SIG_I) } }]);
  });

  it('accepts a v2 create tx (Iris) and the open-time fee/nonce it asked for', () => {
    const d = connected('initiator', { fee: 17640000000000n, nonce: NONCE_V2 });
    d.node(info('fsm_up', { fsm_id: FSM_ID }, null));
    const { delegateIds: _, ...v1 } = createTx({ nonce: NONCE_V2 }) as unknown as Record<string, unknown>;
    const tx = unsigned({ ...v1, version: 2, initiatorDelegateIds: [], responderDelegateIds: [] } as never);
    expect(signs(d.node(signRequest('initiator_sign', tx)))).toHaveLength(1);
  });

  it('refuses a create tx with another fee than the open-time fee (no sign, close)', () => {
    const d = connected('initiator', { fee: 20000000000000n });
    d.node(info('fsm_up', { fsm_id: FSM_ID }, null));
    const effects = d.node(signRequest('initiator_sign', unsigned(createTx())));
    expect(signs(effects)).toEqual([]);
    expect(securityEvents(effects)[0]!.reason).toBe('fee is 17640000000000, expected 20000000000000');
    expect(effects.at(-1)).toMatchObject({ type: 'close', code: 4000 });
  });

  it('refuses a create tx whose fee exceeds maxFee', () => {
    const d = connected('initiator', { maxFee: 17639999999999n });
    d.node(info('fsm_up', { fsm_id: FSM_ID }, null));
    const effects = d.node(signRequest('initiator_sign', unsigned(createTx())));
    expect(signs(effects)).toEqual([]);
    expect(securityEvents(effects)[0]!.reason).toContain('exceeds maxFee');
  });

  it('refusing the create tx (user) closes the socket: the create cannot be aborted (§9.6)', () => {
    const d = connected('initiator');
    d.node(info('fsm_up', { fsm_id: FSM_ID }, null));
    d.node(signRequest('initiator_sign', unsigned(createTx())));
    const effects = d.feed({ type: 'signRefused', requestId: d.lastSign().requestId });
    expect(sends(effects)).toEqual([]);
    expect(effects).toContainEqual({ type: 'close', code: 4000, reason: 'refused to sign the create tx: signing was refused (abort code 4)' });
  });
});

const NONCE_V2 = 3n;

describe('open: responder (§9.2)', () => {
  it('co-signs the create tx carrying the initiator signature; status halfSigned; fsm_id in either place (§11)', () => {
    const d = connected('responder');
    d.node(info('fsm_up', { fsm_id: FSM_ID }, null));
    d.node(info('channel_open', {}, null));
    expect(events(d.node(info('funding_created', { fsm_id: FSM_ID })))).toContainEqual({ type: 'statusChanged', status: 'halfSigned' });
    const tx = signedBy(unsigned(createTx()), SIG_I);
    const effects = d.node({ jsonrpc: '2.0', method: 'channels.sign.responder_sign', params: { channel_id: null, data: { fsm_id: FSM_ID, signed_tx: tx, updates: [] } } });
    expect(signs(effects)).toHaveLength(1);
    expect(sends(d.sign(SIG_R))[0]!.method).toBe('channels.responder_sign');
    d.node(onChainTx('funding_created', CREATE, 'channel_create_tx'));
    d.node(info('open'));
    d.node(channelUpdate(CREATE));
    expect(d.state.status).toBe('open');
    expect(d.state.round).toBe(1n);
  });

  it('accepts any initiator with initiatorId "any" and adopts the one in the create tx', () => {
    const d = connected('responder', { initiatorId: 'any' });
    expect(buildConnectQuery(d.state).initiator_id).toBe('any');
    d.node(info('fsm_up', { fsm_id: FSM_ID }, null));
    d.node(signRequest('responder_sign', signedBy(unsigned(createTx()), SIG_I)));
    expect(d.state.options.initiatorId).toBe(I);
    expect(d.state.options.responderId).toBe(R);
  });

  it('refuses an initiator_sign request (wrong role): no sign, security, close', () => {
    const d = connected('responder');
    d.node(info('fsm_up', { fsm_id: FSM_ID }, null));
    const effects = d.node(signRequest('initiator_sign', unsigned(createTx())));
    expect(signs(effects)).toEqual([]);
    expect(securityEvents(effects)).toHaveLength(1);
    expect(effects.some((e) => e.type === 'close')).toBe(true);
  });

  it('open-time rejection (§6.4): error with empty request, then close -> FSM_CONNECTION_REJECTED', () => {
    const d = connected('responder');
    const effects = d.node(errorReply(null, 3n, 1011n));
    expect(events(effects)[0]).toMatchObject({ type: 'error', error: { code: 'FSM_CONNECTION_REJECTED', context: { code: 1011 } } });
    d.feed({ type: 'transportClosed' });
    expect(d.state.status).toBe('disconnected');
  });

  it('fsm_up timeout closes the socket; an early timerFired does nothing', () => {
    const d = connected('responder');
    expect(d.feed({ type: 'timerFired', timer: 'fsmUp', now: 1100 })).toEqual([]);
    const effects = d.feed({ type: 'timerFired', timer: 'fsmUp', now: 1_000_000 });
    expect(events(effects)[0]).toMatchObject({ type: 'error', error: { code: 'FSM_TIMEOUT' } });
    expect(effects).toContainEqual({ type: 'close', code: 4000, reason: 'fsm_up timeout' });
  });
});

describe('open: node messages in unexpected phases', () => {
  it('an update sign request during opening is refused with an abort, never signed', () => {
    const d = connected('initiator');
    d.node(info('fsm_up', { fsm_id: FSM_ID }, null));
    const effects = d.node(signRequest('update_ack', CREATE));
    expect(signs(effects)).toEqual([]);
    expect(sends(effects)).toEqual([{ method: 'channels.update_ack', params: { error: 1n } }]);
  });

  it('a node message after the socket closed is ignored', () => {
    const d = openChannel('initiator');
    d.feed({ type: 'transportClosed' });
    expect(d.node(info('open'))).toEqual([]);
  });

  it('an unknown event is reported as info; a malformed message as an error event', () => {
    const d = openChannel('responder');
    expect(events(d.node(info('zombie_channel')))).toEqual([{ type: 'info', event: 'zombie_channel', data: { event: 'zombie_channel' } }]);
    expect(events(d.node('garbage'))[0]).toMatchObject({ type: 'error', error: { code: 'FSM_INVALID_NODE_MESSAGE' } });
    expect(events(d.node({ jsonrpc: '2.0' }))[0]).toMatchObject({ type: 'error', error: { code: 'FSM_INVALID_NODE_MESSAGE' } });
  });
});

