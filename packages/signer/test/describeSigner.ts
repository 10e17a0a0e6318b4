/**
 * The contract every {@link Signer} backend is held to: RFC 8032 §7.1 vectors through
 * `signBytes`, the transaction flow of PROTOCOL.md §3.3 through `signTransaction`, and the
 * typed errors of bad input.
 */
import { decodeSignedTx, type Encoded } from '@aechannel/codec';
import { describe, expect, it } from 'vitest';
import { keyPairFromSeed, verifySignature, verifyTransaction, type Signer } from '../src/index.js';
import { expectCode, hex, toHex, unsignedCreateTx } from './helpers.js';
import { rfc8032Vectors } from './rfc8032.js';

export interface DescribeSignerOptions {
  /** The backend signs transactions in hash mode (aepp-sdk accounts), so tx bytes differ. */
  hashMode?: boolean;
}

/**
 * Runs the signer contract against `make`.
 * @param name - the backend
 * @param make - builds a signer for a 32-byte seed
 */
export function describeSigner(name: string, make: (seed: Uint8Array) => Signer | Promise<Signer>, options: DescribeSignerOptions = {}): void {
  describe(`Signer contract: ${name}`, () => {
    for (const vector of rfc8032Vectors) {
      it(`RFC 8032 ${vector.name}: address and signature`, async () => {
        const signer = await make(hex(vector.secretKey));
        expect(signer.address).toBe(keyPairFromSeed(hex(vector.secretKey)).address);
        const signature = await signer.signBytes(hex(vector.message));
        expect(toHex(signature)).toBe(vector.signature);
        expect(await verifySignature(signer.address, hex(vector.message), signature)).toBe(true);
      });
    }

    it('adds one signature over networkId ++ inner bytes, keeping the inner bytes', async () => {
      const { tx, networkId } = unsignedCreateTx();
      const signer = await make(hex(rfc8032Vectors[0]!.secretKey));
      const signed = await signer.signTransaction(tx, { networkId, context: { kind: 'initiator_sign', updates: [] } });
      const before = decodeSignedTx(tx);
      const after = decodeSignedTx(signed);
      expect(before.signatures).toHaveLength(0);
      expect(after.signatures).toHaveLength(1);
      expect(toHex(after.innerBytes)).toBe(toHex(before.innerBytes));
      const result = await verifyTransaction(signed, { networkId, signers: [signer.address] });
      expect(result).toMatchObject({ valid: true, signers: [signer.address], missing: [], extra: [] });
      expect(result.matches[0]?.mode).toBe(options.hashMode === true ? 'hash' : 'plain');
      // Not valid for another network id.
      const other = await verifyTransaction(signed, { networkId: `${networkId}x`, signers: [signer.address] });
      expect(other).toMatchObject({ valid: false, missing: [signer.address] });
    });

    it('co-signs: keeps the first signature, adds its own, sorted bytewise; no duplicate on re-signing', async () => {
      const { tx, networkId } = unsignedCreateTx();
      const first = await make(hex(rfc8032Vectors[1]!.secretKey));
      const second = await make(hex(rfc8032Vectors[2]!.secretKey));
      const half = await first.signTransaction(tx, { networkId });
      const full = await second.signTransaction(half, { networkId });
      const { signatures } = decodeSignedTx(full);
      expect(signatures).toHaveLength(2);
      expect([...signatures].map(toHex).sort()).toEqual(signatures.map(toHex));
      expect(await verifyTransaction(full, { networkId, signers: [first.address, second.address] })).toMatchObject({
        valid: true,
        missing: [],
        extra: [],
      });
      const again = await second.signTransaction(full, { networkId });
      expect(decodeSignedTx(again).signatures.map(toHex)).toEqual(signatures.map(toHex));
    });

    it('rejects a bad network id with SIGNER_INVALID_NETWORK_ID', async () => {
      const { tx } = unsignedCreateTx();
      const signer = await make(hex(rfc8032Vectors[0]!.secretKey));
      for (const networkId of ['', 'ae_mainnet\n', 'æternity', ' \u0000', 42, undefined]) {
        await expectCode(signer.signTransaction(tx, { networkId: networkId as string }), 'SIGNER_INVALID_NETWORK_ID');
      }
    });

    it('rejects what is not a signed tx with SIGNER_NOT_A_TRANSACTION', async () => {
      const signer = await make(hex(rfc8032Vectors[0]!.secretKey));
      const { innerBytes } = decodeSignedTx(unsignedCreateTx().tx);
      const { encode } = await import('@aechannel/codec');
      const bareInner = encode(innerBytes, 'tx'); // a tag-50 object, not a tag-11 signed tx
      for (const tx of ['th_2ERU4LEe8Bn8x1iuw9vSh7iHys9t8zwt3Nq2oz5GQj9pAu9pur', 'tx_AAAA', bareInner, 'tx_+IkLAcC4hP', 7]) {
        await expectCode(signer.signTransaction(tx as Encoded<'tx'>, { networkId: 'ae_mainnet' }), 'SIGNER_NOT_A_TRANSACTION');
      }
    });

    it('rejects an aborted signal with SIGNER_ABORTED', async () => {
      const { tx, networkId } = unsignedCreateTx();
      const signer = await make(hex(rfc8032Vectors[0]!.secretKey));
      const signal = AbortSignal.abort(new Error('user left'));
      const error = await expectCode(signer.signTransaction(tx, { networkId, signal }), 'SIGNER_ABORTED');
      expect((error.cause as Error).message).toBe('user left');
      await expectCode(signer.signBytes(new Uint8Array(1), { signal }), 'SIGNER_ABORTED');
    });

    it('rejects non-bytes with SIGNER_INVALID_ARGUMENT', async () => {
      const signer = await make(hex(rfc8032Vectors[0]!.secretKey));
      await expectCode(signer.signBytes('00' as unknown as Uint8Array), 'SIGNER_INVALID_ARGUMENT');
    });
  });
}
