/**
 * Calls per second and how a call's cost grows with the contract store.
 *
 * - counter `tick()` (CONTRACTS.md Appendix A): one call update applied, then the state
 *   hash of the new trees;
 * - `set(k, v)` on the "maps" contract (Appendix A), whose map is a store map, with the
 *   state hashed;
 * - the same `set` on a store map of 1, 1 000 and 100 000 entries, once without and once
 *   with the state hash: the call itself touches one entry; the hash updates the contracts
 *   tree's Merkle-Patricia root from the previous one (only the changed paths are hashed
 *   again, but the entries are still listed and compared to find them).
 * Run: `npx vitest bench --run` in packages/fate (or `pnpm bench` from the root).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decode, encode, Tag, type ChannelOffChainUpdateCallContract, type Encoded } from '@aechannel/codec';
import { bytesToHex } from '@noble/hashes/utils.js';
import { bench, describe } from 'vitest';
import { applyUpdate, createdContractId, stateHash, treesFromBalances, type ChannelTrees } from '../src/index.js';
import { callData } from '../test/asm.js';
import { PMap } from '../src/pmap.js';
import { serializeValue } from '../src/serialize.js';
import { makeContractRecord } from '../src/trees.js';
import { fString, fTuple } from '../src/values.js';

const cb = (f: string) => decode(readFileSync(fileURLToPath(new URL(f, import.meta.url)), 'utf8').trim(), 'cb');
const I = 'ak_11111111111111111111111111111118qjnEr' as Encoded<'ak'>;
const R = 'ak_1111111111111111111111111111111Hrt6FG' as Encoded<'ak'>;
const ctx = (round: bigint) => ({ round, reserve: 0n });

function create(code: Uint8Array, init: Uint8Array): { trees: ChannelTrees; ct: Encoded<'ct'> } {
  const trees = treesFromBalances({ [I]: 10n ** 18n, [R]: 10n ** 18n });
  const r = applyUpdate(trees, { tag: Tag.ChannelOffChainUpdateCreateContract, version: 1, owner: I, ctVersion: 0x80003n, code, deposit: 0n, callData: init }, ctx(2n));
  return { trees: r.trees, ct: createdContractId(I, 2n) };
}

function callUpdate(ct: Encoded<'ct'>, data: Uint8Array): ChannelOffChainUpdateCallContract {
  return { tag: Tag.ChannelOffChainUpdateCallContract, version: 1, caller: R, contract: ct, abiVersion: 3n, amount: 0n, gas: 1_000_000n, gasPrice: 1n, callData: data, callStack: [] };
}

// counter: init(42), then tick()
const counter = create(cb('counter.cb'), callData('init', [42n]));
let counterTrees = counter.trees;
let round = 3n;
const tick = callUpdate(counter.ct, callData('tick'));

// maps: init(), then a store map of `n` entries written straight into the store
const mapsCode = cb('maps.cb');
function mapsWith(n: number): { trees: ChannelTrees; ct: Encoded<'ct'> } {
  const { trees, ct } = create(mapsCode, callData('init'));
  const hex = bytesToHex(decode(ct, 'ct'));
  const rec = trees.contracts.get(hex)!;
  const entries: [string, Uint8Array][] = [...rec.store.entries()];
  const meta = { kind: 'map' as const, entries: new Map([['00', [0n, fTuple([0n, 1n, BigInt(n)])] as const]]) };
  entries.push(['0000', serializeValue(meta)], ['0002', Uint8Array.of(0xbf, 0x00)], ['0100000000', Uint8Array.of(0)]);
  for (let k = 1; k <= n; k += 1) entries.push([`0100000000${bytesToHex(serializeValue(BigInt(k)))}`, serializeValue(fString('value'))]);
  const store = PMap.from(entries);
  const { object: _o, ...rest } = rec;
  void _o;
  const next = { ...makeContractRecord({ ...rest, store }) };
  return { trees: { ...trees, contracts: trees.contracts.set(hex, next) }, ct };
}

const sizes = [1, 1000, 100_000] as const;
const maps = new Map(sizes.map((n) => [n, mapsWith(n)]));
const set = (ct: Encoded<'ct'>, k: bigint) => callUpdate(ct, callData('set', [k, fString('x')]));

describe('calls per second, state hashed', () => {
  bench('counter tick() + state hash', () => {
    const r = applyUpdate(counterTrees, tick, ctx(round));
    stateHash(r.trees);
    counterTrees = r.trees;
    round += 1n;
  });
  const m = maps.get(1000)!;
  let t = m.trees;
  let k = 0n;
  bench('store map set(k, v) (1 000 entries) + state hash', () => {
    const r = applyUpdate(t, set(m.ct, (k % 1000n) + 1n), ctx(3n + k));
    stateHash(r.trees);
    t = r.trees;
    k += 1n;
  });
});

for (const n of sizes) {
  describe(`set(k, v) on a store map of ${n} entries`, () => {
    const m = maps.get(n)!;
    let t = m.trees;
    let k = 0n;
    bench('call only', () => {
      const r = applyUpdate(t, set(m.ct, (k % BigInt(n)) + 1n), ctx(3n + k));
      t = r.trees;
      k += 1n;
    }, { iterations: 20, time: 500 });
    bench('call + state hash', () => {
      const r = applyUpdate(t, set(m.ct, (k % BigInt(n)) + 1n), ctx(3n + k));
      stateHash(r.trees);
      t = r.trees;
      k += 1n;
    }, { iterations: n >= 100_000 ? 3 : 20, time: n >= 100_000 ? 0 : 500 });
  });
}
void encode;
