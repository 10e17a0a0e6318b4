/**
 * The driver verifies the signatures the fsm cannot (it has no ed25519, PROTOCOL.md §3.2):
 * a tx the node asks us to co-sign must carry exactly the peer's valid signature for this
 * network id, and a state the node reports as co-signed must carry valid signatures of both
 * participants. The in-process devnode plays the node; a transport wrapper rewrites one
 * message on its way to the client (a node, or a link, that lies).
 */
import { buildSignedTx, decodeSignedTx, isAechannelError, type Encoded } from '@aechannel/codec';
import { startDevnode, type Devnode } from '@aechannel/devnode';
import { memorySigner, verifyTransaction } from '@aechannel/signer';
import type { TestSigner } from '@aechannel/signer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTampered, replaceTx, type TamperedPair } from './tampering.js';
import { Channel, type ChannelClientEvent } from '../src/Channel.js';
import { createMemoryStore, type MemoryStore } from '../src/createMemoryStore.js';

let devnode: Devnode;
beforeAll(async () => {
  devnode = await startDevnode({ listen: false });
});
afterAll(async () => {
  await devnode.stop();
});

/** The signature `secretKey` makes on the inner tx of `tx` for `networkId`. */
async function signatureOf(secretKey: Encoded<'sk'> | string, tx: Encoded<'tx'>, networkId: string): Promise<Uint8Array> {
  const unsigned = buildSignedTx(decodeSignedTx(tx).innerBytes, []);
  const signed = await memorySigner(secretKey as never).signTransaction(unsigned, { networkId });
  return decodeSignedTx(signed).signatures[0]!;
}

const withSignatures = (tx: Encoded<'tx'>, signatures: Uint8Array[]): Encoded<'tx'> => buildSignedTx(decodeSignedTx(tx).innerBytes, signatures);

interface Setup {
  initiator: Channel;
  responder: Channel;
  initiatorId: Encoded<'ak'>;
  responderId: Encoded<'ak'>;
  initiatorKey: string;
  responderKey: string;
  initiatorSigner: TestSigner;
  responderSigner: TestSigner;
  initiatorStore: MemoryStore;
  tamper: TamperedPair['tamper'];
  security: { initiator: ChannelClientEvent[]; responder: ChannelClientEvent[] };
}

async function open(i: number, r: number): Promise<Setup> {
  const initiatorStore = createMemoryStore();
  const s = await openTampered(devnode, i, r, { keep: (e) => e.type === 'security', initiator: { store: initiatorStore } });
  return {
    initiator: s.initiator,
    responder: s.responder,
    initiatorId: s.initiatorId,
    responderId: s.responderId,
    initiatorKey: s.keys.initiator,
    responderKey: s.keys.responder,
    initiatorSigner: s.signers.initiator,
    responderSigner: s.signers.responder,
    initiatorStore,
    tamper: s.tamper,
    security: s.events,
  };
}

const signCalls = (signer: TestSigner, kind: string): number => signer.calls.filter((c) => c.context?.kind === kind).length;

/** Both sides are still at the open state: round 1, the opening balances. */
function expectUnchanged(s: Setup): void {
  for (const channel of [s.initiator, s.responder]) {
    expect(channel.round).toBe(1n);
    expect(channel.localBalances).toEqual({ [s.initiatorId]: 1000n, [s.responderId]: 1000n });
  }
}

function dispose(s: Setup): void {
  s.initiator.dispose();
  s.responder.dispose();
}

describe('peer signature on a tx we co-sign (update_ack)', () => {
  const cases: [string, (s: Setup, tx: Encoded<'tx'>) => Promise<Encoded<'tx'>>, RegExp][] = [
    [
      'signed by a third key instead of the peer',
      async (_s, tx) => withSignatures(tx, [await signatureOf(devnode.accounts[9]!.secretKey, tx, devnode.networkId)]),
      /lacks a valid signature of the peer/,
    ],
    [
      "carrying the peer's signature for another network id",
      async (s, tx) => withSignatures(tx, [await signatureOf(s.initiatorKey, tx, 'ae_mainnet')]),
      /lacks a valid signature of the peer/,
    ],
    // (no signature: the fsm counts signatures and refuses that one itself)
    ['carrying no signature', async (_s, tx) => withSignatures(tx, []), /signature/],
  ];
  it.each(cases)('refuses an update_ack %s: no signature, a security event, state unchanged', async (_name, forge, reason) => {
    const s = await open(0, 1);
    const rewrite = replaceTx('channels.sign.update_ack', 'signed_tx', (tx) => forge(s, tx));
    s.tamper.responder.set(rewrite);
    const error = await s.initiator.transfer(s.responderId, 10n).catch((e: unknown) => e);
    expect(rewrite.done).toBe(true);
    expect(isAechannelError(error)).toBe(true); // the node voided the round (conflict)
    expect(signCalls(s.responderSigner, 'update_ack')).toBe(0);
    expect(s.security.responder).toEqual([expect.objectContaining({ type: 'security', tag: 'update_ack', reason: expect.stringMatching(reason) })]);
    expectUnchanged(s);
    // The channel keeps working once the node stops lying.
    s.tamper.responder.set(null);
    const ok = await s.initiator.transfer(s.responderId, 10n);
    expect(ok.round).toBe(2n);
    expect(signCalls(s.responderSigner, 'update_ack')).toBe(1);
    dispose(s);
  });

  it("accepts the peer's signature in hash mode (§3.1)", async () => {
    const s = await open(2, 3);
    // hash mode: sign blake2b(inner) instead of the inner bytes
    const { hashSigningPayload } = await import('@aechannel/codec');
    const peer = memorySigner(s.initiatorKey as never);
    s.tamper.responder.set(
      replaceTx('channels.sign.update_ack', 'signed_tx', async (tx) => {
        const signature = await peer.signBytes(hashSigningPayload(decodeSignedTx(tx).innerBytes, devnode.networkId));
        return withSignatures(tx, [signature]);
      }),
    );
    const result = await s.initiator.transfer(s.responderId, 10n);
    expect(result.round).toBe(2n);
    expect(signCalls(s.responderSigner, 'update_ack')).toBe(1);
    expect(s.security.responder).toEqual([]);
    dispose(s);
  });
});

describe('a state the node reports as co-signed (channels.update)', () => {
  const cases: [string, (s: Setup, tx: Encoded<'tx'>) => Promise<Encoded<'tx'>>][] = [
    ['signed only by us (our signature twice)', async (s, tx) => {
      const ours = await signatureOf(s.initiatorKey, tx, devnode.networkId);
      return withSignatures(tx, [ours, ours]);
    }],
    ['signed only by us (one signature)', async (s, tx) => withSignatures(tx, [await signatureOf(s.initiatorKey, tx, devnode.networkId)])],
    ['with a forged peer signature', async (s, tx) => {
      const ours = await signatureOf(s.initiatorKey, tx, devnode.networkId);
      const forged = Uint8Array.from(await signatureOf(s.responderKey, tx, devnode.networkId));
      forged[7]! ^= 0x01;
      return withSignatures(tx, [ours, forged]);
    }],
  ];
  it.each(cases)('does not adopt a state %s: a security event, and the node’s genuine state is fetched, verified and adopted instead', async (_name, forge) => {
    const s = await open(4, 5);
    let forgedTx: Encoded<'tx'> | undefined;
    const rewrite = replaceTx('channels.update', 'state', async (tx) => (forgedTx = await forge(s, tx)));
    s.tamper.initiator.set(rewrite);
    const stateChanged: ChannelClientEvent[] = [];
    s.initiator.on('stateChanged', (e) => stateChanged.push(e));
    const security = new Promise<ChannelClientEvent>((resolve) => s.initiator.once('security', resolve));
    // the transfer settles: the client catches up from the node's own copy of the state (issue 11)
    const result = await s.initiator.transfer(s.responderId, 10n, { timeoutMs: 5_000 });
    const event = await security;
    expect(rewrite.done).toBe(true);
    // (one signature only: the fsm counts signatures and refuses that one itself)
    expect(event).toMatchObject({ type: 'security', tag: null, details: expect.objectContaining({ round: 2n }) });
    expect(result.round).toBe(2n);
    expect(result.state).not.toBe(forgedTx);
    expect(stateChanged).toEqual([expect.objectContaining({ round: 2n, state: result.state })]);
    expect((await verifyTransaction(result.state, { networkId: devnode.networkId, signers: [s.initiatorId, s.responderId] })).valid).toBe(true);
    const stored = await s.initiatorStore.read(s.initiator.channelId!);
    expect(stored).toContain(result.state);
    expect(stored).not.toContain(forgedTx);
    expect(signCalls(s.initiatorSigner, 'update')).toBe(1); // our own proposal, nothing after the forged state
    expect(s.initiatorSigner.calls).toHaveLength(2); // create + that update
    dispose(s);
  });

  it('completes a leave whose reported state carries a forged peer signature, without adopting that state', async () => {
    const s = await open(8, 9);
    const stored = await s.initiatorStore.read(s.initiator.channelId!);
    let forgedTx: Encoded<'tx'> | undefined;
    const rewrite = replaceTx('channels.leave', 'state', async (tx) => {
      const ours = await signatureOf(s.initiatorKey, tx, devnode.networkId);
      const forged = Uint8Array.from(await signatureOf(s.responderKey, tx, devnode.networkId));
      forged[3]! ^= 0x40;
      forgedTx = withSignatures(tx, [ours, forged]);
      return forgedTx;
    });
    s.tamper.initiator.set(rewrite);
    const security = new Promise<ChannelClientEvent>((resolve) => s.initiator.once('security', resolve));
    const left = await s.initiator.leave();
    expect(rewrite.done).toBe(true);
    expect(await security).toMatchObject({ type: 'security' });
    expect(left.state).not.toBe(forgedTx);
    expect(s.initiator.round).toBe(1n);
    expect(await s.initiatorStore.read(s.initiator.channelId!)).toBe(stored);
    dispose(s);
  });

  it('adopts the genuine co-signed state (both signatures verified)', async () => {
    const s = await open(6, 7);
    const result = await s.initiator.transfer(s.responderId, 10n);
    expect(result.round).toBe(2n);
    expect(s.security.initiator).toEqual([]);
    expect(s.security.responder).toEqual([]);
    expect(await s.initiatorStore.read(s.initiator.channelId!)).toContain(result.state);
    dispose(s);
  });
});
