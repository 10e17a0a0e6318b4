/**
 * unpack + pack of the fixture transactions, side by side:
 * - ours (`unpackTx` + `packTx`),
 * - `@aeternity/aepp-sdk` 14 (`unpackTx` + `buildTx`), on the txs it can read (it has no
 *   schema for channel create v1, which most fixtures use),
 * - bare `rlp` decode + encode as the floor: the same work without field mapping. The
 *   "all layers" floor also decodes and re-encodes the inner tx of the signed tx, which a
 *   decoder that returns the inner tx as an object has to do as well.
 * Ids and state hashes are memoized (a channel repeats the same few); the "memo cleared"
 * line shows the cold path, where every id costs a base58 pass and two SHA-256 runs.
 * Each group starts from `tx_` strings and ends with `tx_` strings (base64check both ways),
 * except the last one, which compares the RLP layers on raw bytes.
 * The last group times RLP decoding alone: src/rlp.ts against `rlp@3` `decode`.
 * (`compare.bench.ts` times the same work on a larger tx set built with the devnode, with
 * memo-free floors, and prints the ratios.)
 * Run: `npx vitest bench --run` in packages/codec.
 */
import { buildTx, unpackTx as sdkUnpackTx } from '@aeternity/aepp-sdk';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256 } from '@noble/hashes/sha2.js';
import { base64 } from '@scure/base';
import * as RLP from 'rlp';
import { bench, describe } from 'vitest';
import { decode, deserializeObject, encode, packTx, serializeObject, unpackTx, type Encoded } from '@aechannel/codec';
import { clearIdCaches } from '../src/id.js';
import { decodeRlpItem } from '../src/rlp.js';

const fixturesDir = join(dirname(fileURLToPath(import.meta.url)), '../../transcript/fixtures');
const all = [
  ...new Set(
    readdirSync(fixturesDir).flatMap((f) => (readFileSync(join(fixturesDir, f), 'utf8').match(/tx_[A-Za-z0-9+/=%]+/g) ?? []).map(decodeURIComponent)),
  ),
] as Encoded<'tx'>[];

const sdkReadable = all.filter((tx) => {
  try {
    return buildTx(sdkUnpackTx(tx)) === tx;
  } catch {
    return false;
  }
});
const sdkUnreadable = all.length - sdkReadable.length;
console.log(`fixture txs: ${all.length} distinct; aepp-sdk reads ${sdkReadable.length}, cannot read ${sdkUnreadable} (channel create v1)`);

// The floors decode without the codec's memo of decoded values (a bare base64check pass).
function bareDecode(tx: string): Uint8Array {
  const raw = base64.decode(tx.slice(3));
  const bytes = raw.subarray(0, raw.length - 4);
  const sum = sha256(sha256(bytes));
  for (let i = 0; i < 4; i++) if (raw[raw.length - 4 + i] !== sum[i]) throw new Error('checksum');
  return bytes;
}

function rlpOuter(txs: readonly Encoded<'tx'>[]): void {
  for (const tx of txs) {
    const item = RLP.decode(bareDecode(tx));
    if (encode(RLP.encode(item), 'tx') !== tx) throw new Error('rlp mismatch');
  }
}

function rlpAllLayers(txs: readonly Encoded<'tx'>[]): void {
  for (const tx of txs) {
    const outer = RLP.decode(bareDecode(tx)) as Uint8Array[];
    const inner = RLP.decode(outer[3] as Uint8Array);
    const rebuilt = [outer[0], outer[1], outer[2], RLP.encode(inner)] as Uint8Array[];
    if (encode(RLP.encode(rebuilt), 'tx') !== tx) throw new Error('rlp mismatch');
  }
}

function ours(txs: readonly Encoded<'tx'>[]): void {
  for (const tx of txs) if (packTx(unpackTx(tx)) !== tx) throw new Error('mismatch');
}

/** Ours with the id/state-hash memo emptied before every tx: the cold path. */
function oursCold(txs: readonly Encoded<'tx'>[]): void {
  for (const tx of txs) {
    clearIdCaches();
    if (packTx(unpackTx(tx)) !== tx) throw new Error('mismatch');
  }
}

function sdk(txs: readonly Encoded<'tx'>[]): void {
  for (const tx of txs) if (buildTx(sdkUnpackTx(tx)) !== tx) throw new Error('sdk mismatch');
}

const options = { time: 1500, warmupTime: 300 };

describe(`tx_ unpack+pack, the ${sdkReadable.length} fixture txs aepp-sdk reads`, () => {
  bench('@aechannel/codec', () => ours(sdkReadable), options);
  bench('@aechannel/codec, memo cleared before every tx', () => oursCold(sdkReadable), options);
  bench('@aeternity/aepp-sdk', () => sdk(sdkReadable), options);
  bench('rlp floor (outer layer)', () => rlpOuter(sdkReadable), options);
  bench('rlp floor (all layers)', () => rlpAllLayers(sdkReadable), options);
});

describe(`tx_ unpack+pack, all ${all.length} fixture txs (aepp-sdk cannot read ${sdkUnreadable})`, () => {
  bench('@aechannel/codec', () => ours(all), options);
  bench('rlp floor (outer layer)', () => rlpOuter(all), options);
  bench('rlp floor (all layers)', () => rlpAllLayers(all), options);
});

const allBytes = all.map((tx) => decode(tx, 'tx'));

describe(`bytes deserialize+serialize, all ${all.length} fixture txs`, () => {
  bench('@aechannel/codec deserializeObject+serializeObject', () => {
    for (const bytes of allBytes) serializeObject(deserializeObject(bytes));
  }, options);
  bench('rlp floor (all layers)', () => {
    for (const bytes of allBytes) {
      const outer = RLP.decode(bytes) as Uint8Array[];
      RLP.encode([outer[0], outer[1], outer[2], RLP.encode(RLP.decode(outer[3] as Uint8Array))] as Uint8Array[]);
    }
  }, options);
  bench('rlp floor (outer layer)', () => {
    for (const bytes of allBytes) RLP.encode(RLP.decode(bytes));
  }, options);
});

// RLP decoding alone: our strict decoder (src/rlp.ts) against `rlp@3`, on the fixtures and
// on a hostile flat list, where `rlp@3` copies the rest of the input after every item.
const hostileItems = 10_000;
const hostileList = new Uint8Array(3 + hostileItems).fill(1);
hostileList.set([0xf9, hostileItems >> 8, hostileItems & 0xff]);

describe('RLP decode only', () => {
  bench(`decodeRlpItem, all ${all.length} fixture txs`, () => {
    for (const bytes of allBytes) decodeRlpItem(bytes);
  }, options);
  bench(`rlp@3 decode, all ${all.length} fixture txs`, () => {
    for (const bytes of allBytes) RLP.decode(bytes);
  }, options);
  bench(`decodeRlpItem, flat list of ${hostileItems} one-byte items`, () => {
    decodeRlpItem(hostileList);
  }, options);
  bench(`rlp@3 decode, flat list of ${hostileItems} one-byte items`, () => {
    RLP.decode(hostileList);
  }, options);
});
