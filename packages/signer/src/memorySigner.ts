/**
 * The portable backend: pure-JS Ed25519 from `@noble/ed25519`, runs anywhere.
 *
 * It uses noble's async API (`signAsync`), whose SHA-512 comes from WebCrypto, and never
 * assigns noble's global `hashes.sha512` slot: that slot is shared by every user of the
 * library in the process, so a library must not claim it.
 */
import { signAsync } from '@noble/ed25519';
import { signerFromRawSign } from './baseSigner.js';
import { signerError } from './errors.js';
import { checkClaimedPublicKey, parseSecretKey, publicKeyFromSeed, publicKeyToAddress, type SecretKeyInput } from './keys.js';
import type { Signer } from './types.js';

/**
 * Creates a signer holding the key in memory, signing with `@noble/ed25519`.
 * @param secretKey - `sk_…` (32-byte seed), hex of the seed or of seed ++ public key, or bytes
 * @returns a {@link Signer}
 * @throws {AechannelError} `SIGNER_INVALID_KEY` for a malformed key or a 64-byte key whose
 *   public half does not match its seed. Its methods reject with `SIGNER_UNSUPPORTED` on a
 *   platform without `crypto.subtle` (noble takes SHA-512 from WebCrypto).
 * @example
 * import { memorySigner } from '@aechannel/signer';
 * const signer = memorySigner('sk_2CuofqWZHrABCdZ8gLFMCvEZd9Lt2nDL5GqrSDs4DsjJyKuXP');
 * const signedTx = await signer.signTransaction(tx, { networkId: 'ae_uat' });
 */
export function memorySigner(secretKey: SecretKeyInput): Signer {
  const parsed = parseSecretKey(secretKey);
  const publicKey = publicKeyFromSeed(parsed.seed);
  checkClaimedPublicKey(parsed, publicKey);
  const seed = parsed.seed;
  return signerFromRawSign(publicKeyToAddress(publicKey), (message) => {
    // noble's async SHA-512 is WebCrypto's; without it noble throws a plain Error.
    if (globalThis.crypto?.subtle === undefined) {
      throw signerError('SIGNER_UNSUPPORTED', 'memorySigner needs crypto.subtle (for SHA-512), which this platform lacks');
    }
    return signAsync(message, seed);
  });
}
