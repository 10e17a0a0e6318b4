import { describe, expect, it } from 'vitest';
import { BLS12_381_R, poseidon2 } from './poseidon.js';

describe('poseidon2', () => {
  it('matches the node (aeu_poseidon:hash([1, 2]))', () => {
    expect(poseidon2(1n, 2n)).toBe(18456658763349757341014058622209659766100673761449600566550821987295786346378n);
  });
  it('stays in the field', () => {
    const h = poseidon2(BLS12_381_R - 1n, 0n);
    expect(h >= 0n && h < BLS12_381_R).toBe(true);
  });
});
