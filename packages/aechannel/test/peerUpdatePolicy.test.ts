/**
 * The default `onPeerUpdate` policy: a peer proposal that pays out of this participant's
 * balance (the peer's `transfer(self, x, { from: us })`) is refused unless the application's
 * policy accepts it; incoming funds and the peer moving its own funds are accepted. A refusal
 * is the abort the node expects (§9.6: the peer sees a conflict with code 4), no signature,
 * and a `peerUpdateRefused` event that says why.
 */
import { isAechannelError, type Encoded } from '@aechannel/codec';
import { startDevnode, type Devnode } from '@aechannel/devnode';
import type { TestSigner } from '@aechannel/signer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Channel, type ChannelClientEvent, type OpenChannelOptions, type PeerUpdateRequest } from '../src/Channel.js';
import { createMemoryStore, type MemoryStore } from '../src/createMemoryStore.js';
import { defaultPeerUpdatePolicy, peerUpdateRefusal } from '../src/peerUpdatePolicy.js';
import { AE, until } from './helpers.js';
import { openTampered } from './tampering.js';

let devnode: Devnode;
beforeAll(async () => {
  devnode = await startDevnode({ listen: false });
});
afterAll(async () => {
  await devnode.stop();
});

interface Setup {
  initiator: Channel;
  responder: Channel;
  initiatorId: Encoded<'ak'>;
  responderId: Encoded<'ak'>;
  initiatorSigner: TestSigner;
  responderSigner: TestSigner;
  initiatorStore: MemoryStore;
  events: { initiator: ChannelClientEvent[]; responder: ChannelClientEvent[] };
}

async function open(i: number, r: number, extra: { initiator?: Partial<OpenChannelOptions>; responder?: Partial<OpenChannelOptions> } = {}): Promise<Setup> {
  const initiatorStore = createMemoryStore();
  const s = await openTampered(devnode, i, r, { ...extra, amount: AE, initiator: { store: initiatorStore, ...extra.initiator } });
  return {
    initiator: s.initiator,
    responder: s.responder,
    initiatorId: s.initiatorId,
    responderId: s.responderId,
    initiatorSigner: s.signers.initiator,
    responderSigner: s.signers.responder,
    initiatorStore,
    events: s.events,
  };
}

const signCalls = (signer: TestSigner, kind: string): number => signer.calls.filter((c) => c.context?.kind === kind).length;
const refusals = (events: ChannelClientEvent[]) => events.filter((e) => e.type === 'peerUpdateRefused');


function dispose(s: Setup): void {
  s.initiator.dispose();
  s.responder.dispose();
}

describe('the default onPeerUpdate policy', () => {
  it("refuses the peer's transfer(self, 10^18 - 1, { from: us }): abort code 4, no signature, a clear event, nothing changes", async () => {
    const s = await open(0, 1);
    const stored = await s.initiatorStore.read(s.initiator.channelId!);
    const error = await s.responder.transfer(s.responderId, AE - 1n, { from: s.initiatorId }).catch((e: unknown) => e);
    expect(isAechannelError(error, 'CHANNEL_CONFLICT')).toBe(true);
    expect((error as { context: { conflictCode: bigint } }).context.conflictCode).toBe(4n);
    expect(signCalls(s.initiatorSigner, 'update_ack')).toBe(0);
    expect(refusals(s.events.initiator)).toEqual([
      expect.objectContaining({ tag: 'update_ack', code: null, policy: 'default', reason: expect.stringMatching(/pay 999999999999999999 aettos out of this participant's balance.*did not start/) }),
    ]);
    for (const channel of [s.initiator, s.responder]) {
      expect(channel.round).toBe(1n);
      expect(channel.localBalances).toEqual({ [s.initiatorId]: AE, [s.responderId]: AE });
    }
    expect(await s.initiatorStore.read(s.initiator.channelId!)).toBe(stored);
    // The channel goes on: the initiator pays on its own initiative.
    expect((await s.initiator.transfer(s.responderId, 10n)).round).toBe(2n);
    dispose(s);
  });

  it('accepts incoming funds and the peer moving its own funds (deposit, withdrawal)', async () => {
    const s = await open(2, 3);
    await s.responder.transfer(s.initiatorId, 25n);
    await until(() => s.initiator.round === 2n);
    expect(s.initiator.localBalances).toEqual({ [s.initiatorId]: AE + 25n, [s.responderId]: AE - 25n });
    // the peer asks us to pay nothing: our balance does not go down
    await s.responder.transfer(s.responderId, 0n, { from: s.initiatorId });
    await s.responder.deposit(100n);
    await s.responder.withdraw(50n);
    await until(() => s.initiator.round === 5n);
    expect(s.initiator.localBalances).toEqual({ [s.initiatorId]: AE + 25n, [s.responderId]: AE - 25n + 50n });
    expect(refusals(s.events.initiator)).toEqual([]);
    expect(signCalls(s.initiatorSigner, 'update_ack')).toBe(2);
    expect(signCalls(s.initiatorSigner, 'deposit_ack')).toBe(1);
    expect(signCalls(s.initiatorSigner, 'withdraw_ack')).toBe(1);
    dispose(s);
  });

  it('applies to the responder as well (the initiator requests coins from it)', async () => {
    const s = await open(4, 5);
    const error = await s.initiator.transfer(s.initiatorId, 10n, { from: s.responderId }).catch((e: unknown) => e);
    expect(isAechannelError(error, 'CHANNEL_CONFLICT')).toBe(true);
    expect(signCalls(s.responderSigner, 'update_ack')).toBe(0);
    expect(refusals(s.events.responder)).toHaveLength(1);
    expect(s.responder.round).toBe(1n);
    dispose(s);
  });

  it("is widened by the application's own policy (here: requests up to 100 aettos)", async () => {
    const seen: PeerUpdateRequest[] = [];
    const s = await open(6, 7, {
      initiator: {
        onPeerUpdate: (request) => {
          seen.push(request);
          const paid = request.balances[request.address]! - (request.nextBalances?.[request.address] ?? 0n);
          return paid <= 100n || defaultPeerUpdatePolicy(request);
        },
      },
    });
    const ok = await s.responder.transfer(s.responderId, 60n, { from: s.initiatorId });
    expect(ok.round).toBe(2n);
    await until(() => s.initiator.round === 2n);
    expect(s.initiator.localBalances[s.initiatorId]).toBe(AE - 60n);
    expect(seen[0]).toMatchObject({ tag: 'update_ack', address: s.initiatorId, round: 1n, nextBalances: { [s.initiatorId]: AE - 60n, [s.responderId]: AE + 60n } });
    const error = await s.responder.transfer(s.responderId, 101n, { from: s.initiatorId }).catch((e: unknown) => e);
    expect(isAechannelError(error, 'CHANNEL_CONFLICT')).toBe(true);
    expect(refusals(s.events.initiator)).toEqual([expect.objectContaining({ policy: 'application' })]);
    expect(s.initiator.round).toBe(2n);
    dispose(s);
  });
});

describe('peerUpdateRefusal (the default policy, pure)', () => {
  const us = 'ak_2MJU325LQVfAu36vjGvdVpVgiCDbjRsMAjHZc7ahzuLZHTjWYS' as Encoded<'ak'>;
  const peer = 'ak_cU4JbcvVzqCtttniEVwvN1z6P7s4vgtTCjfDYfF1kbh7gCs7W' as Encoded<'ak'>;
  const request = (tag: PeerUpdateRequest['tag'], next: Record<Encoded<'ak'>, bigint> | null): PeerUpdateRequest =>
    ({ tag, tx: 'tx_', decoded: {}, updates: [], reason: 'test', round: 3n, balances: { [us]: 100n, [peer]: 100n }, address: us, nextBalances: next }) as unknown as PeerUpdateRequest;

  it('refuses a withdrawal or deposit proposed by the peer that moves our funds', () => {
    expect(peerUpdateRefusal(request('withdraw_ack', { [us]: 90n, [peer]: 100n }))).toMatch(/withdrawal.*pay 10 aettos out of this participant's balance/);
    expect(peerUpdateRefusal(request('deposit_ack', { [us]: 99n, [peer]: 101n }))).toMatch(/deposit.*pay 1 aettos/);
    expect(defaultPeerUpdatePolicy(request('withdraw_ack', { [us]: 90n, [peer]: 100n }))).toBe(false);
  });

  it('accepts what leaves our balance as it is or raises it', () => {
    expect(peerUpdateRefusal(request('update_ack', { [us]: 150n, [peer]: 50n }))).toBeNull();
    expect(peerUpdateRefusal(request('deposit_ack', { [us]: 100n, [peer]: 200n }))).toBeNull();
    expect(peerUpdateRefusal(request('withdraw_ack', { [us]: 100n, [peer]: 50n }))).toBeNull();
    expect(defaultPeerUpdatePolicy(request('update_ack', { [us]: 150n, [peer]: 50n }))).toBe(true);
  });

  it("accepts a peer's mutual close (its fee is bounded by maxFee, checked before the policy runs)", () => {
    expect(peerUpdateRefusal(request('shutdown_sign_ack', null))).toBeNull();
  });

  it('refuses a state-changing proposal whose effect on our balance is unknown', () => {
    expect(peerUpdateRefusal(request('update_ack', null))).toMatch(/unknown/);
    expect(peerUpdateRefusal(request('update_ack', { [peer]: 300n }))).toMatch(/unknown/);
  });
});
