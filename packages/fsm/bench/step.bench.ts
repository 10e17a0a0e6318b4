/**
 * Throughput of `step` for one full off-chain transfer round as the starter (§9.3):
 * command transfer -> sign.update (verified: decode, recompute the state hash) -> signed
 * -> channels.update (adopt, persist) -> persisted (settle). Five inputs per round; the
 * reported hz is rounds/s, so inputs/s = 5 x hz. Also the acknowledger's round and the
 * cost of a ping (no verification) for comparison.
 * Run: `npx vitest bench --run` in packages/fsm.
 */
import { bench, describe } from 'vitest';
import { step, type ChannelState, type Input } from '../src/index.js';
import { channelUpdate, I, info, INITIAL, offChainTx, openChannel, R, result, SIG_I, SIG_R, signedBy, signRequest, transferUpdate, unsigned } from '../test/helpers.js';

const after = { [I]: INITIAL[I]! - 1n, [R]: INITIAL[R]! + 1n };
const starter = openChannel('initiator').state;
const tx = unsigned(offChainTx(2n, after));
const starterInputs = (requestId: number, persistId: number): Input[] => [
  { type: 'command', now: 1, commandId: 1, command: { kind: 'transfer', from: I, to: R, amount: 1n } },
  { type: 'nodeMessage', now: 2, message: signRequest('update', tx, [transferUpdate(I, R, 1n)]) },
  { type: 'signed', now: 3, requestId, signedTx: signedBy(tx, SIG_I) },
  { type: 'nodeMessage', now: 4, message: channelUpdate(signedBy(tx, SIG_I, SIG_R)) },
  { type: 'persisted', now: 5, persistId },
];

const acknowledger = openChannel('responder').state;
const peerTx = signedBy(tx, SIG_I);
const ackInputs = (requestId: number, persistId: number): Input[] => [
  { type: 'nodeMessage', now: 1, message: info('update') },
  { type: 'nodeMessage', now: 2, message: signRequest('update_ack', peerTx, [transferUpdate(I, R, 1n)]) },
  { type: 'signed', now: 3, requestId, signedTx: signedBy(peerTx, SIG_R) },
  { type: 'nodeMessage', now: 4, message: channelUpdate(signedBy(tx, SIG_I, SIG_R)) },
  { type: 'persisted', now: 5, persistId },
];

function round(state: ChannelState, inputs: Input[]): ChannelState {
  let s = state;
  for (const input of inputs) s = step(s, input).state;
  if (s.round !== 2n) throw new Error('the round did not complete');
  return s;
}

const starterRound = starterInputs(starter.counters.sign, starter.counters.persist);
const ackRound = ackInputs(acknowledger.counters.sign, acknowledger.counters.persist);
round(starter, starterRound);
round(acknowledger, ackRound);

describe('step: one transfer round (5 inputs)', () => {
  bench('starter: transfer -> sign.update -> signed -> channels.update -> persisted', () => {
    round(starter, starterRound);
  });
  bench('acknowledger: info update -> sign.update_ack -> signed -> channels.update -> persisted', () => {
    round(acknowledger, ackRound);
  });
});

describe('step: a single input without verification', () => {
  const ping: Input = { type: 'command', now: 1, commandId: 1, command: { kind: 'ping' } };
  const pong: Input = { type: 'nodeMessage', now: 2, message: result(starter.counters.rpc, { action: 'system', tag: 'pong' }) };
  bench('ping + pong (2 inputs)', () => {
    step(step(starter, ping).state, pong);
  });
});
