import { decode, encode, isAechannelError } from '@aechannel/codec';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addressToPublicKey,
  createSigner,
  generateKeyPair,
  keyPairFromSeed,
  memorySigner,
  publicKeyFromSeed,
  publicKeyToAddress,
  webCryptoSigner,
} from '../src/index.js';
import { nodeCryptoSigner } from '../src/node.js';
import { sodiumSignerWith } from '../src/sodium.js';
import { expectCode, hex, sodiumNative, toHex } from './helpers.js';
import { rfc8032Vectors } from './rfc8032.js';

const vector = rfc8032Vectors[2]!;
const seed = hex(vector.secretKey);
const address = encode(hex(vector.publicKey), 'ak');

const factories = {
  memorySigner: async (key: Parameters<typeof memorySigner>[0]) => memorySigner(key),
  nodeCryptoSigner: async (key: Parameters<typeof memorySigner>[0]) => nodeCryptoSigner(key),
  webCryptoSigner: (key: Parameters<typeof memorySigner>[0]) => webCryptoSigner(key),
  createSigner: async (key: Parameters<typeof memorySigner>[0]) => createSigner(key),
  // (also when AECHANNEL_SODIUM=0 keeps createSigner off it)
  'libsodium signer': async (key: Parameters<typeof memorySigner>[0]) => sodiumSignerWith(sodiumNative, key),
};

describe.each(Object.entries(factories))('%s key formats', (_, make) => {
  it.each([
    ['sk_ (32-byte seed, base58check)', encode(seed, 'sk')],
    ['hex seed', vector.secretKey],
    ['0x hex seed', `0x${vector.secretKey}`],
    ['upper-case hex seed', vector.secretKey.toUpperCase()],
    ['hex seed ++ public key', vector.secretKey + vector.publicKey],
    ['seed bytes', seed],
    ['seed ++ public key bytes', hex(vector.secretKey + vector.publicKey)],
  ])('accepts %s', async (_, key) => {
    expect((await make(key)).address).toBe(address);
  });

  it.each([
    ['a 64-byte key whose public half belongs to another seed', vector.secretKey + rfc8032Vectors[0]!.publicKey],
    ['31 bytes of hex', vector.secretKey.slice(2)],
    ['odd hex', `${vector.secretKey}0`],
    ['not hex', 'zz'.repeat(32)],
    ['an empty string', ''],
    ['16 bytes', new Uint8Array(16)],
    ['an sk_ with a bad checksum', `${encode(seed, 'sk').slice(0, -2)}11`],
    ['an sk_ of 64 bytes', `sk_${encode(hex(vector.secretKey + vector.publicKey), 'tx').slice(3)}`],
    ['a number', 42],
    ['null', null],
  ])('rejects %s with SIGNER_INVALID_KEY', async (_, key) => {
    const error = await expectCode(() => make(key as string), 'SIGNER_INVALID_KEY');
    // The key never appears in the error.
    expect(error.message).not.toContain(vector.secretKey.slice(0, 16));
    expect(JSON.stringify(error.context)).not.toContain(vector.secretKey.slice(0, 16));
  });
});

describe('key helpers', () => {
  it('derives RFC 8032 public keys from seeds', () => {
    for (const v of rfc8032Vectors) expect(toHex(publicKeyFromSeed(hex(v.secretKey)))).toBe(v.publicKey);
  });

  it('round-trips addresses and refuses non-ak_ values', async () => {
    expect(toHex(addressToPublicKey(publicKeyToAddress(hex(vector.publicKey))))).toBe(vector.publicKey);
    await expectCode(() => addressToPublicKey('ch_7hoXbLuZWVcAiZDeohufNVNnnbGK6SMcVdoZY7XcWTf4kP5m1'), 'SIGNER_INVALID_ADDRESS');
    await expectCode(() => addressToPublicKey('ak_1'), 'SIGNER_INVALID_ADDRESS');
    await expectCode(() => publicKeyToAddress(new Uint8Array(31)), 'SIGNER_INVALID_ADDRESS');
  });

  it('generateKeyPair returns a usable, self-consistent pair', async () => {
    const pair = generateKeyPair();
    expect(pair.seed).toHaveLength(32);
    expect(toHex(decode(pair.secretKey, 'sk'))).toBe(toHex(pair.seed));
    expect(pair.secretKeyHex).toBe(toHex(pair.seed) + toHex(pair.publicKey));
    expect(memorySigner(pair.secretKey).address).toBe(pair.address);
    expect(createSigner(pair.secretKeyHex).address).toBe(pair.address);
    expect(generateKeyPair().address).not.toBe(pair.address);
  });

  it('derives the same public key as node:crypto for any seed (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        expect(memorySigner(bytes).address).toBe(nodeCryptoSigner(bytes).address);
        expect(keyPairFromSeed(bytes).address).toBe(nodeCryptoSigner(bytes).address);
      }),
      { numRuns: 50 },
    );
  });

  it('errors are aechannel errors', async () => {
    try {
      memorySigner('nope');
    } catch (error) {
      expect(isAechannelError(error, 'SIGNER_INVALID_KEY')).toBe(true);
    }
    expect.assertions(1);
  });
});

describe('key material', () => {
  it("nodeCryptoSigner wipes the PKCS#8 copy of the seed it hands to node:crypto, and leaves the caller's bytes alone", async () => {
    const { nodeCryptoSignerWith } = await import('../src/nodeCryptoSigner.js');
    const nodeCrypto = await import('node:crypto');
    const handed: Uint8Array[] = [];
    const spy = {
      ...nodeCrypto,
      createPrivateKey: (input: Parameters<typeof nodeCrypto.createPrivateKey>[0]) => {
        handed.push((input as { key: Uint8Array }).key);
        return nodeCrypto.createPrivateKey(input);
      },
    };
    const input = seed.slice();
    const signer = nodeCryptoSignerWith(spy, input);
    expect(signer.address).toBe(address);
    expect(toHex(input)).toBe(vector.secretKey); // the caller's bytes are the caller's
    expect(handed).toHaveLength(1);
    expect(handed[0]!.every((byte) => byte === 0)).toBe(true);
    expect(toHex(await signer.signBytes(hex(vector.message)))).toBe(vector.signature);
  });

  it("the libsodium signer wipes its copy of the seed once sodium has the key, and leaves the caller's bytes alone", async () => {
    const handed: Uint8Array[] = [];
    const spy = {
      ...sodiumNative,
      crypto_sign_seed_keypair: (publicKey: Uint8Array, secretKey: Uint8Array, seedBytes: Uint8Array) => {
        handed.push(seedBytes);
        sodiumNative.crypto_sign_seed_keypair(publicKey, secretKey, seedBytes);
      },
    };
    for (const form of [seed, Uint8Array.from([...seed, ...hex(vector.publicKey)])]) {
      handed.length = 0;
      const input = form.slice();
      const signer = sodiumSignerWith(spy, input);
      expect(signer.address).toBe(address);
      expect(toHex(input)).toBe(toHex(form)); // the caller's bytes are the caller's
      expect(handed).toHaveLength(1);
      expect(handed[0]).not.toBe(input);
      expect(handed[0]!.every((byte) => byte === 0)).toBe(true);
      expect(toHex(await signer.signBytes(hex(vector.message)))).toBe(vector.signature);
    }
  });
});

describe("the caller's key bytes", () => {
  it('every backend copies them and leaves the buffer as given (32 and 64-byte forms)', async () => {
    const { createSigner, memorySigner: memory, webCryptoSigner } = await import('../src/index.js');
    const { nodeCryptoSigner } = await import('../src/node.js');
    const publicKey = hex(vector.publicKey);
    const backends: [string, (key: Uint8Array) => Promise<{ address: string }> | { address: string }][] = [
      ['createSigner', createSigner],
      ['memorySigner', memory],
      ['nodeCryptoSigner', nodeCryptoSigner],
      ['webCryptoSigner', (key) => webCryptoSigner(key)],
    ];
    for (const [name, make] of backends) {
      for (const form of [seed, Uint8Array.from([...seed, ...publicKey])]) {
        const input = form.slice();
        const signer = await make(input);
        expect(signer.address, name).toBe(address);
        expect(toHex(input), `${name} (${form.length} bytes)`).toBe(toHex(form));
      }
    }
  });
});
