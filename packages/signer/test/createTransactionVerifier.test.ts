import { buildSignedTx, decodeSignedTx, hashSigningPayload, serializeObject, signingPayload, Tag, type Encoded } from '@aechannel/codec';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTransactionVerifier, getEd25519Verify, verifyTransaction } from '../src/index.js';
import { otherInnerBytes, unsignedCreateTx, vectorSigners } from './helpers.js';

const [a, b, c] = vectorSigners();
const { tx, networkId } = unsignedCreateTx();
const { innerBytes } = decodeSignedTx(tx);

function counting() {
  const platform = getEd25519Verify();
  const counter = { count: 0 };
  const verifier = createTransactionVerifier({
    verify: (k, m, s) => {
      counter.count += 1;
      return platform(k, m, s);
    },
  });
  return { verifier, counter };
}

describe('createTransactionVerifier', () => {
  it('verifies the peer once: the co-signed tx costs only the signature not seen before', async () => {
    const { verifier, counter } = counting();
    const half = await a.signTransaction(tx, { networkId });
    expect((await verifier.verifyTransaction(half, { networkId, signers: [a.address] })).valid).toBe(true);
    expect(counter.count).toBe(1);
    const full = await b.signTransaction(half, { networkId });
    const result = await verifier.verifyTransaction(full, { networkId, signers: [a.address, b.address] });
    expect(result).toEqual(await verifyTransaction(full, { networkId, signers: [a.address, b.address] }));
    expect(result.valid).toBe(true);
    // b's signature alone, matched to b (a's is remembered): one more, whatever the sort order
    expect(counter.count).toBe(2);
    // both remembered: the same answer as a full check (signers in the order asked), nothing verified
    expect(await verifier.verifyTransaction(full, { networkId, signers: [b.address, a.address] })).toEqual(
      await verifyTransaction(full, { networkId, signers: [b.address, a.address] }),
    );
    expect(counter.count).toBe(2);
    expect(verifier.verifications).toBe(2);
  });

  it('takes a signature this process made as its own (rememberSigned), nothing else', async () => {
    const { verifier, counter } = counting();
    const half = await a.signTransaction(tx, { networkId });
    verifier.rememberSigned(tx, half, a.address, networkId);
    const full = await b.signTransaction(half, { networkId });
    verifier.rememberSigned(half, full, b.address, networkId);
    expect((await verifier.verifyTransaction(full, { networkId, signers: [a.address, b.address] })).valid).toBe(true);
    expect(counter.count).toBe(0);
    // two signatures added at once, or other inner bytes: not remembered
    const other = counting();
    other.verifier.rememberSigned(tx, full, a.address, networkId);
    other.verifier.rememberSigned(buildSignedTx(otherInnerBytes(), []), half, a.address, networkId);
    expect((await other.verifier.verifyTransaction(full, { networkId, signers: [a.address, b.address] })).valid).toBe(true);
    expect(other.counter.count).toBeGreaterThanOrEqual(2);
  });

  it('never lets a remembered signature stand for another signer, tx or network id', async () => {
    const { verifier } = counting();
    const half = await a.signTransaction(tx, { networkId });
    await verifier.verifyTransaction(half, { networkId, signers: [a.address] });
    // a's remembered signature is not b's
    expect((await verifier.verifyTransaction(half, { networkId, signers: [b.address] })).valid).toBe(false);
    // nor valid under another network id
    expect((await verifier.verifyTransaction(half, { networkId: 'ae_other', signers: [a.address] })).valid).toBe(false);
    // nor on other inner bytes carrying the same signature
    const forged = buildSignedTx(otherInnerBytes(), decodeSignedTx(half).signatures);
    expect((await verifier.verifyTransaction(forged, { networkId, signers: [a.address] })).valid).toBe(false);
    // a signature remembered as a's, repeated, is one match and one extra
    const twice = buildSignedTx(innerBytes, [...decodeSignedTx(half).signatures, ...decodeSignedTx(half).signatures]);
    const repeated = await verifier.verifyTransaction(twice, { networkId, signers: [a.address, b.address] });
    expect(repeated).toMatchObject({ valid: false, signers: [a.address], missing: [b.address] });
    expect(repeated.extra).toHaveLength(1);
    // rememberSigned with a wrong address is caught by the verification of the state: b did not sign
    const liar = counting();
    liar.verifier.rememberSigned(tx, half, b.address, networkId);
    const full = await c.signTransaction(half, { networkId });
    expect((await liar.verifier.verifyTransaction(full, { networkId, signers: [a.address, b.address] })).valid).toBe(false);
  });

  it('remembers signatures on long inner txs by their hash: the same tx is known, one byte off is not', async () => {
    const spend = (last: number) => {
      const payload = new Uint8Array(3000).fill(7);
      payload[payload.length - 1] = last;
      return serializeObject({ tag: Tag.SpendTx, version: 1, senderId: a.address, recipientId: b.address, amount: 1n, fee: 20_000n, ttl: 0n, nonce: 1n, payload });
    };
    expect(spend(0).length).toBeGreaterThan(1024);
    const { verifier, counter } = counting();
    const signed = await a.signTransaction(buildSignedTx(spend(0), []), { networkId });
    expect((await verifier.verifyTransaction(signed, { networkId, signers: [a.address] })).valid).toBe(true);
    expect((await verifier.verifyTransaction(signed, { networkId, signers: [a.address] })).valid).toBe(true);
    expect(counter.count).toBe(1);
    const forged = buildSignedTx(spend(1), decodeSignedTx(signed).signatures);
    expect((await verifier.verifyTransaction(forged, { networkId, signers: [a.address] })).valid).toBe(false);
    // (checked again, plain and hash mode, not taken from the memory)
    expect(counter.count).toBeGreaterThan(1);
  });

  it('answers exactly as verifyTransaction on any mix of signatures, in any order of checks', async () => {
    const pool = [
      await a.signBytes(signingPayload(innerBytes, networkId)),
      await b.signBytes(signingPayload(innerBytes, networkId)),
      await c.signBytes(signingPayload(innerBytes, networkId)),
      await a.signBytes(hashSigningPayload(innerBytes, networkId)),
      await b.signBytes(signingPayload(innerBytes, 'ae_other')),
      new Uint8Array(64).fill(7),
    ];
    const addresses = [a.address, b.address, c.address];
    const { verifier } = counting();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(pool.length - 1), { maxLength: 4 }),
        fc.subarray(addresses),
        async (picked, signers) => {
          const signed = buildSignedTx(innerBytes, picked.map((i) => pool[i]!)) as Encoded<'tx'>;
          const expected = await verifyTransaction(signed, { networkId, signers });
          // the same verifier across every run: its memory must never change an answer (when a
          // signer signed twice, which copy counts as the extra one may differ)
          const got = await verifier.verifyTransaction(signed, { networkId, signers });
          expect({ ...got, extra: got.extra.length, matches: got.matches.map((m) => m.address).sort() }).toEqual({
            ...expected,
            extra: expected.extra.length,
            matches: expected.matches.map((m) => m.address).sort(),
          });
        },
      ),
      { numRuns: 150 },
    );
  });
});
