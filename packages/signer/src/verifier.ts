/**
 * Picks the Ed25519 verification path of this platform, fastest first: libsodium
 * (`sodium-native`, optional, synchronous: the node's own verifier) where it loads;
 * node:crypto (OpenSSL, synchronous) on Node, Deno and Bun; WebCrypto where it supports
 * Ed25519 (probed once); `@noble/ed25519`'s curve arithmetic otherwise.
 *
 * Every path gives libsodium's verdict: the others first make the checks libsodium makes
 * before the curve equation (codec's `passesLibsodiumChecks`), and the noble path checks
 * libsodium's equation itself (canonical key, no cofactor).
 */
import { Point } from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { asBufferSource } from './abort.js';
import { passesLibsodiumChecks } from '@aechannel/codec';
import { signerError } from './errors.js';
import { equalBytes } from './keys.js';
import { getNodeCrypto, nodeVerifier } from './nodeCrypto.js';
import { getSodium, sodiumVerifier } from './sodium.js';

/** Verifies one Ed25519 signature. @internal */
export type VerifyFn = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean | Promise<boolean>;

/** A verification backend. @internal */
export interface Verifier {
  /** Which implementation runs. */
  name: 'libsodium' | 'node:crypto' | 'webcrypto' | 'noble';
  verify: VerifyFn;
}

/**
 * The noble verifier. Without `crypto.subtle` (where no signer of this package works either)
 * it is `SIGNER_UNSUPPORTED`, as documented for `verifySignature` and `verifyTransaction`,
 * not a signature that fails to verify.
 * @internal
 */
export const nobleVerify: VerifyFn = async (publicKey, message, signature) => {
  if (!passesLibsodiumChecks(publicKey, signature)) return false; // (wrong lengths included)
  if (globalThis.crypto?.subtle === undefined) {
    throw signerError('SIGNER_UNSUPPORTED', 'Ed25519 verification needs node:crypto or crypto.subtle, and this platform has neither');
  }
  try {
    // (libsodium's equation alone: it implies the cofactored one noble's `verify` checks, so
    // that would be the same verdict at twice the cost)
    return holdsWithoutCofactor(publicKey, message, signature);
  } catch {
    return false;
  }
};

const L = Point.CURVE().n;

function littleEndian(bytes: Uint8Array): bigint {
  let x = 0n;
  for (let i = bytes.length - 1; i >= 0; i -= 1) x = (x << 8n) | BigInt(bytes[i]!);
  return x;
}

/**
 * libsodium's equation: the encoding of `[S]B − [k]A` equals `R` byte for byte. noble checks
 * the cofactored one (`[8]([S]B − [k]A − R) = 0`), which mixed-order keys and `R` also pass.
 */
function holdsWithoutCofactor(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const r = signature.subarray(0, 32);
  const a = Point.fromBytes(publicKey, false);
  const hashed = new Uint8Array(64 + message.length);
  hashed.set(r);
  hashed.set(publicKey, 32);
  hashed.set(message, 64);
  const k = littleEndian(sha512(hashed)) % L;
  const check = Point.BASE.multiply(littleEndian(signature.subarray(32)), false).subtract(a.multiply(k, false)).toBytes();
  return equalBytes(check, r);
}

/** A WebCrypto verifier caching imported public keys. @internal */
export function webCryptoVerify(subtle: SubtleCrypto): VerifyFn {
  const cache = new Map<string, Promise<CryptoKey>>();
  return async (publicKey, message, signature) => {
    if (!passesLibsodiumChecks(publicKey, signature)) return false; // (wrong lengths included)
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
  name: 'libsodium' | 'node:crypto';
  verify: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;
}

let syncVerifier: SyncVerifier | null | undefined;

/** The synchronous verifier of this platform: libsodium where it loads, else node:crypto, if any. @internal */
export function getSyncVerifier(): SyncVerifier | undefined {
  // (null: probed, none; `??=` would probe again)
  if (syncVerifier === undefined) syncVerifier = pickSyncVerifier();
  return syncVerifier ?? undefined;
}

function pickSyncVerifier(): SyncVerifier | null {
  const sodium = getSodium();
  if (sodium !== undefined) return { name: 'libsodium', verify: sodiumVerifier(sodium) };
  const crypto = getNodeCrypto();
  return crypto === undefined ? null : { name: 'node:crypto', verify: nodeVerifier(crypto) };
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
