/**
 * Ed25519 signature verification on the platform's fastest path (see `verifier.ts`).
 */
import { decode, type Encoded } from '@aechannel/codec';
import { assertIsBytes } from './baseSigner.js';
import { signerError } from './errors.js';
import { addressToPublicKey } from './keys.js';
import { getVerifier } from './verifier.js';

/**
 * Reads a signature given as bytes or `sg_`.
 * @internal
 */
export function signatureBytes(signature: Uint8Array | Encoded<'sg'>): Uint8Array {
  if (typeof signature === 'string') {
    try {
      return decode(signature, 'sg');
    } catch (cause) {
      throw signerError('SIGNER_INVALID_ARGUMENT', 'Expected the signature as bytes or sg_', { cause });
    }
  }
  assertIsBytes(signature, 'the signature');
  return signature;
}

/**
 * Verifies a pure Ed25519 signature (RFC 8032) of `message` by `address`.
 * Uses node:crypto on Node, WebCrypto where it has Ed25519, `@noble/ed25519` otherwise.
 * @param address - the `ak_` account that should have signed
 * @param message - the signed bytes (for transactions, the payload of PROTOCOL.md §3.1)
 * @param signature - 64 bytes or `sg_…`; another length verifies as false
 * @returns whether the signature is valid
 * @throws {AechannelError} `SIGNER_INVALID_ADDRESS`, `SIGNER_INVALID_ARGUMENT`; `SIGNER_UNSUPPORTED`
 *   on a platform with neither node:crypto nor `crypto.subtle`
 * @example
 * const signature = await signer.signBytes(message);
 * await verifySignature(signer.address, message, signature); // true
 */
export async function verifySignature(
  address: Encoded<'ak'>,
  message: Uint8Array,
  signature: Uint8Array | Encoded<'sg'>,
): Promise<boolean> {
  const publicKey = addressToPublicKey(address);
  assertIsBytes(message, 'the message');
  const sig = signatureBytes(signature);
  const verifier = await getVerifier();
  return verifier.verify(publicKey, message, sig);
}
