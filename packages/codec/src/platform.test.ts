import { createRequire } from 'node:module';
import { blake2b } from '@noble/hashes/blake2.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { base64 } from '@scure/base';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64Decode, base64Encode, blake2b256, sha256 } from './platform.js';

describe('native primitives (node:crypto, node:buffer) against @noble/hashes and @scure/base', () => {
  it('give the same SHA-256 and base64 for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(8), (bytes, offset) => {
        const view = bytes.subarray(Math.min(offset, bytes.length));
        expect([...sha256(view)]).toEqual([...nobleSha256(view)]);
        expect(base64Encode(view)).toBe(base64.encode(view));
        expect([...base64Decode(base64.encode(view))]).toEqual([...view]);
      }),
      { numRuns: 300 },
    );
  });

  it('BLAKE2b-256 through libsodium (sodium-native, loaded here) gives @noble/hashes\' bytes for any input', () => {
    const sodium = createRequire(import.meta.url)('sodium-native') as { crypto_generichash: (out: Uint8Array, input: Uint8Array) => void };
    const generichash = (bytes: Uint8Array) => {
      const out = new Uint8Array(32);
      sodium.crypto_generichash(out, bytes);
      return out;
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(8), (bytes, offset) => {
        const view = bytes.subarray(Math.min(offset, bytes.length));
        const expected = [...blake2b(view, { dkLen: 32 })];
        expect([...generichash(view)]).toEqual(expected);
        expect([...blake2b256(view)]).toEqual(expected);
      }),
      { numRuns: 300 },
    );
    // (the empty input: the digest of the protocol's empty hash)
    expect(Buffer.from(blake2b256(new Uint8Array())).toString('hex')).toBe(Buffer.from(blake2b(new Uint8Array(), { dkLen: 32 })).toString('hex'));
  });

  it('decode as strictly as @scure/base: what it refuses is refused', () => {
    const refused = (text: string): boolean => {
      try {
        base64.decode(text);
        return false;
      } catch {
        return true;
      }
    };
    const native = (text: string): boolean => {
      try {
        base64Decode(text);
        return false;
      } catch {
        return true;
      }
    };
    for (const text of ['QQ', 'QR==', 'QQ==\n', ' QQ==', 'Q-8=', 'Q_8=', 'QQ=', 'QQ===', 'QUJD', 'QUJ', '====', 'A===', '']) {
      expect(native(text), JSON.stringify(text)).toBe(refused(text));
    }
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'AQgw+/=-_ \nZz9'.split('')), maxLength: 12 }), (text) => {
        expect(native(text), JSON.stringify(text)).toBe(refused(text));
      }),
      { numRuns: 2000 },
    );
  });
});
