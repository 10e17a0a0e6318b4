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
 * 3. `A` must be a canonical encoding (`y < p`) of a curve point;
 * 4. the cofactorless equation: the encoding of `[S]B − [k]A`, `k = SHA-512(R ‖ A ‖ M)
 *    mod L`, must equal `R` byte for byte (so a non-canonical or mixed-order `R` fails).
 *
 * Checked against libsodium 1.0.18 on RFC 8032's vectors and on crafted edge cases
 * (`test/fixtures/ed25519-libsodium.json`, `scripts/ed25519-vectors.mjs`).
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, hexToBytes } from '@noble/hashes/utils.js';

const Point = ed25519.Point;
const L = Point.Fn.ORDER;

/** libsodium's blocked encodings of small-order points (last byte without its sign bit). */
const SMALL_ORDER = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map(hexToBytes);

function hasSmallOrder(enc: Uint8Array): boolean {
  return SMALL_ORDER.some((b) => {
    for (let i = 0; i < 31; i += 1) if (enc[i] !== b[i]) return false;
    return (enc[31]! & 0x7f) === b[31];
  });
}

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
  if (sig.length !== 64 || pk.length !== 32) return false;
  const r = sig.subarray(0, 32);
  const s = littleEndian(sig.subarray(32));
  if (s >= L || hasSmallOrder(r) || hasSmallOrder(pk)) return false;
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
