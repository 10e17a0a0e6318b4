/**
 * The primitives of the prefixed encodings (§1.1) — SHA-256 of the checksum and base64 —
 * and the protocol's BLAKE2b-256 at the platform's native speed where it has them:
 * node:crypto and node:buffer on Node, Deno and Bun, found at run time through
 * `process.getBuiltinModule` (so a browser bundle never sees `node:*`), and libsodium's
 * `crypto_generichash` for BLAKE2b where the optional `sodium-native` loads (about 9x
 * `@noble/hashes` on a 100-byte input); `@noble/hashes` and `@scure/base` everywhere else.
 * All give the same bytes; the native base64 decoder is lenient, so a decoded payload is
 * accepted only when it encodes back to exactly the text it came from (what the strict
 * `@scure/base` decoder checks: alphabet, padding, no stray bits).
 */
import { blake2b as nobleBlake2b } from '@noble/hashes/blake2.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { base64 as scureBase64 } from '@scure/base';

interface NodeBuffer {
  readonly buffer: ArrayBufferLike;
  readonly byteOffset: number;
  readonly byteLength: number;
  toString(encoding: 'base64'): string;
}
interface NodeBufferClass {
  from(value: Uint8Array | ArrayBufferLike | string, offsetOrEncoding?: number | 'base64', length?: number): NodeBuffer;
}
interface NodeCryptoLike {
  hash?: (algorithm: 'sha256', data: Uint8Array, outputEncoding: 'buffer') => Uint8Array;
  createHash: (algorithm: 'sha256') => { update(data: Uint8Array): { digest(): Uint8Array } };
}

function builtin<T>(id: string): T | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    return proc?.getBuiltinModule?.(id) as T | undefined;
  } catch {
    return undefined;
  }
}

/** What libsodium (sodium-native) gives here. */
interface SodiumLike {
  crypto_generichash(output: Uint8Array, input: Uint8Array): void;
}

/**
 * sodium-native, where it is installed and has a build for this platform (an optional
 * dependency); `AECHANNEL_SODIUM=0` in the environment turns it off.
 */
function optionalSodium(): SodiumLike | undefined {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  if (proc?.env?.['AECHANNEL_SODIUM'] === '0') return undefined;
  try {
    const nodeModule = builtin<{ createRequire?: (from: string) => (id: string) => unknown }>('node:module');
    if (typeof nodeModule?.createRequire !== 'function') return undefined;
    const mod = nodeModule.createRequire(import.meta.url)('sodium-native') as Partial<SodiumLike>;
    return typeof mod.crypto_generichash === 'function' ? (mod as SodiumLike) : undefined;
  } catch {
    return undefined;
  }
}

const nodeCrypto = builtin<NodeCryptoLike>('node:crypto');
const sodium = optionalSodium();

/** BLAKE2b with a 32-byte digest, unkeyed (libsodium where it loads). @internal */
export const blake2b256: (bytes: Uint8Array) => Uint8Array =
  sodium === undefined
    ? (bytes) => nobleBlake2b(bytes, { dkLen: 32 })
    : (bytes) => {
        const out = new Uint8Array(32);
        sodium.crypto_generichash(out, bytes);
        return out;
      };
const NodeBuffer = builtin<{ Buffer: NodeBufferClass }>('node:buffer')?.Buffer;

/** SHA-256 (node:crypto's one-shot hash where available). @internal */
export const sha256: (bytes: Uint8Array) => Uint8Array =
  typeof nodeCrypto?.hash === 'function'
    ? (bytes) => (nodeCrypto.hash as NonNullable<NodeCryptoLike['hash']>)('sha256', bytes, 'buffer')
    : nodeCrypto !== undefined && typeof nodeCrypto.createHash === 'function'
      ? (bytes) => nodeCrypto.createHash('sha256').update(bytes).digest()
      : (bytes) => nobleSha256(bytes);

/** Padded standard base64 (node:buffer where available). @internal */
export const base64Encode: (bytes: Uint8Array) => string =
  NodeBuffer === undefined ? (bytes) => scureBase64.encode(bytes) : (bytes) => NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/**
 * Strict padded standard base64 decoding: throws on anything but the canonical encoding of
 * some bytes. @internal
 */
export const base64Decode: (text: string) => Uint8Array =
  NodeBuffer === undefined
    ? (text) => scureBase64.decode(text)
    : (text) => {
        const bytes = NodeBuffer.from(text, 'base64');
        if (bytes.toString('base64') !== text) throw new Error('not canonical padded base64');
        return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      };
