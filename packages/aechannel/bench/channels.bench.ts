/**
 * 1 000 channels open at once in one process against the devnode (2 000 `Channel` clients,
 * each with its own WebSocket), and the memory each takes. Not a timed test: the numbers
 * are printed as a table (`pnpm bench` in this package, or `npx vitest bench --run`).
 *
 * Memory is measured with forced garbage collections (V8's `gc`, enabled at run time):
 * - heap and RSS after starting the devnode (baseline),
 * - after opening every channel (clients + the devnode's two FSMs per channel + sockets),
 * - after disposing the clients only: the drop is what the clients themselves held.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startDevnode, type Devnode } from '@aechannel/devnode';
import { memorySigner, type Signer } from '@aechannel/signer';
import { bench, describe } from 'vitest';
import { Channel } from '../src/Channel.js';

const CHANNELS = Number(process.env['AECHANNEL_BENCH_CHANNELS'] ?? 1000);
const BATCH = 50;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function settle(): { heap: number; rss: number } {
  for (let i = 0; i < 4; i++) gc();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, rss: usage.rss };
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

async function openMany(devnode: Devnode, signers: Signer[]): Promise<Channel[]> {
  const clients: Channel[] = [];
  let port = 40_000;
  for (let start = 0; start < CHANNELS; start += BATCH) {
    const batch: Promise<Channel[]>[] = [];
    for (let n = start; n < Math.min(CHANNELS, start + BATCH); n++) {
      // Two accounts per channel, reused round-robin (a channel is keyed by its port).
      const i = (2 * n) % signers.length;
      const initiator = signers[i]!;
      const responder = signers[i + 1]!;
      port += 1;
      const common = {
        url: devnode.url,
        networkId: devnode.networkId,
        initiatorId: initiator.address,
        responderId: responder.address,
        initiatorAmount: 10n ** 15n,
        responderAmount: 10n ** 15n,
        channelReserve: 1n,
        lockPeriod: 5n,
        port,
        timeoutMs: 120_000,
        watcher: false,
      } as const;
      batch.push(
        Promise.all([
          Channel.open({ ...common, role: 'initiator', host: '127.0.0.1', signer: initiator }),
          Channel.open({ ...common, role: 'responder', signer: responder }),
        ]),
      );
    }
    for (const pair of await Promise.all(batch)) clients.push(...pair);
  }
  return clients;
}

describe(`${CHANNELS} channels open at once`, () => {
  bench(
    'open, measure, transfer on every channel, dispose',
    async () => {
      const devnode = await startDevnode({ port: 0, accounts: 200, maxChannels: CHANNELS * 2 });
      const signers = devnode.accounts.map((a) => memorySigner(a.secretKey));
      const baseline = settle();
      const started = performance.now();
      const clients = await openMany(devnode, signers);
      const openedMs = performance.now() - started;
      const open = settle();
      // every channel is live: one transfer each
      const transferStarted = performance.now();
      for (let start = 0; start < clients.length; start += 2 * BATCH) {
        await Promise.all(
          clients.slice(start, start + 2 * BATCH).flatMap((client, index) => (index % 2 === 0 ? [client.transfer(clients[start + index + 1]!.address, 1n)] : [])),
        );
      }
      const transferMs = performance.now() - transferStarted;
      const afterTransfers = settle();
      const openCount = clients.filter((c) => c.status === 'open').length;
      for (const client of clients) client.dispose();
      await new Promise((resolve) => setTimeout(resolve, 200));
      const disposed = settle();
      await devnode.stop();
      const perChannel = (bytes: number): string => kib(bytes / CHANNELS);
      const perClient = (bytes: number): string => kib(bytes / clients.length);
      console.log(
        [
          '',
          `channels: ${CHANNELS} (${clients.length} Channel clients, ${openCount} open), opened in ${(openedMs / 1000).toFixed(1)} s, one transfer each in ${(transferMs / 1000).toFixed(1)} s`,
          `heap: baseline ${mib(baseline.heap)}, all open ${mib(open.heap)}, after transfers ${mib(afterTransfers.heap)}, clients disposed ${mib(disposed.heap)}`,
          `rss:  baseline ${mib(baseline.rss)}, all open ${mib(open.rss)}, after transfers ${mib(afterTransfers.rss)}`,
          `per channel (clients + devnode FSMs + sockets): heap ${perChannel(afterTransfers.heap - baseline.heap)}, rss ${perChannel(afterTransfers.rss - baseline.rss)}`,
          `per Channel client (released by dispose): heap ${perClient(afterTransfers.heap - disposed.heap)}`,
          '',
        ].join('\n'),
      );
    },
    { iterations: 1, warmupIterations: 0, time: 0, warmupTime: 0 },
  );
});
