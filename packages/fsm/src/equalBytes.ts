/**
 * Byte comparison shared by the verifier and the reducer (internal; not exported from the
 * package entry).
 */

/**
 * Are two byte strings equal?
 * @param a - first bytes
 * @param b - second bytes
 * @returns true when both have the same length and content
 * @example equalBytes(new Uint8Array([1]), new Uint8Array([1])) // true
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
