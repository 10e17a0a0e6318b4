/**
 * Ed25519 through libsodium (`sodium-native`, an optional dependency): the library the node
 * itself verifies signatures with, and on Node about twice as fast as OpenSSL (verify ~50 µs
 * against ~110 µs, sign ~17 µs against ~38 µs on the 2-core machine the benchmarks run on).
 *
 * It is loaded at run time through `process.getBuiltinModule('node:module')`, so the main
 * entry never names it for a browser bundle, and it is optional: where it is not installed
 * or has no build for the platform, the node:crypto, WebCrypto and noble paths are used,
 * with the same verdicts (codec's `passesLibsodiumChecks`) and the same signatures (Ed25519 is
 * deterministic).
 */
import { signerFromRawSign } from './baseSigner.js';
import { checkClaimedPublicKey, parseSecretKey, publicKeyToAddress, type SecretKeyInput } from './keys.js';
import type { Signer } from './types.js';

/** The part of sodium-native used here. @internal */
export interface SodiumModule {
  crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
  crypto_sign_detached(signature: Uint8Array, message: Uint8Array, secretKey: Uint8Array): void;
  crypto_sign_seed_keypair(publicKey: Uint8Array, secretKey: Uint8Array, seed: Uint8Array): void;
  sodium_malloc(size: number): Uint8Array;
}

let sodium: SodiumModule | null | undefined;

/** sodium-native, or undefined where it cannot be loaded (not installed, no build, no Node). @internal */
export function getSodium(): SodiumModule | undefined {
  if (sodium === undefined) sodium = loadSodium();
  return sodium ?? undefined;
}

function loadSodium(): SodiumModule | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown; env?: Record<string, string | undefined> } }).process;
  // (AECHANNEL_SODIUM=0 turns it off, e.g. to compare the backends)
  if (proc?.env?.['AECHANNEL_SODIUM'] === '0') return null;
  try {
    const nodeModule = proc?.getBuiltinModule?.('node:module') as { createRequire?: (from: string) => (id: string) => unknown } | undefined;
    if (typeof nodeModule?.createRequire !== 'function') return null;
    const mod = nodeModule.createRequire(import.meta.url)('sodium-native') as Partial<SodiumModule>;
    const complete =
      typeof mod.crypto_sign_verify_detached === 'function' &&
      typeof mod.crypto_sign_detached === 'function' &&
      typeof mod.crypto_sign_seed_keypair === 'function' &&
      typeof mod.sodium_malloc === 'function';
    return complete ? (mod as SodiumModule) : null;
  } catch {
    return null;
  }
}

/**
 * A libsodium verifier (`crypto_sign_verify_detached`).
 * @internal
 */
export function sodiumVerifier(mod: SodiumModule): (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean {
  return (publicKey, message, signature) => {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    try {
      return mod.crypto_sign_verify_detached(signature, message, publicKey);
    } catch {
      return false;
    }
  };
}

/** A libsodium key pair; the secret key lives in sodium's guarded memory. @internal */
export interface SodiumKey {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

/** Expands a seed into a libsodium key pair; the caller wipes the seed. @internal */
export function sodiumKeyFromSeed(mod: SodiumModule, seed: Uint8Array): SodiumKey {
  const publicKey = new Uint8Array(32);
  const secretKey = mod.sodium_malloc(64);
  mod.crypto_sign_seed_keypair(publicKey, secretKey, seed);
  return { secretKey, publicKey };
}

/** Signs with libsodium (`crypto_sign_detached`). @internal */
export function sodiumSign(mod: SodiumModule, secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  const signature = new Uint8Array(64);
  mod.crypto_sign_detached(signature, message, secretKey);
  return signature;
}

/**
 * Builds a libsodium signer with the given module: the seed expands into a secret key in
 * sodium's guarded memory, and the copy this package made of the seed is wiped.
 * @internal
 */
export function sodiumSignerWith(mod: SodiumModule, secretKey: SecretKeyInput): Signer {
  const parsed = parseSecretKey(secretKey);
  let key: SodiumKey;
  try {
    key = sodiumKeyFromSeed(mod, parsed.seed);
  } finally {
    parsed.seed.fill(0);
  }
  checkClaimedPublicKey(parsed, key.publicKey);
  const secret = key.secretKey;
  return signerFromRawSign(publicKeyToAddress(key.publicKey), (message) => sodiumSign(mod, secret, message));
}
