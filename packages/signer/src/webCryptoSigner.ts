/**
 * The WebCrypto backend: `crypto.subtle` Ed25519 with a non-extractable private key, so the
 * key cannot be read back out of the `CryptoKey` (browsers can also store such a key in
 * IndexedDB). Ed25519 in WebCrypto is recent (Node ≥ 18.4 / 20, Chrome 137, Firefox 129,
 * Safari 17); it is feature-detected, and its absence is `SIGNER_UNSUPPORTED`.
 */
import { asBufferSource } from './abort.js';
import { signerFromRawSign } from './baseSigner.js';
import { signerError } from './errors.js';
import { checkClaimedPublicKey, parseSecretKey, publicKeyFromSeed, publicKeyToAddress, type SecretKeyInput } from './keys.js';
import { seedToPkcs8 } from './nodeCrypto.js';
import type { Signer } from './types.js';

const ED25519 = { name: 'Ed25519' } as const;

function getSubtle(): SubtleCrypto {
  const subtle = globalThis.crypto?.subtle;
  if (subtle === undefined) throw signerError('SIGNER_UNSUPPORTED', 'WebCrypto (crypto.subtle) is not available on this platform');
  return subtle;
}

function unsupported(cause: unknown): Error {
  return signerError('SIGNER_UNSUPPORTED', 'WebCrypto on this platform does not support Ed25519', {
    cause,
    details: cause instanceof Error ? cause.message : undefined,
  });
}

/** A key pair held by WebCrypto. */
export interface WebCryptoKeyPair {
  /** The private key; should be non-extractable. */
  privateKey: CryptoKey;
  /** The public key (always extractable in WebCrypto). */
  publicKey: CryptoKey;
}

/**
 * Tells whether `crypto.subtle` on this platform supports Ed25519 signing.
 * @returns true when an Ed25519 key can be generated and used to sign
 * @example if (await isWebCryptoEd25519Supported()) signer = await webCryptoSigner(key);
 */
export async function isWebCryptoEd25519Supported(): Promise<boolean> {
  try {
    const subtle = getSubtle();
    const pair = (await subtle.generateKey(ED25519, false, ['sign', 'verify'])) as CryptoKeyPair;
    await subtle.sign(ED25519, pair.privateKey, new Uint8Array(0));
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates a signer whose private key lives in WebCrypto as a non-extractable `CryptoKey`.
 *
 * From a secret key: the seed is imported (PKCS#8, `extractable: false`); the address is
 * derived from the seed. Without an argument a new non-extractable key pair is generated.
 * A `CryptoKeyPair` (e.g. loaded from IndexedDB) is used as is.
 * @param key - a secret key in any accepted format, a WebCrypto Ed25519 key pair, or nothing
 * @returns a {@link Signer}
 * @throws {AechannelError} `SIGNER_UNSUPPORTED` when WebCrypto lacks Ed25519,
 *   `SIGNER_INVALID_KEY` for a malformed key
 * @example
 * import { webCryptoSigner } from '@aechannel/signer';
 * const signer = await webCryptoSigner(); // fresh non-extractable key
 * console.log(signer.address);
 */
export async function webCryptoSigner(key?: SecretKeyInput | WebCryptoKeyPair): Promise<Signer> {
  const subtle = getSubtle();
  let privateKey: CryptoKey;
  let publicKey: Uint8Array;
  if (key === undefined) {
    let pair: CryptoKeyPair;
    try {
      pair = (await subtle.generateKey(ED25519, false, ['sign', 'verify'])) as CryptoKeyPair;
    } catch (cause) {
      throw unsupported(cause);
    }
    privateKey = pair.privateKey;
    publicKey = new Uint8Array(await subtle.exportKey('raw', pair.publicKey));
  } else if (key !== null && typeof key === 'object' && !(key instanceof Uint8Array)) {
    if (key.privateKey?.algorithm?.name !== 'Ed25519' || key.publicKey?.algorithm?.name !== 'Ed25519') {
      throw signerError('SIGNER_INVALID_KEY', 'Expected an Ed25519 CryptoKeyPair');
    }
    privateKey = key.privateKey;
    // A mixed-up pair would sign for another address: check the halves belong together.
    // WebCrypto rejects unusable keys (a public key as privateKey, a key without the `sign`
    // usage) with a DOMException: that is a bad key too.
    let belongTogether: boolean;
    try {
      publicKey = new Uint8Array(await subtle.exportKey('raw', key.publicKey));
      const probe = new TextEncoder().encode('aechannel key pair check');
      const signature = await subtle.sign(ED25519, privateKey, probe);
      belongTogether = await subtle.verify(ED25519, key.publicKey, signature, probe);
    } catch (cause) {
      throw signerError('SIGNER_INVALID_KEY', 'The CryptoKeyPair cannot sign and verify with Ed25519', {
        cause,
        details: cause instanceof Error ? cause.message : undefined,
      });
    }
    if (!belongTogether) {
      throw signerError('SIGNER_INVALID_KEY', 'The private and public keys of the CryptoKeyPair do not belong together');
    }
  } else {
    const parsed = parseSecretKey(key);
    publicKey = publicKeyFromSeed(parsed.seed);
    checkClaimedPublicKey(parsed, publicKey);
    const pkcs8 = seedToPkcs8(parsed.seed);
    try {
      privateKey = await subtle.importKey('pkcs8', asBufferSource(pkcs8), ED25519, false, ['sign']);
    } catch (cause) {
      throw unsupported(cause);
    } finally {
      pkcs8.fill(0);
      parsed.seed.fill(0);
    }
  }
  return signerFromRawSign(publicKeyToAddress(publicKey), async (message) => {
    return new Uint8Array(await subtle.sign(ED25519, privateKey, asBufferSource(message)));
  });
}
