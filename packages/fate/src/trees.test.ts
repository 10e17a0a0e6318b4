/**
 * `ct_version` packing (CONTRACTS.md §1.1): the one implementation the fsm and the devnode
 * call for their create-contract updates; the balances of trees by `ak_` id.
 */
import { encode, type Encoded } from '@aechannel/codec';
import { describe, expect, it } from 'vitest';
import { packCtVersion, treesBalances, treesFromBalances, unpackCtVersion } from './trees.js';

describe('packCtVersion', () => {
  it('packs (vm << 16) | abi, and the single abi when vm == abi <= 2', () => {
    expect(packCtVersion(1, 1)).toBe(1n);
    expect(packCtVersion(2, 2)).toBe(2n);
    expect(packCtVersion(3, 3)).toBe(0x30003n);
    expect(packCtVersion(3, 1)).toBe(0x30001n);
    expect(packCtVersion(5, 3)).toBe(0x50003n);
    expect(packCtVersion(8, 3)).toBe(0x80003n);
  });

  it('gives the same for numbers and bigints, exact beyond 2^53', () => {
    for (const [vm, abi] of [[1, 1], [2, 2], [0, 0], [7, 3], [8, 3], [2, 1]] as const) {
      expect(packCtVersion(BigInt(vm), BigInt(abi))).toBe(packCtVersion(vm, abi));
    }
    const big = 2n ** 60n + 1n;
    expect(packCtVersion(big, 3n)).toBe((big << 16n) | 3n);
  });

  it('is undone by unpackCtVersion', () => {
    for (const [vm, abi] of [[1, 1], [2, 2], [3, 3], [5, 3], [7, 3], [8, 3], [6, 1]] as const) {
      expect(unpackCtVersion(packCtVersion(vm, abi))).toEqual({ vm, abi });
    }
  });
});

describe('treesBalances', () => {
  /** An `ak_` id whose key is `n` (big-endian) in the first two bytes. */
  const id = (n: number): Encoded<'ak'> => {
    const key = new Uint8Array(32);
    key[0] = n >> 8;
    key[1] = n & 0xff;
    return encode(key, 'ak');
  };

  it('gives every account by its ak_ id, whether its id was remembered, new, or forgotten since', () => {
    for (let round = 0; round < 3; round++) {
      for (let i = 1; i < 40; i++) {
        const balances = { [id(i)]: BigInt(i * 1000 + round), [id(i + 100)]: BigInt(round), [id(200)]: 7n } as Record<Encoded<'ak'>, bigint>;
        expect(treesBalances(treesFromBalances(balances))).toEqual(balances);
      }
    }
    // more keys than the ids it remembers (4096), then the first ones again
    const many = Object.fromEntries(Array.from({ length: 4200 }, (_, i) => [id(i), BigInt(i)])) as Record<Encoded<'ak'>, bigint>;
    expect(treesBalances(treesFromBalances(many))).toEqual(many);
    const first = { [id(1)]: 5n, [id(2)]: 6n } as Record<Encoded<'ak'>, bigint>;
    expect(treesBalances(treesFromBalances(first))).toEqual(first);
  });
});
