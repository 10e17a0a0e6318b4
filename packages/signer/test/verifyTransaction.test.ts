import { buildSignedTx, decode, decodeSignedTx, encode, hashSigningPayload, signingPayload } from '@aechannel/codec';
import { verifyAsync } from '@noble/ed25519';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSigner, memorySigner, verifySignature, verifyTransaction, webCryptoSigner } from '../src/index.js';
import { nodeCryptoSigner, verifySignatureSync, verifyTransactionSync } from '../src/node.js';
import { expectCode, toHex, unsignedCreateTx, vectorSigners } from './helpers.js';

const [a, b, c] = vectorSigners();
const { tx, networkId } = unsignedCreateTx();
const { innerBytes } = decodeSignedTx(tx);

describe('verifyTransaction', () => {
  it('checks a half-signed tx against the signers so far (§3.2)', async () => {
    const half = await a.signTransaction(tx, { networkId });
    expect(await verifyTransaction(half, { networkId, signers: [a.address] })).toMatchObject({
      valid: true,
      signers: [a.address],
      missing: [],
    });
    expect(await verifyTransaction(half, { networkId, signers: [a.address, b.address] })).toMatchObject({
      valid: false,
      signers: [a.address],
      missing: [b.address],
      extra: [],
    });
    expect(await verifyTransaction(tx, { networkId, signers: [] })).toMatchObject({ valid: true, matches: [] });
  });

  it('reports signatures of unexpected keys as extra', async () => {
    const signed = await c.signTransaction(await a.signTransaction(tx, { networkId }), { networkId });
    const result = await verifyTransaction(signed, { networkId, signers: [a.address, b.address] });
    const cSignature = await c.signBytes(signingPayload(innerBytes, networkId));
    expect(result).toMatchObject({ valid: false, signers: [a.address], missing: [b.address] });
    expect(result.extra.map(toHex)).toEqual([toHex(cSignature)]);
  });

  it('accepts hash-mode signatures and reports the mode (§3.1)', async () => {
    const hashed = await b.signBytes(hashSigningPayload(innerBytes, networkId));
    const plain = await a.signBytes(signingPayload(innerBytes, networkId));
    const signed = buildSignedTx(innerBytes, [hashed, plain]);
    const result = await verifyTransaction(signed, { networkId, signers: [b.address, a.address] });
    expect(result.valid).toBe(true);
    expect(result.signers).toEqual([b.address, a.address]);
    expect(Object.fromEntries(result.matches.map((m) => [m.address, m.mode]))).toEqual({ [a.address]: 'plain', [b.address]: 'hash' });
    expect(verifyTransactionSync(signed, { networkId, signers: [b.address, a.address] })).toEqual(result);
  });

  it('counts a second signature of the same signer as extra (no duplicates, §3.2)', async () => {
    const plain = await a.signBytes(signingPayload(innerBytes, networkId));
    const hashed = await a.signBytes(hashSigningPayload(innerBytes, networkId));
    const signed = buildSignedTx(innerBytes, [plain, hashed]);
    const result = await verifyTransaction(signed, { networkId, signers: [a.address] });
    expect(result).toMatchObject({ valid: false, signers: [a.address], missing: [] });
    expect(result.extra).toHaveLength(1);
  });

  it('treats a signer listed twice as one', async () => {
    const half = await a.signTransaction(tx, { networkId });
    expect(await verifyTransaction(half, { networkId, signers: [a.address, a.address] })).toMatchObject({ valid: true, signers: [a.address] });
  });

  it('throws typed errors for bad arguments', async () => {
    await expectCode(verifyTransaction(tx, { networkId: '', signers: [] }), 'SIGNER_INVALID_NETWORK_ID');
    await expectCode(verifyTransaction('tx_nope', { networkId, signers: [] }), 'SIGNER_NOT_A_TRANSACTION');
    await expectCode(verifyTransaction(tx, { networkId, signers: ['ak_nope'] }), 'SIGNER_INVALID_ADDRESS');
    // Without a signer list an unsigned tx must not pass as "everyone signed".
    for (const signers of [undefined, a.address, null]) {
      await expectCode(verifyTransaction(tx, { networkId, signers: signers as never }), 'SIGNER_INVALID_ARGUMENT');
      await expectCode(() => verifyTransactionSync(tx, { networkId, signers: signers as never }), 'SIGNER_INVALID_ARGUMENT');
    }
    expect(() => verifyTransactionSync(encode(innerBytes, 'tx'), { networkId, signers: [] })).toThrow(
      expect.objectContaining({ code: 'SIGNER_NOT_A_TRANSACTION' }),
    );
  });
});

describe('verifySignature', () => {
  const message = new TextEncoder().encode('hello');

  it('accepts bytes or sg_, rejects other keys, messages and lengths', async () => {
    const signature = await a.signBytes(message);
    expect(await verifySignature(a.address, message, signature)).toBe(true);
    expect(await verifySignature(a.address, message, encode(signature, 'sg'))).toBe(true);
    expect(verifySignatureSync(a.address, message, encode(signature, 'sg'))).toBe(true);
    expect(await verifySignature(b.address, message, signature)).toBe(false);
    expect(await verifySignature(a.address, new Uint8Array(5), signature)).toBe(false);
    expect(await verifySignature(a.address, message, signature.subarray(0, 63))).toBe(false);
    expect(verifySignatureSync(a.address, message, new Uint8Array(64))).toBe(false);
    await expectCode(verifySignature('ak_x', message, signature), 'SIGNER_INVALID_ADDRESS');
    await expectCode(verifySignature(a.address, 'hello' as unknown as Uint8Array, signature), 'SIGNER_INVALID_ARGUMENT');
    await expectCode(verifySignature(a.address, message, 'sg_x'), 'SIGNER_INVALID_ARGUMENT');
  });
});

describe('every backend signs alike (property)', () => {
  it('same key, same payload -> same bytes on noble, node:crypto, WebCrypto and the default; all verify; a flipped bit does not', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.nat(),
        async (seed, message, flip) => {
          const signatures = await Promise.all([
            memorySigner(seed).signBytes(message),
            nodeCryptoSigner(seed).signBytes(message),
            (await webCryptoSigner(seed)).signBytes(message),
            createSigner(seed).signBytes(message),
          ]);
          const [first, ...rest] = signatures.map(toHex);
          for (const other of rest) expect(other).toBe(first);
          const signer = memorySigner(seed);
          const signature = signatures[0]!;
          expect(await verifySignature(signer.address, message, signature)).toBe(true);
          expect(verifySignatureSync(signer.address, message, signature)).toBe(true);
          const tampered = signature.slice();
          tampered[flip % 64] = (tampered[flip % 64] ?? 0) ^ (1 << flip % 8);
          expect(await verifySignature(signer.address, message, tampered)).toBe(false);
          // node:crypto and noble agree on the tampered signature too.
          const publicKey = decode(signer.address, 'ak');
          expect(await verifyAsync(tampered, message, publicKey, { zip215: false })).toBe(false);
        },
      ),
      { numRuns: 40 },
    );
  });
});
