/**
 * Every signature in the recordings verifies (PROTOCOL.md §3.1, §12 "Signatures"), and every
 * signed tx a client sent carries a valid signature of that client's account.
 */
import { decodeSignedTx, type Encoded } from '@aechannel/codec';
import { describe, expect, it } from 'vitest';
import { verifyTransaction } from '../src/index.js';
import { verifyTransactionSync } from '../src/node.js';
import { collectTxs, fixtureCases } from './helpers.js';

describe.each(fixtureCases())('$fixture.name', ({ fixture, accounts }) => {
  const both: Encoded<'ak'>[] = [accounts.initiator, accounts.responder];
  const txs = [...new Set(fixture.sections.flatMap((s) => (s.kind === 'send' || s.kind === 'receive' ? collectTxs(s.message) : [])))];

  it('has signed transactions to check', () => {
    expect(txs.length).toBeGreaterThan(0);
  });

  it('every signature of every tx verifies for a participant, in plain mode', async () => {
    let signatures = 0;
    for (const tx of txs) {
      const result = await verifyTransaction(tx, { networkId: fixture.networkId, signers: both });
      const count = decodeSignedTx(tx).signatures.length;
      signatures += count;
      expect(result.extra, tx).toEqual([]);
      expect(result.matches).toHaveLength(count);
      expect(result.matches.every((m) => m.mode === 'plain')).toBe(true);
      expect(result.valid).toBe(count === 2);
      // The synchronous node:crypto driver agrees.
      expect(verifyTransactionSync(tx, { networkId: fixture.networkId, signers: both })).toEqual(result);
      // Under another network id no signature verifies.
      const wrong = await verifyTransaction(tx, { networkId: 'ae_mainnet', signers: both });
      expect(wrong.signers).toEqual([]);
      expect(wrong.extra).toHaveLength(count);
    }
    expect(signatures).toBeGreaterThan(0);
  });

  it("every signed_tx a client sent carries its own account's valid signature", async () => {
    const sent = fixture.sections.flatMap((section) => {
      if (section.kind !== 'send') return [];
      const params = (section.message as { params?: { signed_tx?: string } }).params;
      return typeof params?.signed_tx === 'string' ? [{ role: section.role, tx: params.signed_tx as Encoded<'tx'> }] : [];
    });
    expect(sent.length).toBeGreaterThan(0);
    for (const { role, tx } of sent) {
      const result = await verifyTransaction(tx, { networkId: fixture.networkId, signers: both });
      expect(result.signers, `${role} ${tx}`).toContain(accounts[role]);
      expect(result.extra).toEqual([]);
      const own = await verifyTransaction(tx, { networkId: fixture.networkId, signers: [accounts[role]] });
      expect(own.missing).toEqual([]);
    }
  });
});
