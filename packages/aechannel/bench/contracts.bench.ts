/**
 * Contract calls per second next to transfers per second, between two `Channel` clients on
 * the devnode over WebSockets (`pnpm bench`). A round is one co-signed off-chain update,
 * awaited before the next: the initiator's request, both clients' signatures, the node's
 * report, the store write. A contract round also runs the FATE VM four times (each of the
 * devnode's two FSMs, and each client recomputing it before signing, CONTRACTS.md §2), so
 * the difference between the two rows is what verifying contracts costs.
 *
 * The contract is the counter of the tests (`add(1)`: a store write, an event). Each bench
 * is tinybench's (ops/s with its spread); the last one plays a fixed number of rounds of
 * each kind, interleaved, and prints both rates side by side. Not a timed test.
 */
import { startDevnode, type Devnode } from '@aechannel/devnode';
import { memorySigner } from '@aechannel/signer';
import type { Encoded } from '@aechannel/codec';
import { afterAll, bench, describe } from 'vitest';
import { Channel } from '../src/Channel.js';
import { COUNTER } from '../test/fixtures/contracts.js';

const ROUNDS = Number(process.env['AECHANNEL_BENCH_ROUNDS'] ?? 200);

interface Setup {
  devnode: Devnode;
  initiator: Channel;
  responder: Channel;
  counter: Encoded<'ct'>;
}

let setup: Promise<Setup> | undefined;
/** One channel with a counter in it, opened once for every bench of this file. */
function ready(): Promise<Setup> {
  setup ??= (async () => {
    const devnode = await startDevnode({ port: 0 });
    const [a, b] = devnode.accounts;
    const common = {
      url: devnode.url,
      networkId: devnode.networkId,
      initiatorId: a!.address,
      responderId: b!.address,
      initiatorAmount: 10n ** 18n,
      responderAmount: 10n ** 18n,
      channelReserve: 1n,
      lockPeriod: 5n,
      port: 41_001,
      timeoutMs: 60_000,
    };
    const [initiator, responder] = await Promise.all([
      Channel.open({ ...common, role: 'initiator', host: '127.0.0.1', signer: memorySigner(a!.secretKey) }),
      Channel.open({ ...common, role: 'responder', signer: memorySigner(b!.secretKey) }),
    ]);
    const { contractId } = await initiator.createContract({ code: COUNTER.code, aci: COUNTER.aci, args: [0n] });
    return { devnode, initiator, responder, counter: contractId };
  })();
  return setup;
}

afterAll(async () => {
  if (setup === undefined) return;
  const { devnode, initiator, responder } = await setup;
  initiator.dispose();
  responder.dispose();
  await devnode.stop();
});

const transfer = async ({ initiator, responder }: Setup): Promise<void> => {
  await initiator.transfer(responder.address, 1n);
};
const call = async ({ initiator, counter }: Setup): Promise<void> => {
  await initiator.callContract(counter, { function: 'add', args: [1n] });
};

describe('one round at a time between two Channel clients on the devnode', () => {
  bench('transfer (off-chain update)', async () => transfer(await ready()), { time: 3_000, warmupIterations: 5 });
  bench('callContract counter.add(1) (VM run by both clients and both node FSMs)', async () => call(await ready()), { time: 3_000, warmupIterations: 5 });
});

describe('transfers and contract calls, side by side', () => {
  bench(
    `${ROUNDS} rounds of each, side by side`,
    async () => {
      const s = await ready();
      // Interleaved, one of each in turn, so a busy machine slows both rows alike.
      const spent = { transfer: 0, call: 0 };
      for (let i = 0; i < ROUNDS; i++) {
        let started = performance.now();
        await transfer(s);
        spent.transfer += performance.now() - started;
        started = performance.now();
        await call(s);
        spent.call += performance.now() - started;
      }
      const transfers = ROUNDS / (spent.transfer / 1000);
      const calls = ROUNDS / (spent.call / 1000);
      const { state } = await s.initiator.getContract(s.counter);
      console.log(
        [
          '',
          'rounds per second, one at a time, two Channel clients over WebSockets to the devnode:',
          `  transfers       ${transfers.toFixed(0).padStart(6)} /s   (${(1000 / transfers).toFixed(2)} ms per round)`,
          `  contract calls  ${calls.toFixed(0).padStart(6)} /s   (${(1000 / calls).toFixed(2)} ms per round; ${(transfers / calls).toFixed(2)}x a transfer)`,
          `  (the counter now holds ${String((state as { value: bigint }).value)}, round ${s.initiator.round})`,
          '',
        ].join('\n'),
      );
    },
    { iterations: 1, warmupIterations: 0, time: 0, warmupTime: 0 },
  );
});
