import { computeStateHash, encode, type Encoded } from '@aechannel/codec';
import { treesFromBalances } from '@aechannel/fate';
import { describe, expect, it } from 'vitest';
import { balancesOf, stateHashOf } from './offchain.js';

const id = (byte: number): Encoded<'ak'> => encode(new Uint8Array(32).fill(byte), 'ak') as Encoded<'ak'>;

describe('stateHashOf', () => {
  it('gives the state hash of the balances for payment trees, whether remembered or not, in any entry order', () => {
    const [a, b, c] = [id(1), id(2), id(3)];
    // rounds that come back to earlier balances (remembered) between new ones, from two "FSMs"
    const rounds: Record<Encoded<'ak'>, bigint>[] = [];
    for (let i = 0n; i < 40n; i++) rounds.push({ [a]: 100n - (i % 7n), [b]: 5n + (i % 7n), ...(i % 5n === 0n ? { [c]: i } : {}) });
    for (const balances of rounds) {
      const expected = computeStateHash(balances);
      expect(stateHashOf(treesFromBalances(balances))).toBe(expected);
      const reversed = Object.fromEntries(Object.entries(balances).reverse()) as Record<Encoded<'ak'>, bigint>;
      expect(stateHashOf(treesFromBalances(reversed))).toBe(expected);
    }
  });

  it('tells apart balances that differ in one account only', () => {
    const [a, b] = [id(4), id(5)];
    const first = stateHashOf(treesFromBalances({ [a]: 12n, [b]: 3n }));
    const second = stateHashOf(treesFromBalances({ [a]: 1n, [b]: 23n }));
    expect(first).not.toBe(second);
    expect(stateHashOf(treesFromBalances({ [a]: 12n, [b]: 3n }))).toBe(first);
    expect(second).toBe(computeStateHash({ [a]: 1n, [b]: 23n }));
  });
});

describe('balancesOf', () => {
  it('gives every account by its ak_ id, remembered ids or not', () => {
    for (let round = 0; round < 3; round++) {
      for (let i = 1; i < 40; i++) {
        const balances = { [id(i)]: BigInt(i * 1000 + round), [id(i + 100)]: BigInt(round), [id(200)]: 7n } as Record<Encoded<'ak'>, bigint>;
        const trees = treesFromBalances(balances);
        expect(balancesOf(trees)).toEqual(balances);
      }
    }
  });
});
