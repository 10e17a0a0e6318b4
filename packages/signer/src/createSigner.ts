/**
 * The default signer: the fastest backend that can be built synchronously from a secret key
 * on this platform.
 */
import { memorySigner } from './memorySigner.js';
import type { SecretKeyInput } from './keys.js';
import { getNodeCrypto } from './nodeCrypto.js';
import { nodeCryptoSignerWith } from './nodeCryptoSigner.js';
import { getSodium, sodiumSignerWith } from './sodium.js';
import type { Signer } from './types.js';

/**
 * Creates a signer for a secret key with the fastest available backend: libsodium where the
 * optional `sodium-native` loads (the key in sodium's guarded memory), node:crypto (OpenSSL)
 * on Node, Deno and Bun, both found at run time through `process.getBuiltinModule` so
 * browser bundles never see them; `@noble/ed25519` ({@link memorySigner}) elsewhere.
 * Every backend produces the same bytes (Ed25519 is deterministic).
 * @param secretKey - `sk_…` (32-byte seed), hex of the seed or of seed ++ public key, or
 *   bytes; bytes are copied and the caller's buffer is left as it is (wipe it yourself once
 *   the signer exists, if you want it gone)
 * @returns a {@link Signer}
 * @throws {AechannelError} `SIGNER_INVALID_KEY`
 * @example
 * import { createSigner } from '@aechannel/signer';
 * const signer = createSigner(process.env.SECRET_KEY as `sk_${string}`);
 * const signedTx = await signer.signTransaction(tx, { networkId: 'ae_mainnet' });
 */
export function createSigner(secretKey: SecretKeyInput): Signer {
  const sodium = getSodium();
  if (sodium !== undefined) return sodiumSignerWith(sodium, secretKey);
  const crypto = getNodeCrypto();
  return crypto === undefined ? memorySigner(secretKey) : nodeCryptoSignerWith(crypto, secretKey);
}
