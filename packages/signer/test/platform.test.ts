/**
 * Backend selection off Node and the typed errors of missing platform features, simulated by
 * hiding `process.getBuiltinModule` and replacing `globalThis.crypto`.
 */
import { buildSignedTx, decodeSignedTx } from '@aechannel/codec';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { expectCode, hex, toHex } from './helpers.js';
import { rfc8032Vectors } from './rfc8032.js';

const nobleSignAsync = vi.hoisted(() => ({ calls: 0 }));
vi.mock('@noble/ed25519', async (importOriginal) => {
  const original = await importOriginal<typeof import('@noble/ed25519')>();
  return {
    ...original,
    signAsync: (...args: Parameters<typeof original.signAsync>) => {
      nobleSignAsync.calls += 1;
      return original.signAsync(...args);
    },
  };
});

const vector = rfc8032Vectors[1]!;
const realCrypto = globalThis.crypto;

/** A WebCrypto without Ed25519, as in older browsers. */
function cryptoWithoutEd25519(): Crypto {
  const notSupported = (): Promise<never> => Promise.reject(new DOMException('Unrecognized algorithm name', 'NotSupportedError'));
  const subtle = { ...realCrypto.subtle, generateKey: notSupported, importKey: notSupported, sign: notSupported, verify: notSupported, digest: realCrypto.subtle.digest.bind(realCrypto.subtle) };
  return { subtle, getRandomValues: realCrypto.getRandomValues.bind(realCrypto) } as unknown as Crypto;
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  vi.resetModules();
});

describe('webCryptoSigner without Ed25519', () => {
  it('rejects with SIGNER_UNSUPPORTED, and the feature test says no', async () => {
    vi.stubGlobal('crypto', cryptoWithoutEd25519());
    const { webCryptoSigner, isWebCryptoEd25519Supported } = await import('../src/index.js');
    expect(await isWebCryptoEd25519Supported()).toBe(false);
    await expectCode(webCryptoSigner(hex(vector.secretKey)), 'SIGNER_UNSUPPORTED');
    await expectCode(webCryptoSigner(), 'SIGNER_UNSUPPORTED');
  });

  it('rejects with SIGNER_UNSUPPORTED without crypto.subtle at all', async () => {
    vi.stubGlobal('crypto', undefined);
    const { webCryptoSigner, generateKeyPair } = await import('../src/index.js');
    await expectCode(webCryptoSigner(hex(vector.secretKey)), 'SIGNER_UNSUPPORTED');
    await expectCode(() => generateKeyPair(), 'SIGNER_UNSUPPORTED');
  });

  it('is supported on this Node, with a non-extractable key', async () => {
    const { webCryptoSigner, isWebCryptoEd25519Supported } = await import('../src/index.js');
    expect(await isWebCryptoEd25519Supported()).toBe(true);
    const pair = (await realCrypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair;
    expect(pair.privateKey.extractable).toBe(false);
    const signer = await webCryptoSigner(pair);
    const message = new Uint8Array([7]);
    const signature = await signer.signBytes(message);
    expect(await realCrypto.subtle.verify({ name: 'Ed25519' }, pair.publicKey, new Uint8Array(signature), message)).toBe(true);
    const other = (await realCrypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair;
    await expectCode(webCryptoSigner({ privateKey: pair.privateKey, publicKey: other.publicKey }), 'SIGNER_INVALID_KEY');
    // A public key passed as the private half: WebCrypto refuses to sign with it.
    await expectCode(webCryptoSigner({ privateKey: pair.publicKey, publicKey: pair.publicKey }), 'SIGNER_INVALID_KEY');
  });
});

describe('off Node (no process.getBuiltinModule)', () => {
  it('createSigner falls back to noble and signs the same bytes', async () => {
    vi.spyOn(process, 'getBuiltinModule').mockReturnValue(undefined as never);
    const { createSigner } = await import('../src/index.js');
    const before = nobleSignAsync.calls;
    const signature = await createSigner(hex(vector.secretKey)).signBytes(hex(vector.message));
    expect(toHex(signature)).toBe(vector.signature);
    expect(nobleSignAsync.calls).toBe(before + 1);
  });

  it('createSigner uses a native backend on Node (noble untouched)', async () => {
    const { createSigner } = await import('../src/index.js');
    const before = nobleSignAsync.calls;
    expect(toHex(await createSigner(hex(vector.secretKey)).signBytes(hex(vector.message)))).toBe(vector.signature);
    expect(nobleSignAsync.calls).toBe(before);
  });

  it.each([
    ['webcrypto', () => realCrypto],
    ['noble', cryptoWithoutEd25519],
  ])('verification falls back to %s', async (name, crypto) => {
    vi.spyOn(process, 'getBuiltinModule').mockReturnValue(undefined as never);
    vi.stubGlobal('crypto', crypto());
    const { getVerifier } = await import('../src/verifier.js');
    const { verifySignature, memorySigner } = await import('../src/index.js');
    expect((await getVerifier()).name).toBe(name);
    const address = memorySigner(hex(vector.secretKey)).address;
    expect(await verifySignature(address, hex(vector.message), hex(vector.signature))).toBe(true);
    expect(await verifySignature(address, new Uint8Array([1]), hex(vector.signature))).toBe(false);
  });

  it('without node:crypto and crypto.subtle, signing and verifying reject with SIGNER_UNSUPPORTED (never a plain Error, never a false "invalid")', async () => {
    vi.spyOn(process, 'getBuiltinModule').mockReturnValue(undefined as never);
    vi.stubGlobal('crypto', undefined);
    const { createSigner, memorySigner, verifySignature, verifyTransaction } = await import('../src/index.js');
    const { unsignedCreateTx } = await import('./helpers.js');
    const signer = memorySigner(hex(vector.secretKey));
    await expectCode(signer.signBytes(hex(vector.message)), 'SIGNER_UNSUPPORTED');
    await expectCode(createSigner(hex(vector.secretKey)).signBytes(hex(vector.message)), 'SIGNER_UNSUPPORTED');
    await expectCode(verifySignature(signer.address, hex(vector.message), hex(vector.signature)), 'SIGNER_UNSUPPORTED');
    const { tx, networkId } = unsignedCreateTx();
    await expectCode(signer.signTransaction(tx, { networkId }), 'SIGNER_UNSUPPORTED');
    const signed = buildSignedTx(decodeSignedTx(tx).innerBytes, [hex(vector.signature)]);
    await expectCode(verifyTransaction(signed, { networkId, signers: [signer.address] }), 'SIGNER_UNSUPPORTED');
  });

  it('verification uses libsodium on Node where sodium-native is installed, node:crypto with AECHANNEL_SODIUM=0', async () => {
    vi.stubEnv('AECHANNEL_SODIUM', '');
    const { getVerifier } = await import('../src/verifier.js');
    expect((await getVerifier()).name).toBe('libsodium');
    vi.resetModules();
    vi.stubEnv('AECHANNEL_SODIUM', '0');
    const again = await import('../src/verifier.js');
    expect((await again.getVerifier()).name).toBe('node:crypto');
  });
});
