/**
 * End to end, side by side with the official SDK (`pnpm bench`): two `aechannel` clients
 * vs two `@aeternity/aepp-sdk` clients per channel, against one devnode in its own process,
 * interleaved: one channel x 2 000 sequential transfers, and 100 channels transferring in
 * parallel. Prints transfers per second, p50 and p99 latency, client CPU per transfer and
 * the ratios (see `endToEnd.ts`). Sizes: `AECHANNEL_BENCH_E2E_TRANSFERS`,
 * `AECHANNEL_BENCH_E2E_WARMUP` (transfers per SDK before the one-channel measurement, default
 * 500), `AECHANNEL_BENCH_E2E_CHANNELS`. Not a timed test.
 */
import { bench, describe } from 'vitest';
import { runEndToEnd } from './endToEnd.js';

const transfers = Number(process.env['AECHANNEL_BENCH_E2E_TRANSFERS'] ?? 2000);
const warmup = Number(process.env['AECHANNEL_BENCH_E2E_WARMUP'] ?? 500);
const channels = Number(process.env['AECHANNEL_BENCH_E2E_CHANNELS'] ?? 100);

describe('end to end: aechannel vs @aeternity/aepp-sdk on one devnode process', () => {
  bench(
    `1 channel x ${transfers} transfers and ${channels} channels in parallel, interleaved`,
    async () => {
      await runEndToEnd({ transfers, warmup, channels });
    },
    { iterations: 1, warmupIterations: 0, time: 0, warmupTime: 0 },
  );
});
