/**
 * Byte-array helpers shared by the object layer and the tree modules.
 */

/**
 * Bytewise comparison, for sorting signatures (§2.4) and tree keys and node hashes (§2.11).
 * @param a - first byte array
 * @param b - second byte array
 * @returns negative when `a` sorts first, 0 when equal, positive when `b` sorts first (a
 *   proper prefix sorts first)
 * @example [sigB, sigA].sort(compareBytes)
 */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}
