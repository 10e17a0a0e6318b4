/**
 * Poseidon over BLS12-381's scalar field with two inputs (state width 3), as the node's
 * `POSEIDON` op computes it (`aeu_poseidon:hash([A, B])`): state `[0, a, b]`; 65 rounds of
 * add-round-constants, S-box x⁵ (all three elements in the first 4 and last 4 rounds, the
 * first only in the 57 partial rounds) and MDS mix; the result is the first element.
 */
import { POSEIDON_C, POSEIDON_M } from './poseidonConstants.js';

/** The BLS12-381 scalar field order r. */
export const BLS12_381_R = 52435875175126190479447740508185965837690552500527637822603658699938581184513n;

const FULL = 8;
const PARTIAL = 57;

function pow5(x: bigint): bigint {
  const x2 = (x * x) % BLS12_381_R;
  return (x2 * x2 % BLS12_381_R) * x % BLS12_381_R;
}

/**
 * Poseidon hash of two field elements.
 * @param a - 0 ≤ a < r
 * @param b - 0 ≤ b < r
 * @returns the hash, 0 ≤ h < r
 */
export function poseidon2(a: bigint, b: bigint): bigint {
  let s = [0n, a, b];
  for (let r = 0; r < FULL + PARTIAL; r += 1) {
    s = s.map((x, i) => (x + POSEIDON_C[r * 3 + i]!) % BLS12_381_R);
    const full = r < FULL / 2 || r >= FULL / 2 + PARTIAL;
    s = s.map((x, i) => (full || i === 0 ? pow5(x) : x));
    s = POSEIDON_M.map((row) => row.reduce((acc, m, j) => (acc + m * s[j]!) % BLS12_381_R, 0n));
  }
  return s[0]!;
}
