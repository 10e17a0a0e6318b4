import { getPublicKeyAsync, signAsync, utils, verifyAsync } from '@noble/ed25519';
import { blake2b } from '@noble/hashes/blake2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, encode } from './encoding.js';
import { computeChannelId, hash, txHash } from './hash.js';
import { packTx, unpackTx } from './packTx.js';
import { serializeObject } from './serializeObject.js';
import { addSignatures, buildSignedTx, compareBytes, decodeSignedTx, hashSigningPayload, signingPayload } from './signedTx.js';
import { Tag } from './tag.js';
import type { ChannelOffChainTxV2 } from './tx.js';
import { codeOf } from '../test/codeOf.js';

const offChain: ChannelOffChainTxV2 = {
  tag: Tag.ChannelOffChainTx,
  version: 2,
  channelId: computeChannelId('ak_2MJU325LQVfAu36vjGvdVpVgiCDbjRsMAjHZc7ahzuLZHTjWYS', 185n, 'ak_cU4JbcvVzqCtttniEVwvN1z6P7s4vgtTCjfDYfF1kbh7gCs7W'),
  round: 7n,
  stateHash: encode(new Uint8Array(32).fill(7), 'st'),
};
const inner = serializeObject(offChain);
const sig = (byte: number): Uint8Array => new Uint8Array(64).fill(byte);

describe('signed tx helpers', () => {
  it('builds with sorted signatures and decodes back the exact inner bytes', () => {
    const tx = buildSignedTx(inner, [sig(9), sig(3)]);
    const { signatures, innerBytes, tx: decoded } = decodeSignedTx(tx);
    expect(signatures).toEqual([sig(3), sig(9)]);
    expect(innerBytes).toEqual(inner);
    expect(decoded).toEqual(offChain);
    expect(unpackTx(tx)).toEqual({ tag: Tag.SignedTx, version: 1, signatures: [sig(3), sig(9)], encodedTx: offChain });
  });

  it('adds signatures, keeping the present ones, dropping duplicates, sorting', () => {
    const half = buildSignedTx(inner, [sig(5)]);
    const full = addSignatures(half, [sig(1), sig(5)]);
    expect(decodeSignedTx(full).signatures).toEqual([sig(1), sig(5)]);
    expect(addSignatures(full, [sig(5)])).toBe(full);
    expect(codeOf(() => addSignatures(half, [new Uint8Array(10)]))).toBe('CODEC_INVALID_FIELD');
  });

  it('drops a duplicate already present in the received tx (§3.2 allows no extra signature)', () => {
    const doubled = buildSignedTx(inner, [sig(5), sig(5)]);
    expect(decodeSignedTx(doubled).signatures).toEqual([sig(5), sig(5)]);
    expect(decodeSignedTx(addSignatures(doubled, [sig(1)])).signatures).toEqual([sig(1), sig(5)]);
    expect(decodeSignedTx(addSignatures(doubled, [])).signatures).toEqual([sig(5)]);
  });

  it('adds the same signature given twice only once', () => {
    expect(decodeSignedTx(addSignatures(buildSignedTx(inner, []), [sig(4), sig(4)])).signatures).toEqual([sig(4)]);
  });

  it('keeps inner bytes it could not have produced itself (never re-serializes)', () => {
    // A v1 off-chain tx carrying an opaque update: only the exact bytes can be returned.
    const v1 = serializeObject({ tag: Tag.ChannelOffChainTx, version: 1, channelId: offChain.channelId, round: 2n, updates: [Uint8Array.of(1, 2, 3)], stateHash: offChain.stateHash });
    const tx = addSignatures(buildSignedTx(v1, []), [sig(2)]);
    expect(decodeSignedTx(tx).innerBytes).toEqual(v1);
  });

  it('refuses a tx_ that is not a signed tx', () => {
    expect(codeOf(() => decodeSignedTx(packTx(offChain)))).toBe('CODEC_NOT_A_SIGNED_TX');
    expect(codeOf(() => addSignatures(packTx(offChain), [sig(1)]))).toBe('CODEC_NOT_A_SIGNED_TX');
  });

  it('signing payloads are network id ++ inner bytes, or ++ blake2b(inner bytes)', async () => {
    expect(signingPayload(Uint8Array.of(1, 2), 'ab')).toEqual(Uint8Array.of(0x61, 0x62, 1, 2));
    expect(hashSigningPayload(inner, 'ab')).toEqual(Uint8Array.of(0x61, 0x62, ...blake2b(inner, { dkLen: 32 })));
    const secret = utils.randomSecretKey();
    const publicKey = await getPublicKeyAsync(secret);
    const signature = await signAsync(signingPayload(inner, 'ae_uat'), secret);
    const signed = addSignatures(buildSignedTx(inner, []), [signature]);
    const [s] = decodeSignedTx(signed).signatures;
    expect(await verifyAsync(s as Uint8Array, signingPayload(decodeSignedTx(signed).innerBytes, 'ae_uat'), publicKey)).toBe(true);
    expect(await verifyAsync(s as Uint8Array, signingPayload(inner, 'ae_mainnet'), publicKey)).toBe(false);
  });

  it('signing payloads refuse a network id or inner bytes of the wrong type with a typed error', () => {
    expect(codeOf(() => signingPayload(inner, 42 as unknown as string))).toBe('CODEC_INVALID_FIELD');
    expect(codeOf(() => hashSigningPayload(inner, undefined as unknown as string))).toBe('CODEC_INVALID_FIELD');
    expect(codeOf(() => signingPayload([1, 2] as unknown as Uint8Array, 'ae_uat'))).toBe('CODEC_INVALID_FIELD');
    expect(codeOf(() => hashSigningPayload('tx_' as unknown as Uint8Array, 'ae_uat'))).toBe('CODEC_INVALID_FIELD');
  });

  it('any order of signatures gives the same bytes and tx hash', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.uint8Array({ minLength: 64, maxLength: 64 }), { maxLength: 4, comparator: (a, b) => compareBytes(a, b) === 0 }), (signatures) => {
        const sorted = buildSignedTx(inner, signatures);
        const reversed = buildSignedTx(inner, [...signatures].reverse());
        expect(reversed).toBe(sorted);
        expect(txHash(sorted)).toBe(encode(hash(decode(sorted, 'tx')), 'th'));
        const unsorted = packTx({ tag: Tag.SignedTx, version: 1, signatures: [...signatures].reverse(), encodedTx: offChain });
        expect(txHash(unsorted)).toBe(txHash(sorted));
      }),
      { numRuns: 50 },
    );
  });
});
