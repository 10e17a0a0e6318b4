/**
 * The checks libsodium's `crypto_sign_verify_detached` makes before the curve equation,
 * which the node's verification goes through (enacl) and OpenSSL, WebCrypto and
 * `@noble/ed25519` do not all make:
 *
 * 1. `S` is canonical (`S < L`);
 * 2. neither `R` nor the public key `A` is one of the small-order encodings libsodium blocks
 *    (compared without the sign bit);
 * 3. `A` is a canonical encoding (`y < p`).
 *
 * With them every verifier (the signer's OpenSSL, WebCrypto and noble paths; the FATE VM's
 * `VERIFY_SIG`) gives libsodium's verdict on RFC 8032's vectors and on crafted edge cases
 * (answered by libsodium 1.0.18: `ed25519-libsodium.json` in the signer's and fate's test
 * fixtures), so a signature the node would refuse is refused on every platform.
 */
import { hexToBytes } from '@noble/hashes/utils.js';

const L = (1n << 252n) + 27742317777372353535851937790883648493n;
const P = (1n << 255n) - 19n;

/** libsodium's blocked encodings of small-order points (the last byte without its sign bit). */
const SMALL_ORDER = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map(hexToBytes);

function hasSmallOrder(encoding: Uint8Array, offset: number): boolean {
  return SMALL_ORDER.some((blocked) => {
    for (let i = 0; i < 31; i += 1) if (encoding[offset + i] !== blocked[i]) return false;
    return (encoding[offset + 31]! & 0x7f) === blocked[31];
  });
}

/** The 32 bytes at `offset`, little-endian, with the top bit cleared when `clearTop`. */
function littleEndian(bytes: Uint8Array, offset: number, clearTop: boolean): bigint {
  let x = BigInt(bytes[offset + 31]! & (clearTop ? 0x7f : 0xff));
  for (let i = 30; i >= 0; i -= 1) x = (x << 8n) | BigInt(bytes[offset + i]!);
  return x;
}

/**
 * Whether an Ed25519 signature and public key pass the checks libsodium's
 * `crypto_sign_verify_detached` makes before the curve equation: `S < L`, neither `R` nor
 * the key a small-order encoding, the key's `y < p`. A verifier that lacks them (OpenSSL
 * accepts small-order keys) refuses what fails here to give the node's verdict.
 * @param publicKey - 32 bytes
 * @param signature - 64 bytes, `R ‖ S`
 * @returns false when libsodium refuses them whatever the message (and for wrong lengths)
 * @example passesLibsodiumChecks(new Uint8Array(32), signature) // false: a small-order key
 */
export function passesLibsodiumChecks(publicKey: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  // S < L: only an S whose top byte reaches 0x10 can fail (L = 2^252 + small)
  if (signature[63]! >= 0x10 && littleEndian(signature, 32, false) >= L) return false;
  if (hasSmallOrder(signature, 0) || hasSmallOrder(publicKey, 0)) return false;
  // y < p: only a y whose top byte is 0x7f (sign bit aside) can fail
  return (publicKey[31]! & 0x7f) !== 0x7f || littleEndian(publicKey, 0, true) < P;
}
