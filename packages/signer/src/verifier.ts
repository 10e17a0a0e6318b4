/**
 * Picks the Ed25519 verification path of this platform, fastest first:
 * node:crypto (OpenSSL, synchronous) on Node, Deno and Bun; WebCrypto where it supports
 * Ed25519 (probed once); `@noble/ed25519`'s `verifyAsync` otherwise.
 *
 * noble verifies with `zip215: false` (RFC 8032 rules: canonical encodings, no small-order
 * keys), closer to what the node's libsodium and OpenSSL accept than the ZIP-215 default.
 */
import { verifyAsync } from '@noble/ed25519';
import { asBufferSource } from './abort.js';
import { signerError } from './errors.js';
import { getNodeCrypto, nodeVerifier } from './nodeCrypto.js';

/** Verifies one Ed25519 signature. @internal */
export type VerifyFn = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean | Promise<boolean>;

/** A verification backend. @internal */
export interface Verifier {
  /** Which implementation runs. */
  name: 'node:crypto' | 'webcrypto' | 'noble';
  verify: VerifyFn;
}

/**
 * The noble verifier. Without `crypto.subtle` noble has no SHA-512: that is
 * `SIGNER_UNSUPPORTED`, not a signature that fails to verify.
 * @internal
 */
export const nobleVerify: VerifyFn = async (publicKey, message, signature) => {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  if (globalThis.crypto?.subtle === undefined) {
    throw signerError('SIGNER_UNSUPPORTED', 'Ed25519 verification needs node:crypto or crypto.subtle, and this platform has neither');
  }
  try {
    return await verifyAsync(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
};

/** A WebCrypto verifier caching imported public keys. @internal */
export function webCryptoVerify(subtle: SubtleCrypto): VerifyFn {
  const cache = new Map<string, Promise<CryptoKey>>();
  return async (publicKey, message, signature) => {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    const id = String.fromCharCode(...publicKey);
    let key = cache.get(id);
    if (key === undefined) {
      key = subtle.importKey('raw', asBufferSource(publicKey), { name: 'Ed25519' }, false, ['verify']);
      if (cache.size >= 1024) cache.delete(cache.keys().next().value as string);
      cache.set(id, key);
    }
    try {
      return await subtle.verify({ name: 'Ed25519' }, await key, asBufferSource(signature), asBufferSource(message));
    } catch {
      cache.delete(id);
      return false;
    }
  };
}

/** A synchronous verification backend. @internal */
export interface SyncVerifier extends Verifier {
  name: 'node:crypto';
  verify: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;
}

let syncVerifier: SyncVerifier | null | undefined;

/** The node:crypto verifier, if this platform has node:crypto. @internal */
export function getSyncVerifier(): SyncVerifier | undefined {
  if (syncVerifier === undefined) {
    const crypto = getNodeCrypto();
    syncVerifier = crypto === undefined ? null : { name: 'node:crypto', verify: nodeVerifier(crypto) };
  }
  return syncVerifier ?? undefined;
}

let defaultVerifier: Promise<Verifier> | undefined;

// Public key and signature of RFC 8032 §7.1 TEST 1 (empty message): a WebCrypto that
// verifies it supports Ed25519.
const PROBE_PUBLIC_KEY = hexBytes('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
const PROBE_SIGNATURE = hexBytes(
  'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
);

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from({ length: hex.length / 2 }, (_, i) => Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16));
}

async function pickVerifier(): Promise<Verifier> {
  const native = getSyncVerifier();
  if (native !== undefined) return native;
  const subtle = globalThis.crypto?.subtle;
  if (subtle !== undefined) {
    const verify = webCryptoVerify(subtle);
    try {
      if (await verify(PROBE_PUBLIC_KEY, new Uint8Array(0), PROBE_SIGNATURE)) return { name: 'webcrypto', verify };
    } catch {
      // no Ed25519 in this WebCrypto: fall through to noble
    }
  }
  return { name: 'noble', verify: nobleVerify };
}

/** The fastest verifier of this platform (probed once). @internal */
export function getVerifier(): Promise<Verifier> {
  defaultVerifier ??= pickVerifier();
  return defaultVerifier;
}
