/**
 * Throughput of `step` for contract rounds (CONTRACTS.md §2.3): one call of the Counter
 * contract as the starter (command -> sign.update, recomputed with the VM on the full trees
 * -> signed -> channels.update -> persisted), and a transfer round of a channel holding a
 * contract (also over the full trees), next to a transfer of a payment-only channel in
 * `step.bench.ts`. The reported hz is rounds/s.
 * Run: `npx vitest bench --run` in packages/fsm.
 */
import { bench, describe } from 'vitest';
import { step, type ChannelState, type Input } from '../src/index.js';
import { ADD_3, callContractJson, nextRound, offChainTxWithHash, withCounter } from '../test/contracts.js';
import { channelUpdate, I, R, SIG_I, SIG_R, signedBy, signRequest, transferUpdate, unsigned } from '../test/helpers.js';

const { d, contract } = withCounter('initiator');
const start = d.state;

function inputs(state: ChannelState, command: Input & { type: 'command' }, updates: Parameters<typeof nextRound>[1]): Input[] {
  const next = nextRound(state, updates);
  const tx = unsigned(offChainTxWithHash(next.round, next.stateHash));
  return [
    command,
    { type: 'nodeMessage', now: 2, message: signRequest('update', tx, [...updates]) },
    { type: 'signed', now: 3, requestId: state.counters.sign, signedTx: signedBy(tx, SIG_I) },
    { type: 'nodeMessage', now: 4, message: channelUpdate(signedBy(tx, SIG_I, SIG_R)) },
    { type: 'persisted', now: 5, persistId: state.counters.persist },
  ];
}

const callRound = inputs(start, { type: 'command', now: 1, commandId: 1, command: { kind: 'callContract', contractId: contract, callData: ADD_3, abiVersion: 3n, amount: 0n } }, [callContractJson(I, contract, ADD_3)]);
const transferRound = inputs(start, { type: 'command', now: 1, commandId: 1, command: { kind: 'transfer', from: I, to: R, amount: 1n } }, [transferUpdate(I, R, 1n)]);

function run(rounds: Input[]): void {
  let s = start;
  for (const input of rounds) s = step(s, input).state;
  if (s.round !== start.round + 1n) throw new Error('the round did not complete');
}
run(callRound);
run(transferRound);

describe('step: rounds of a channel holding a contract (5 inputs)', () => {
  bench('contract call (Counter.add), starter', () => run(callRound));
  bench('transfer over the full trees, starter', () => run(transferRound));
});
