/**
 * The node:crypto backend (OpenSSL Ed25519), built from whichever node:crypto module the
 * caller passes: the `./node` entry passes its static import, {@link createSigner} the one
 * from `process.getBuiltinModule`.
 */
import { signerFromRawSign } from './baseSigner.js';
import { checkClaimedPublicKey, parseSecretKey, publicKeyToAddress, type SecretKeyInput } from './keys.js';
import { nodeKeyFromSeed, nodeSign, type NodeCryptoModule } from './nodeCrypto.js';
import type { Signer } from './types.js';

/**
 * Builds a node:crypto signer with the given module.
 * @internal
 */
export function nodeCryptoSignerWith(crypto: NodeCryptoModule, secretKey: SecretKeyInput): Signer {
  const parsed = parseSecretKey(secretKey);
  const { privateKey, publicKey } = nodeKeyFromSeed(crypto, parsed.seed);
  checkClaimedPublicKey(parsed, publicKey);
  parsed.seed.fill(0);
  return signerFromRawSign(publicKeyToAddress(publicKey), (message) => nodeSign(crypto, privateKey, message));
}
