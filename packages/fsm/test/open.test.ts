import { loadFixture } from '@aechannel/transcript/fixtures';
import { describe, expect, it } from 'vitest';
import {
  createInitialState,
  deserializeState,
  getChannelId,
  getRound,
  getStatus,
  serializeState,
  step,
  type ChannelOptions,
  type ChannelState,
  type Effect,
  type Input,
} from '../src/index.js';

const fixture = loadFixture('abort_withdraw.md');
const initiator = 'ak_2MJU325LQVfAu36vjGvdVpVgiCDbjRsMAjHZc7ahzuLZHTjWYS' as const;
const responder = 'ak_cU4JbcvVzqCtttniEVwvN1z6P7s4vgtTCjfDYfF1kbh7gCs7W' as const;

const options: ChannelOptions = {
  role: 'initiator',
  initiatorId: initiator,
  responderId: responder,
  initiatorAmount: 70000000000000n,
  responderAmount: 40000000000000n,
  pushAmount: 1n,
  channelReserve: 2n,
  lockPeriod: 10n,
  host: 'localhost',
  port: 13179,
  keepRunning: false,
  networkId: fixture.networkId,
};

function run(state: ChannelState, inputs: Input[]): { state: ChannelState; effects: Effect[] } {
  const effects: Effect[] = [];
  for (const input of inputs) {
    const result = step(state, input);
    state = result.state;
    effects.push(...result.effects);
  }
  return { state, effects };
}

describe('open (initiator, abort_withdraw.md)', () => {
  it('connects with every open parameter, signs the verified create tx and persists round 1', () => {
    let state = createInitialState(options, { mode: 'open' });
    expect(deserializeState(serializeState(state))).toEqual(state);
    const started = step(state, { type: 'start', now: 0 });
    expect(started.effects[1]).toEqual({
      type: 'connect',
      query: {
        protocol: 'json-rpc',
        role: 'initiator',
        initiator_id: initiator,
        responder_id: responder,
        initiator_amount: '70000000000000',
        responder_amount: '40000000000000',
        push_amount: '1',
        channel_reserve: '2',
        lock_period: '10',
        port: '13179',
        host: 'localhost',
        keep_running: 'false',
      },
    });
    state = started.state;
    ({ state } = step(state, { type: 'transportOpened', now: 1 }));
    expect(getStatus(state)).toBe('connected');
    const received = fixture.sections.filter((s) => s.role === 'initiator' && s.kind === 'receive');
    const upToSign = received.findIndex((s) => s.kind === 'receive' && s.raw.includes('initiator_sign'));
    const r1 = run(
      state,
      received.slice(0, upToSign + 1).map((s) => ({ type: 'nodeMessage', now: 2, message: s.kind === 'receive' ? s.message : null })),
    );
    const sign = r1.effects.find((e) => e.type === 'sign');
    expect(sign).toMatchObject({ type: 'sign', tag: 'initiator_sign', requestId: 1, networkId: 'local_iris_testnet' });
    expect(getChannelId(r1.state)).toBe('ch_7hoXbLuZWVcAiZDeohufNVNnnbGK6SMcVdoZY7XcWTf4kP5m1');
    const recordedReply = fixture.sections.find((s) => s.kind === 'send' && s.role === 'initiator');
    const signedTx = (recordedReply as unknown as { message: { params: { signed_tx: `tx_${string}` } } }).message.params.signed_tx;
    const stored = step(r1.state, { type: 'signed', now: 3, requestId: 1, signedTx });
    // the signed create tx is stored first; its reply goes out once that is done
    expect(stored.effects[0]).toMatchObject({ type: 'persist', persistId: 1, snapshot: { round: 0n, signedCreateTx: signedTx } });
    const r2 = step(stored.state, { type: 'persisted', now: 3, persistId: 1 });
    expect(r2.effects[0]).toMatchObject({ type: 'send', message: { method: 'channels.initiator_sign', params: { signed_tx: signedTx } } });
    const rest = received.slice(upToSign + 1).filter((s) => s.kind === 'receive' && !s.raw.includes('withdraw') && !s.raw.includes('died'));
    const r3 = run(r2.state, rest.map((s) => ({ type: 'nodeMessage', now: 4, message: s.kind === 'receive' ? s.message : null })));
    expect(getStatus(r3.state)).toBe('open');
    const persist = r3.effects.find((e) => e.type === 'persist');
    expect(persist).toMatchObject({ type: 'persist', persistId: 2, snapshot: { round: 1n, channelId: 'ch_7hoXbLuZWVcAiZDeohufNVNnnbGK6SMcVdoZY7XcWTf4kP5m1' } });
    expect(getRound(r3.state)).toBe(1n);
    expect(deserializeState(serializeState(r3.state))).toEqual(r3.state);
  });
});
