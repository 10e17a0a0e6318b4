/**
 * Secret-key formats and address helpers shared by every backend.
 *
 * An æternity account key is an Ed25519 key (RFC 8032). The secret is the 32-byte seed;
 * PROTOCOL.md §1.1 encodes it as `sk_` (base58check, 32 bytes). Tools also pass it as hex,
 * either the seed (64 hex digits) or the 64-byte "secret key" of NaCl/libsodium, which is the
 * seed followed by the public key (128 hex digits); in that form the public half is checked
 * against the seed, so a mixed-up pair is refused instead of signing for the wrong address.
 *
 * Key material never appears in error messages or error context.
 */
import { decode, encode, type Encoded } from '@aechannel/codec';
import { Point } from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { signerError } from './errors.js';

/**
 * A secret key in any accepted format: `sk_…` (32-byte seed), hex of the 32-byte seed or of
 * the 64-byte seed ++ public key (optionally `0x`-prefixed), or the same as bytes.
 */
export type SecretKeyInput = Encoded<'sk'> | string | Uint8Array;

/** A parsed secret key. @internal */
export interface ParsedSecretKey {
  /** The 32-byte Ed25519 seed (a private copy). */
  seed: Uint8Array;
  /** The public key the input claimed (64-byte forms only), still to be checked. */
  claimedPublicKey: Uint8Array | undefined;
}

const HEX = /^(?:0x)?([0-9a-fA-F]*)$/;

function invalidKey(details: string, cause?: unknown): Error {
  return signerError('SIGNER_INVALID_KEY', 'Invalid secret key', { details, cause });
}

function hexToBytesStrict(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i += 1) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

function fromRaw(raw: Uint8Array, what: string): ParsedSecretKey {
  if (raw.length === 32) return { seed: raw.slice(), claimedPublicKey: undefined };
  if (raw.length === 64) return { seed: raw.slice(0, 32), claimedPublicKey: raw.slice(32) };
  throw invalidKey(`expected ${what} of 32 bytes (seed) or 64 bytes (seed ++ public key), got ${raw.length} bytes`);
}

/**
 * Parses a secret key in any accepted format. Does not derive or check the public key.
 * @internal
 * @throws {AechannelError} `SIGNER_INVALID_KEY`
 */
export function parseSecretKey(input: SecretKeyInput): ParsedSecretKey {
  if (input instanceof Uint8Array) return fromRaw(input, 'a secret key');
  if (typeof input !== 'string') throw invalidKey(`expected a string or Uint8Array, got ${typeof input}`);
  if (input.startsWith('sk_')) {
    let seed: Uint8Array;
    try {
      seed = decode(input, 'sk');
    } catch (cause) {
      // The codec error names the failing step (alphabet, checksum, length), never the value.
      throw invalidKey('not a valid sk_ value (base58check of a 32-byte seed)', cause);
    }
    return { seed, claimedPublicKey: undefined };
  }
  const hex = HEX.exec(input)?.[1];
  if (hex === undefined) throw invalidKey('expected sk_…, or hex of 32 or 64 bytes');
  if (hex.length !== 64 && hex.length !== 128) {
    throw invalidKey(`expected 64 or 128 hex digits, got ${hex.length}`);
  }
  return fromRaw(hexToBytesStrict(hex), 'a hex secret key');
}

/**
 * Throws `SIGNER_INVALID_KEY` unless `claimed` (if any) equals the derived public key.
 * @internal
 */
export function checkClaimedPublicKey(parsed: ParsedSecretKey, derived: Uint8Array): void {
  const claimed = parsed.claimedPublicKey;
  if (claimed !== undefined && !equalBytes(claimed, derived)) {
    throw invalidKey('the public-key half of the 64-byte secret key does not belong to its seed');
  }
}

/**
 * Derives the Ed25519 public key of a 32-byte seed (RFC 8032 §5.1.5), synchronously, in pure
 * JS: SHA-512 from `@noble/hashes` and point arithmetic from `@noble/ed25519`, without
 * touching noble's global hash slots.
 * @param seed - the 32-byte seed
 * @returns the 32-byte public key
 * @throws {AechannelError} `SIGNER_INVALID_KEY` if `seed` is not 32 bytes
 * @example publicKeyFromSeed(new Uint8Array(32))
 */
export function publicKeyFromSeed(seed: Uint8Array): Uint8Array {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw invalidKey('expected a 32-byte seed');
  const head = sha512(seed).slice(0, 32);
  // Clamp (RFC 8032 §5.1.5 step 2): clear the 3 low bits, clear the top bit, set bit 254.
  head[0] = (head[0] ?? 0) & 248;
  head[31] = ((head[31] ?? 0) & 127) | 64;
  let scalar = 0n;
  for (let i = 31; i >= 0; i -= 1) scalar = (scalar << 8n) | BigInt(head[i] ?? 0);
  // The clamped scalar is ≥ 2^254 > L: reduce it mod the group order L (the same point, §5.1.5 step 3).
  return Point.BASE.multiply(scalar % Point.CURVE().n).toBytes();
}

/**
 * Encodes a 32-byte public key as an `ak_` address.
 * @param publicKey - 32 bytes
 * @returns the `ak_` address
 * @throws {AechannelError} `SIGNER_INVALID_ADDRESS` if `publicKey` is not 32 bytes
 * @example publicKeyToAddress(new Uint8Array(32)) // 'ak_11111111111111111111111111111111273Yts'
 */
export function publicKeyToAddress(publicKey: Uint8Array): Encoded<'ak'> {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) {
    throw signerError('SIGNER_INVALID_ADDRESS', 'Expected a 32-byte public key');
  }
  return encode(publicKey, 'ak');
}

/**
 * Decodes an `ak_` address to its 32-byte public key.
 * @param address - an `ak_` address
 * @returns the public key
 * @throws {AechannelError} `SIGNER_INVALID_ADDRESS` (the codec error is its `cause`)
 * @example addressToPublicKey('ak_11111111111111111111111111111111273Yts') // 32 zero bytes
 */
export function addressToPublicKey(address: string): Uint8Array {
  try {
    return decode(address, 'ak');
  } catch (cause) {
    throw signerError('SIGNER_INVALID_ADDRESS', 'Expected an ak_ account address', {
      cause,
      context: { got: typeof address === 'string' ? address.slice(0, 12) : typeof address },
    });
  }
}

/** Constant-length byte comparison. @internal */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i += 1) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/** Bytewise comparison, for sorting signatures as the node does (PROTOCOL.md §2.4). @internal */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** A fresh Ed25519 key pair. */
export interface KeyPair {
  /** The account address, `ak_…`. */
  address: Encoded<'ak'>;
  /** The 32-byte public key. */
  publicKey: Uint8Array;
  /** The 32-byte seed: the secret. */
  seed: Uint8Array;
  /** The seed as `sk_…` (PROTOCOL.md §1.1). */
  secretKey: Encoded<'sk'>;
  /** The 64-byte seed ++ public key as 128 hex digits (the NaCl/libsodium secret-key form). */
  secretKeyHex: string;
}

/**
 * Generates a random key pair from `crypto.getRandomValues`.
 * @returns the key pair; pass `secretKey`, `secretKeyHex` or `seed` to any signer factory
 * @throws {AechannelError} `SIGNER_UNSUPPORTED` when the platform has no `crypto.getRandomValues`
 * @example
 * const { address, secretKey } = generateKeyPair();
 * const signer = memorySigner(secretKey);
 */
export function generateKeyPair(): KeyPair {
  const getRandomValues = globalThis.crypto?.getRandomValues?.bind(globalThis.crypto);
  if (getRandomValues === undefined) {
    throw signerError('SIGNER_UNSUPPORTED', 'crypto.getRandomValues is not available on this platform');
  }
  const seed = getRandomValues(new Uint8Array(32));
  return keyPairFromSeed(seed);
}

/**
 * Builds the key pair of a known secret key (any accepted format).
 * @param secretKey - `sk_…`, hex, or bytes (see {@link SecretKeyInput})
 * @returns its key pair
 * @throws {AechannelError} `SIGNER_INVALID_KEY`
 * @example keyPairFromSeed(new Uint8Array(32)).address
 */
export function keyPairFromSeed(secretKey: SecretKeyInput): KeyPair {
  const parsed = parseSecretKey(secretKey);
  const publicKey = publicKeyFromSeed(parsed.seed);
  checkClaimedPublicKey(parsed, publicKey);
  const full = new Uint8Array(64);
  full.set(parsed.seed);
  full.set(publicKey, 32);
  return {
    address: publicKeyToAddress(publicKey),
    publicKey,
    seed: parsed.seed,
    secretKey: encode(parsed.seed, 'sk'),
    secretKeyHex: bytesToHex(full),
  };
}
