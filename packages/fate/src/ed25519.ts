/**
 * Ed25519 signature checks as the node makes them for `VERIFY_SIG`: the node calls
 * `enacl:sign_verify_detached`, libsodium's `crypto_sign_verify_detached`. Its rules differ
 * from RFC 8032's cofactored check (and from `@noble/curves`' strict mode) on crafted
 * inputs, so they are spelled out here and the point arithmetic comes from
 * `@noble/curves`:
 *
 * 1. `S` must be canonical (`S < L`);
 * 2. `R` and the public key `A` must not be one of the small-order encodings libsodium
 *    blocks (compared without the sign bit);
 * 3. `A` must be a canonical encoding (`y < p`) of a curve point (1–3 and the encoding
 *    part of 3: codec's `passesLibsodiumChecks`);
 * 4. the cofactorless equation: the encoding of `[S]B − [k]A`, `k = SHA-512(R ‖ A ‖ M)
 *    mod L`, must equal `R` byte for byte (so a non-canonical or mixed-order `R` fails).
 *
 * Checked against libsodium 1.0.18 on RFC 8032's vectors and on crafted edge cases
 * (`test/fixtures/ed25519-libsodium.json`, `scripts/ed25519-vectors.mjs`).
 */
import { passesLibsodiumChecks } from '@aechannel/codec';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';

const Point = ed25519.Point;
const L = Point.Fn.ORDER;

function littleEndian(b: Uint8Array): bigint {
  let x = 0n;
  for (let i = b.length - 1; i >= 0; i -= 1) x = (x << 8n) | BigInt(b[i]!);
  return x;
}

/**
 * Whether `sig` (64 bytes) is a valid Ed25519 signature of `msg` by the key `pk` (32
 * bytes) under libsodium's `crypto_sign_verify_detached` rules.
 * @param sig - `R ‖ S`
 * @param msg - the message, any length
 * @param pk - the public key
 * @returns the verdict (malformed input is `false`)
 */
export function ed25519VerifyDetached(sig: Uint8Array, msg: Uint8Array, pk: Uint8Array): boolean {
  // 1–3 (codec's passesLibsodiumChecks; lengths too)
  if (!passesLibsodiumChecks(pk, sig)) return false;
  const r = sig.subarray(0, 32);
  const s = littleEndian(sig.subarray(32));
  let a;
  try {
    // Strict decoding: y < p and a point of the curve.
    a = Point.fromBytes(pk, false);
  } catch {
    return false;
  }
  const k = littleEndian(sha512(concatBytes(r, pk, msg))) % L;
  const check = Point.BASE.multiplyUnsafe(s).subtract(a.multiplyUnsafe(k)).toBytes();
  for (let i = 0; i < 32; i += 1) if (check[i] !== r[i]) return false;
  return true;
}
