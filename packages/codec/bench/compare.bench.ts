/**
 * unpack + pack of two tx sets, every candidate timed in the same run and interleaved
 * (five rounds, median), ratios printed:
 * - the fixture recordings (few and alike), and
 * - `fixtures/devnode-txs.txt`: 2 805 distinct txs a client sends and receives while the
 *   devnode runs every flow (every example scenario; transfers of every size, deposits,
 *   withdrawals, contracts, snapshots and mutual closes on Ceres and Iris devnodes;
 *   unsigned, half-signed and co-signed). Rebuild it with `bench/buildTxSet.ts` of
 *   packages/aechannel.
 *
 * Candidates: ours warm (the memos of ids, state hashes and decoded values hold what a
 * channel repeats), ours cold (every memo emptied before every tx), `@aeternity/aepp-sdk`
 * 14 (`unpackTx` + `buildTx`, on the txs it can read), and two floors: bare base64check
 * and `rlp` decode + encode of both layers (a decoder that returns the inner tx as an
 * object has to do that much), once with `@scure/base` + `@noble/hashes` (the libraries),
 * once with node:buffer + node:crypto (what the codec uses on Node, see src/platform.ts).
 * Not a timed test.
 * Run: `npx vitest bench --run bench/compare.bench.ts` in packages/codec.
 */
import { buildTx, unpackTx as sdkUnpackTx } from '@aeternity/aepp-sdk';
import { sha256 } from '@noble/hashes/sha2.js';
import { base64 } from '@scure/base';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as RLP from 'rlp';
import { bench, describe } from 'vitest';
import { packTx, unpackTx, type Encoded } from '@aechannel/codec';
import { clearIdCaches } from '../src/id.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixturesDir = join(here, '../../transcript/fixtures');
const recordings = [
  ...new Set(readdirSync(fixturesDir).flatMap((f) => (readFileSync(join(fixturesDir, f), 'utf8').match(/tx_[A-Za-z0-9+/=%]+/g) ?? []).map(decodeURIComponent))),
] as Encoded<'tx'>[];
const devnodeSet = readFileSync(join(here, 'fixtures/devnode-txs.txt'), 'utf8').split('\n').filter((line) => line.startsWith('tx_')) as Encoded<'tx'>[];

const checksum = (bytes: Uint8Array): Uint8Array => sha256(sha256(bytes)).subarray(0, 4);
function floorDecode(tx: string): Uint8Array {
  const raw = base64.decode(tx.slice(3));
  const bytes = raw.subarray(0, raw.length - 4);
  const sum = checksum(bytes);
  for (let i = 0; i < 4; i++) if (raw[raw.length - 4 + i] !== sum[i]) throw new Error('checksum');
  return bytes;
}
function floorEncode(bytes: Uint8Array): string {
  const out = new Uint8Array(bytes.length + 4);
  out.set(bytes);
  out.set(checksum(bytes), bytes.length);
  return `tx_${base64.encode(out)}`;
}

const nodeCrypto = process.getBuiltinModule('node:crypto') as typeof import('node:crypto');
const nativeChecksum = (bytes: Uint8Array): Uint8Array => nodeCrypto.hash('sha256', nodeCrypto.hash('sha256', bytes, 'buffer'), 'buffer').subarray(0, 4);
function nativeFloorDecode(tx: string): Uint8Array {
  const raw = Buffer.from(tx.slice(3), 'base64');
  const bytes = raw.subarray(0, raw.length - 4);
  const sum = nativeChecksum(bytes);
  for (let i = 0; i < 4; i++) if (raw[raw.length - 4 + i] !== sum[i]) throw new Error('checksum');
  return bytes;
}
function nativeFloorEncode(bytes: Uint8Array): string {
  return `tx_${Buffer.concat([bytes, nativeChecksum(bytes)]).toString('base64')}`;
}

const candidates = {
  nativeFloor: (txs: readonly string[]) => {
    for (const tx of txs) {
      const outer = RLP.decode(nativeFloorDecode(tx)) as Uint8Array[];
      const inner = RLP.decode(outer[3] as Uint8Array);
      if (nativeFloorEncode(RLP.encode([outer[0], outer[1], outer[2], RLP.encode(inner)] as Uint8Array[])) !== tx) throw new Error('floor mismatch');
    }
  },
  floor: (txs: readonly string[]) => {
    for (const tx of txs) {
      const outer = RLP.decode(floorDecode(tx)) as Uint8Array[];
      const inner = RLP.decode(outer[3] as Uint8Array);
      if (floorEncode(RLP.encode([outer[0], outer[1], outer[2], RLP.encode(inner)] as Uint8Array[])) !== tx) throw new Error('floor mismatch');
    }
  },
  warm: (txs: readonly string[]) => {
    for (const tx of txs) if (packTx(unpackTx(tx as Encoded<'tx'>)) !== tx) throw new Error('mismatch');
  },
  cold: (txs: readonly string[]) => {
    for (const tx of txs) {
      clearIdCaches();
      if (packTx(unpackTx(tx as Encoded<'tx'>)) !== tx) throw new Error('mismatch');
    }
  },
  sdk: (txs: readonly string[]) => {
    for (const tx of txs) if (buildTx(sdkUnpackTx(tx as Encoded<'tx'>)) !== tx) throw new Error('sdk mismatch');
  },
} as const;
type Candidate = keyof typeof candidates;

const sdkReads = (tx: string): boolean => {
  try {
    return buildTx(sdkUnpackTx(tx as Encoded<'tx'>)) === tx;
  } catch {
    return false;
  }
};

/** Transactions per second of `run` over `txs`, timing repeated passes for about `ms`. */
function rate(run: (txs: readonly string[]) => void, txs: readonly string[], ms: number): number {
  let passes = 0;
  const started = performance.now();
  let elapsed = 0;
  do {
    run(txs);
    passes += 1;
    elapsed = performance.now() - started;
  } while (elapsed < ms);
  return (passes * txs.length) / (elapsed / 1000);
}

function compare(name: string, txs: readonly string[]): string {
  const readable = txs.filter(sdkReads);
  const sets: [string, readonly string[], Candidate[]][] = [
    [`all ${txs.length}`, txs, ['floor', 'nativeFloor', 'warm', 'cold']],
    [`the ${readable.length} aepp-sdk reads`, readable, ['floor', 'nativeFloor', 'warm', 'cold', 'sdk']],
  ];
  const rows = ['', `${name}: unpack + pack, txs per second (median of 5 interleaved rounds)`];
  for (const [label, set, which] of sets) {
    if (set.length === 0) continue;
    for (const c of which) rate(candidates[c], set, 50); // warm-up
    const samples: Record<string, number[]> = {};
    for (let round = 0; round < 5; round++) for (const c of which) (samples[c] ??= []).push(rate(candidates[c], set, 250));
    const median = (c: Candidate): number => [...samples[c]!].sort((a, b) => a - b)[2]!;
    const f = (c: Candidate): string => median(c).toFixed(0).padStart(9);
    rows.push(`  ${label}:`);
    const vs = (c: Candidate): string => `${(median('floor') / median(c)).toFixed(2)}x the floor's time, ${(median('nativeFloor') / median(c)).toFixed(2)}x the native floor's`;
    rows.push(`    floor: @scure/base + @noble/hashes + rlp  ${f('floor')}`);
    rows.push(`    native floor: node:buffer + node:crypto   ${f('nativeFloor')}`);
    rows.push(`    @aechannel/codec, memos warm              ${f('warm')}   ${vs('warm')}`);
    rows.push(`    @aechannel/codec, cold (memos emptied)    ${f('cold')}   ${vs('cold')}`);
    if (which.includes('sdk')) {
      rows.push(`    @aeternity/aepp-sdk                       ${f('sdk')}   ${vs('sdk')}`);
      rows.push(`    ours / aepp-sdk: warm ${(median('warm') / median('sdk')).toFixed(2)}x, cold ${(median('cold') / median('sdk')).toFixed(2)}x`);
    }
  }
  return rows.join('\n');
}

let printed = false;
describe('codec against aepp-sdk and the floor, fixture recordings and a devnode tx set', () => {
  bench(
    'unpack + pack, side by side',
    () => {
      // (tinybench may call a one-iteration task more than once: the comparison runs once)
      if (printed) return;
      printed = true;
      console.log(compare(`fixture recordings (${recordings.length} distinct txs)`, recordings));
      console.log(compare(`devnode tx set (${devnodeSet.length} distinct txs)`, devnodeSet));
      console.log('');
    },
    { iterations: 1, warmupIterations: 0, time: 0, warmupTime: 0 },
  );
});
