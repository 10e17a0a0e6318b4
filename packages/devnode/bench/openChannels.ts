/**
 * Times opening many channels on one in-process devnode (every channel stays open, so each
 * later opening runs next to all earlier FSMs). Run from packages/devnode:
 *   npx tsx --conditions source bench/openChannels.ts [channels=300] [concurrency=10]
 */
import { startDevnode, type DevnodeAccount } from '@aechannel/devnode';
import { openChannel, type TestClient } from '../test/helpers/testClient.js';

const channels = Number(process.argv[2] ?? 300);
const concurrency = Number(process.argv[3] ?? 10);
const devnode = await startDevnode({ listen: false, accounts: 2 * channels });
const accounts = devnode.accounts as DevnodeAccount[];
const clients: TestClient[] = [];
const start = performance.now();
const laps: number[] = [];
for (let first = 0; first < channels; first += concurrency) {
  const lap = performance.now();
  const count = Math.min(concurrency, channels - first);
  const opened = await Promise.all(
    Array.from({ length: count }, (_, k) => {
      const i = first + k;
      return openChannel(devnode, accounts[2 * i] as DevnodeAccount, accounts[2 * i + 1] as DevnodeAccount, { via: 'memory' });
    }),
  );
  for (const o of opened) clients.push(o.initiator, o.responder);
  laps.push(performance.now() - lap);
}
const total = performance.now() - start;
const perGroup = (from: number, to: number): string => {
  const slice = laps.slice(from, to);
  return ((slice.reduce((a, b) => a + b, 0) / (slice.length * concurrency))).toFixed(1);
};
const groups = laps.length;
console.log(
  JSON.stringify({
    channels,
    concurrency,
    totalMs: Math.round(total),
    msPerChannelFirstTenth: perGroup(0, Math.max(1, Math.floor(groups / 10))),
    msPerChannelLastTenth: perGroup(groups - Math.max(1, Math.floor(groups / 10)), groups),
    chainChannels: devnode.chain.channels().length,
  }),
);
for (const c of clients) c.close();
await devnode.stop();
