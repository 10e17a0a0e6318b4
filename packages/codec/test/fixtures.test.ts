/**
 * Acceptance against the recorded fixtures: every tx_, ch_, ak_ and ba_ string decodes,
 * every tx re-encodes byte-exact (also each inner tx), every signature verifies under the
 * network id of its file, and every create / withdraw / close-mutual fee is reproduced.
 * The files are read raw (the codec does not depend on the transcript package).
 */
import { verifyAsync } from '@noble/ed25519';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  decode,
  decodeFsmId,
  decodeSignedTx,
  fixFee,
  isAechannelError,
  minFee,
  packTx,
  poiStateHash,
  serializeObject,
  signingPayload,
  splitCloseMutualFee,
  Tag,
  unpackPoi,
  unpackTx,
  verifyPoi,
  type Encoded,
  type Tx,
} from '@aechannel/codec';

const fixturesDir = join(dirname(fileURLToPath(import.meta.url)), '../../transcript/fixtures');
const networkIds: Record<string, string> = { 'conflict_two_updates_and_user_abort.md': 'local_lima_testnet' };
// The contract recordings are one session in two files (the second continues the first, and
// contract ids appear as ak_): @aechannel/fate's recordings test replays them.
const contractRecordings = new Set(['contracts_group_open.md', 'contracts_basic.md']);
const files = readdirSync(fixturesDir)
  .filter((f) => f !== 'README.md' && !contractRecordings.has(f))
  .map((name) => ({ name, text: readFileSync(join(fixturesDir, name), 'utf8'), networkId: networkIds[name] ?? 'local_iris_testnet' }));

/**
 * Ids that a recording's test sends on purpose and the node refuses: `channels.get.poi` of
 * an empty `ak_` and of an account nobody holds (`00…2a`, `contracts_basic.md`). They are not participants.
 */
const probeIds = new Set(['ak_3NTNtGF', 'ak_11111111111111111111111111111115rHyByZ']);

/** All matches of `prefix_...` in a file, percent-decoded (URLs encode + / =). */
function scan(text: string, prefix: string): string[] {
  const found = text.match(new RegExp(`\\b${prefix}_[A-Za-z0-9+/=%]+`, 'g')) ?? [];
  return [...new Set(found.map((s) => decodeURIComponent(s)))];
}

const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe.each(files)('fixture $name', ({ name, text, networkId }) => {
  const txs = scan(text, 'tx') as Encoded<'tx'>[];
  const allIds = scan(text, 'ak') as Encoded<'ak'>[];
  const participants = allIds.filter((ak) => !probeIds.has(ak));

  it('has transactions and exactly two participants', () => {
    expect(txs.length).toBeGreaterThan(0);
    expect(participants).toHaveLength(2);
    for (const role of ['initiator', 'responder']) {
      const fromUrl = text.match(new RegExp(`[?&]${role}_id=(ak_[A-Za-z0-9]+)`))?.[1];
      if (fromUrl !== undefined) expect(participants).toContain(fromUrl);
    }
  });

  it('decodes every ak_, ch_ and ba_ string (fsm ids must be 32 bytes)', () => {
    for (const ak of participants) expect(decode(ak, 'ak')).toHaveLength(32);
    for (const ak of allIds.filter((id) => probeIds.has(id))) {
      // A probe id is either a well-formed id of a non-participant or refused with a typed error.
      let length: number | undefined;
      try {
        length = decode(ak, 'ak').length;
      } catch (error) {
        expect(isAechannelError(error, 'CODEC_INVALID_LENGTH')).toBe(true);
      }
      if (length !== undefined) expect(length).toBe(32);
    }
    const channels = scan(text, 'ch');
    expect(channels.length).toBeGreaterThan(0);
    for (const ch of channels) expect(decode(ch, 'ch')).toHaveLength(32);
    for (const ba of scan(text, 'ba')) {
      if (ba === 'ba_0l8E77UMjdvRtTsx') {
        // The reconnect recording sends a deliberately short fsm id, which the node rejects.
        expect(decode(ba, 'ba').length).not.toBe(32);
        let error: unknown;
        try {
          decodeFsmId(ba);
        } catch (e) {
          error = e;
        }
        expect(isAechannelError(error, 'CODEC_INVALID_LENGTH')).toBe(true);
      } else {
        expect(decodeFsmId(ba)).toHaveLength(32);
      }
    }
    if (name === 'client_reconnect_responder.txt') {
      expect(text).toContain('existing_fsm_id=Invalid&');
      let error: unknown;
      try {
        decodeFsmId('Invalid');
      } catch (e) {
        error = e;
      }
      expect(isAechannelError(error, 'CODEC_INVALID_PREFIX')).toBe(true);
    }
  });

  it('re-encodes every tx and every inner tx byte-exact', () => {
    for (const tx of txs) {
      const decoded = unpackTx(tx);
      expect(packTx(decoded)).toBe(tx);
      const { innerBytes, tx: inner } = decodeSignedTx(tx);
      expect(toHex(serializeObject(inner))).toBe(toHex(innerBytes));
    }
  });

  it(`verifies every signature against a participant under ${networkId}`, async () => {
    const keys = participants.map((ak) => ({ ak, key: decode(ak, 'ak') }));
    let count = 0;
    for (const tx of txs) {
      const { signatures, innerBytes, tx: inner } = decodeSignedTx(tx);
      const message = signingPayload(innerBytes, networkId);
      const signers: string[] = [];
      for (const signature of signatures) {
        const matches: string[] = [];
        for (const { ak, key } of keys) if (await verifyAsync(signature, message, key)) matches.push(ak);
        expect(matches, `signature of ${tx.slice(0, 20)} in ${name}`).toHaveLength(1);
        signers.push(matches[0] as string);
        count += 1;
      }
      expect(new Set(signers).size).toBe(signers.length);
      if (inner.tag === Tag.ChannelCreateTx) {
        for (const s of signers) expect([inner.initiatorId, inner.responderId]).toContain(s);
      }
      // A signature under another network id must not verify.
      if (signatures[0] !== undefined) {
        const other = signingPayload(innerBytes, networkId === 'local_iris_testnet' ? 'local_lima_testnet' : 'local_iris_testnet');
        const anyValid = await Promise.all(keys.map(({ key }) => verifyAsync(signatures[0] as Uint8Array, other, key)));
        expect(anyValid).toEqual([false, false]);
      }
    }
    expect(count).toBeGreaterThan(0);
  });

  it('reproduces the fee of every create, withdraw and close mutual tx', () => {
    let checked = 0;
    for (const tx of txs) {
      const inner: Tx = decodeSignedTx(tx).tx;
      if (inner.tag === Tag.ChannelCreateTx || inner.tag === Tag.ChannelWithdrawTx || inner.tag === Tag.ChannelDepositTx) {
        expect(minFee(inner)).toBe(inner.fee);
        expect(fixFee({ ...inner, fee: 0n }).fee).toBe(inner.fee);
        expect(fixFee({ ...inner, fee: 123n }).fee).toBe(inner.fee);
        checked += 1;
      }
      if (inner.tag === Tag.ChannelCloseMutualTx) {
        // The node computes the fee on a draft that carries the full balances (§5.5).
        const draft = { ...inner, initiatorAmountFinal: 0n, responderAmountFinal: 0n };
        const balances = { i: 0n, r: 0n };
        const total = inner.initiatorAmountFinal + inner.responderAmountFinal + inner.fee;
        // Recover balances from the split: the fee halves were taken from each side.
        balances.i = inner.initiatorAmountFinal + (inner.fee - inner.fee / 2n);
        balances.r = total - balances.i;
        const fee = fixFee({ ...draft, initiatorAmountFinal: balances.i, responderAmountFinal: balances.r }).fee;
        expect(fee).toBe(inner.fee);
        expect(splitCloseMutualFee(balances.i, balances.r, fee)).toEqual({
          initiatorAmountFinal: inner.initiatorAmountFinal,
          responderAmountFinal: inner.responderAmountFinal,
        });
        expect(minFee(inner)).toBe(inner.fee);
        checked += 1;
      }
    }
    if (/channel_(create|withdraw|close_mutual)_tx|channels\.sign\.(initiator_sign|withdraw_tx|shutdown_sign)/.test(text)) {
      expect(checked).toBeGreaterThan(0);
    }
  });
});

describe('the node PoIs of contracts_basic.md', () => {
  const basic = files.find((f) => f.name === 'contracts_basic.md')!;
  const pois = scan(basic.text, 'pi') as Encoded<'pi'>[];
  // Each proves the latest state: the state hash of the off-chain tx reported just before it.
  it('verify, prove the two participants and a contract, and each part of a tree without proven keys is its root alone', () => {
    expect(pois.length).toBe(6);
    for (const poi of pois) {
      const parts = unpackPoi(poi);
      // The calls tree of the latest round: proven by its root only (no key of it was asked for).
      expect(parts.calls?.nodes).toEqual([]);
      const proven = verifyPoi(poi);
      expect(proven.stateHash).toBe(poiStateHash(poi));
      expect(Object.keys(proven.accounts).length).toBeGreaterThanOrEqual(3);
      expect(proven.entries.contracts.length).toBeGreaterThan(0);
      expect(proven.entries.calls).toEqual([]);
      expect(basic.text.includes(proven.stateHash) || scan(basic.text, 'tx').some((tx) => {
        const inner = decodeSignedTx(tx as Encoded<'tx'>).tx;
        return 'stateHash' in inner && inner.stateHash === proven.stateHash;
      })).toBe(true);
    }
  });
});
