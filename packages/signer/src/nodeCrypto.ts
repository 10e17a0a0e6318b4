/**
 * Ed25519 through node:crypto (OpenSSL), the fastest path on Node.
 *
 * This file never imports node:crypto: the module is passed in, either by the `./node` entry
 * (a static import) or by {@link getNodeCrypto}, which asks `process.getBuiltinModule`
 * (Node ≥ 20.16, Deno, Bun) at run time. So the main entry stays free of node:crypto for
 * browser bundles and still uses OpenSSL when it runs on Node.
 */
import type * as NodeCrypto from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { passesLibsodiumChecks } from '@aechannel/codec';

/** The part of node:crypto used here. @internal */
export type NodeCryptoModule = Pick<typeof NodeCrypto, 'createPrivateKey' | 'createPublicKey' | 'sign' | 'verify'>;

// DER prefixes of an Ed25519 key (RFC 8410): PKCS#8 private key around the 32-byte seed, and
// SubjectPublicKeyInfo around the 32-byte public key.
const PKCS8_PREFIX = Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20);
const SPKI_PREFIX = Uint8Array.of(0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00);

/**
 * Wraps a 32-byte seed in a PKCS#8 DER document (RFC 8410), for node:crypto and WebCrypto.
 * @internal
 */
export function seedToPkcs8(seed: Uint8Array): Uint8Array {
  const der = new Uint8Array(PKCS8_PREFIX.length + 32);
  der.set(PKCS8_PREFIX);
  der.set(seed, PKCS8_PREFIX.length);
  return der;
}

/** node:crypto from `process.getBuiltinModule`, or undefined off Node. @internal */
export function getNodeCrypto(): NodeCryptoModule | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    const mod = proc?.getBuiltinModule?.('node:crypto') as NodeCryptoModule | undefined;
    return mod !== undefined && typeof mod.sign === 'function' ? mod : undefined;
  } catch {
    return undefined;
  }
}

// node:crypto accepts any ArrayBufferView as DER input (documented since Node 11.6); the
// @types/node signature only names Buffer, and Buffer is not a global off Node.
const asDer = (bytes: Uint8Array): Buffer => bytes as unknown as Buffer;

/** A private key object and its raw public key. @internal */
export interface NodeKey {
  privateKey: KeyObject;
  publicKey: Uint8Array;
}

/** Imports a seed into node:crypto; the DER copy of the seed made on the way is wiped. @internal */
export function nodeKeyFromSeed(crypto: NodeCryptoModule, seed: Uint8Array): NodeKey {
  const pkcs8 = seedToPkcs8(seed);
  let privateKey: KeyObject;
  try {
    privateKey = crypto.createPrivateKey({ key: asDer(pkcs8), format: 'der', type: 'pkcs8' });
  } finally {
    pkcs8.fill(0);
  }
  const spki = crypto.createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return { privateKey, publicKey: new Uint8Array(spki.subarray(SPKI_PREFIX.length)) };
}

/** Signs with node:crypto. @internal */
export function nodeSign(crypto: NodeCryptoModule, privateKey: KeyObject, message: Uint8Array): Uint8Array {
  const signature = crypto.sign(null, message, privateKey);
  return new Uint8Array(signature.buffer, signature.byteOffset, signature.byteLength);
}

/**
 * A node:crypto verifier with a small cache of public-key objects (a channel client and the
 * devnode verify for the same two accounts over and over). OpenSSL accepts small-order keys
 * and `R` values that libsodium refuses: those are refused first (codec's `passesLibsodiumChecks`).
 * @internal
 */
export function nodeVerifier(crypto: NodeCryptoModule): (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean {
  const cache = new Map<string, KeyObject>();
  return (publicKey, message, signature) => {
    if (!passesLibsodiumChecks(publicKey, signature)) return false; // (wrong lengths included)
    const id = String.fromCharCode(...publicKey);
    let key = cache.get(id);
    if (key === undefined) {
      const der = new Uint8Array(SPKI_PREFIX.length + 32);
      der.set(SPKI_PREFIX);
      der.set(publicKey, SPKI_PREFIX.length);
      try {
        key = crypto.createPublicKey({ key: asDer(der), format: 'der', type: 'spki' });
      } catch {
        return false;
      }
      if (cache.size >= 1024) cache.delete(cache.keys().next().value as string);
      cache.set(id, key);
    }
    try {
      return crypto.verify(null, message, key, signature);
    } catch {
      return false;
    }
  };
}
