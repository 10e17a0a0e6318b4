/**
 * @packageDocumentation
 * `@aechannel/signer/node`: the Node-only part of the signer, which imports node:crypto
 * statically: {@link nodeCryptoSigner} (OpenSSL Ed25519) and synchronous verification
 * ({@link verifySignatureSync}, {@link verifyTransactionSync}; libsodium where the optional
 * `sodium-native` loads, else node:crypto) for hot loops such as the devnode checking every
 * signed tx it receives. Browser code uses the main entry, whose
 * `createSigner` and `verifyTransaction` already pick node:crypto when it is there.
 *
 * Imports: node:crypto, codec, and the main entry's modules.
 */
import * as crypto from 'node:crypto';
import type { Encoded } from '@aechannel/codec';
import { assertIsBytes } from './baseSigner.js';
import type { SecretKeyInput } from './keys.js';
import { addressToPublicKey } from './keys.js';
import { nodeVerifier } from './nodeCrypto.js';
import { getSodium, sodiumVerifier } from './sodium.js';
import { nodeCryptoSignerWith } from './nodeCryptoSigner.js';
import type { Signer } from './types.js';
import { driveSync, prepareVerification, type VerifyTransactionOptions, type VerifyTransactionResult } from './verifyTransaction.js';
import { signatureBytes } from './verifySignature.js';

const sodium = getSodium();
const verify = sodium === undefined ? nodeVerifier(crypto) : sodiumVerifier(sodium);

/**
 * Creates a signer backed by node:crypto (OpenSSL Ed25519). The seed is imported into a
 * `KeyObject` (PKCS#8, RFC 8410) and the copy this package made is wiped.
 * @param secretKey - `sk_…` (32-byte seed), hex of the seed or of seed ++ public key, or bytes
 * @returns a {@link Signer}
 * @throws {AechannelError} `SIGNER_INVALID_KEY`
 * @example
 * import { nodeCryptoSigner } from '@aechannel/signer/node';
 * const signer = nodeCryptoSigner('sk_2CuofqWZHrABCdZ8gLFMCvEZd9Lt2nDL5GqrSDs4DsjJyKuXP');
 */
export function nodeCryptoSigner(secretKey: SecretKeyInput): Signer {
  return nodeCryptoSignerWith(crypto, secretKey);
}

/**
 * Synchronous {@link verifySignature} (libsodium or node:crypto).
 * @param address - the `ak_` account that should have signed
 * @param message - the signed bytes
 * @param signature - 64 bytes or `sg_…`; another length verifies as false
 * @returns whether the signature is valid
 * @throws {AechannelError} `SIGNER_INVALID_ADDRESS`, `SIGNER_INVALID_ARGUMENT`
 * @example verifySignatureSync(address, message, signature) // true or false
 */
export function verifySignatureSync(address: Encoded<'ak'>, message: Uint8Array, signature: Uint8Array | Encoded<'sg'>): boolean {
  const publicKey = addressToPublicKey(address);
  assertIsBytes(message, 'the message');
  return verify(publicKey, message, signatureBytes(signature));
}

/**
 * Synchronous {@link verifyTransaction} (libsodium or node:crypto): plain mode, then hash mode; every
 * expected signer exactly once, nothing extra (PROTOCOL.md §3.1–3.2).
 * @param tx - a signed transaction `tx_…`
 * @param options - the network id and the accounts expected to have signed
 * @returns `{ valid, signers, missing, extra, matches }`
 * @throws {AechannelError} `SIGNER_INVALID_NETWORK_ID`, `SIGNER_NOT_A_TRANSACTION`,
 *   `SIGNER_INVALID_ADDRESS`, `SIGNER_INVALID_ARGUMENT` (`signers` not an array)
 * @example
 * const { valid } = verifyTransactionSync(tx, { networkId: 'ae_mainnet', signers: [initiator, responder] });
 */
export function verifyTransactionSync(tx: Encoded<'tx'>, options: VerifyTransactionOptions): VerifyTransactionResult {
  return driveSync(prepareVerification(tx, options), verify);
}

export type { SecretKeyInput, Signer, VerifyTransactionOptions, VerifyTransactionResult };
