/**
 * `ct_version` packing (CONTRACTS.md §1.1): the one implementation the fsm and the devnode
 * call for their create-contract updates.
 */
import { describe, expect, it } from 'vitest';
import { packCtVersion, unpackCtVersion } from './trees.js';

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
