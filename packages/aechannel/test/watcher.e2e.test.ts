/**
 * The watcher on the devnode: the peer posts a solo close carrying an *old* co-signed
 * state (one that pays it more). The node reports `can_slash` (PROTOCOL.md §9.11); the
 * client slashes with its latest co-signed state, settles once the lock period is over,
 * and ends with the balance of the latest co-signed state on chain.
 */
import { buildPoi, buildSignedTx, decode, decodeSignedTx, fixFee, packTx, Tag, unpackTx, type ChannelCloseSoloTx, type Encoded } from '@aechannel/codec';
import { memorySigner } from '@aechannel/signer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Devnode } from '@aechannel/devnode';
import { AE, nextEvent, openPair, startTestDevnode, synced, until } from './helpers.js';

let devnode: Devnode;
beforeAll(async () => {
  devnode = await startTestDevnode();
});
afterAll(async () => {
  await devnode.stop();
});

/** The cheating peer builds, signs and posts a close solo with an old co-signed state. */
async function postStaleCloseSolo(
  channelId: Encoded<'ch'>,
  cheater: { address: Encoded<'ak'>; secretKey: Encoded<'sk'> },
  oldState: Encoded<'tx'>,
  oldBalances: Record<Encoded<'ak'>, bigint>,
): Promise<bigint> {
  const nonce = (devnode.chain.getAccount(cheater.address)?.nonce ?? 0n) + 1n;
  const tx: ChannelCloseSoloTx = fixFee({
    tag: Tag.ChannelCloseSoloTx,
    version: 1,
    channelId,
    fromId: cheater.address,
    payload: decode(oldState, 'tx'),
    poi: decode(buildPoi(oldBalances, Object.keys(oldBalances) as Encoded<'ak'>[]), 'pi'),
    ttl: 0n,
    fee: 0n,
    nonce,
  });
  const unsigned = buildSignedTx(decode(packTx(tx), 'tx'), []);
  const signed = await memorySigner(cheater.secretKey).signTransaction(unsigned, { networkId: devnode.networkId });
  await devnode.chain.post(signed);
  return tx.fee;
}

/** The fee of a signed channel tx. */
function feeOf(tx: Encoded<'tx'>): bigint {
  const outer = unpackTx(tx);
  const inner = outer.tag === Tag.SignedTx ? outer.encodedTx : outer;
  if (!('fee' in inner)) throw new Error('no fee');
  return inner.fee;
}

describe('watcher', () => {
  it('slashes a stale solo close and settles with the latest co-signed balances', async () => {
    const lockPeriod = 4n;
    const pair = await openPair(devnode, { lockPeriod, responder: { watcher: false } });
    const { initiator, responder, initiatorId, responderId } = pair;
    const cheater = devnode.accounts[1]!;

    // round 2 pays the responder 1 AE: the state the cheater will want
    await initiator.transfer(responderId, AE);
    await synced(pair);
    const oldState = responder.latestState!;
    const oldBalances = responder.localBalances;
    // rounds 3 and 4 move 3 AE back to the initiator
    await responder.transfer(initiatorId, 2n * AE);
    await responder.transfer(initiatorId, AE);
    await synced(pair);
    expect(initiator.round).toBe(4n);
    const latest = initiator.localBalances;
    expect(latest).toEqual({ [initiatorId]: 12n * AE, [responderId]: 8n * AE });

    const events: string[] = [];
    initiator.on('*', (e) => {
      if (e.type.startsWith('watcher') || (e.type === 'onChainTx' && e.info !== 'channel_changed')) {
        events.push(e.type === 'onChainTx' ? `onChainTx:${e.info}:${e.txType}` : e.type);
      }
    });
    const chainBefore = { i: devnode.chain.getBalance(initiatorId), r: devnode.chain.getBalance(responderId) };
    const slashed = nextEvent(initiator, 'watcherSlashed');
    const settling = nextEvent(initiator, 'watcherSettling');
    const settled = nextEvent(initiator, 'watcherSettled');

    const closeSoloFee = await postStaleCloseSolo(initiator.channelId!, cheater, oldState, oldBalances);

    const slash = await slashed;
    expect(slash.tx.startsWith('tx_')).toBe(true);
    // the node posts the slash once it has our signature (the call resolves on the node's "ok")
    await until(() => devnode.chain.getChannel(initiator.channelId!)?.soloRound === 4n);
    const settle = await settling;
    const closed = initiator.waitForStatus('closed', { timeoutMs: 10_000 });
    // the node posts the settle once the lock period is over (mine up to it if needed)
    const channel = devnode.chain.getChannel(initiator.channelId!)!;
    if (channel.closedAt === undefined && channel.lockedUntil >= devnode.chain.height) {
      devnode.chain.mine(Number(channel.lockedUntil - devnode.chain.height) + 1);
    }
    await settled;
    expect(devnode.chain.getChannel(initiator.channelId!)!.closedAt).toBeGreaterThan(channel.lockedUntil);
    await closed;

    // what the chain reported, in order (instant blocks: a report may precede the promise of the call that caused it)
    expect(events.filter((e) => e.startsWith('onChainTx'))).toEqual([
      'onChainTx:can_slash:channel_offchain_tx',
      'onChainTx:solo_closing:channel_slash_tx',
      'onChainTx:channel_closed:channel_settle_tx',
    ]);
    // what the watcher did, in order
    expect(events.filter((e) => e.startsWith('watcher'))).toEqual(['watcherSlashed', 'watcherSettling', 'watcherSettled']);
    expect(events.indexOf('watcherSlashed')).toBeGreaterThan(events.indexOf('onChainTx:can_slash:channel_offchain_tx'));
    const gainI = devnode.chain.getBalance(initiatorId) - chainBefore.i;
    const gainR = devnode.chain.getBalance(responderId) - chainBefore.r;
    // each side ends with its balance of the latest co-signed state, minus the fees it paid:
    // the cheater its close solo, the client its slash and its settle
    expect(gainR).toBe(latest[responderId]! - closeSoloFee);
    expect(gainI).toBe(latest[initiatorId]! - feeOf(slash.tx) - feeOf(settle.tx));
    responder.dispose();
  });

  it('an explicit settle() after a watcher settled resolves with the settle that closed the channel (issue 16)', async () => {
    // default watchers on both sides: whichever settles first closes the channel
    const pair = await openPair(devnode, { accounts: [4, 5], lockPeriod: 3n });
    const { initiator, responder, responderId } = pair;
    await initiator.transfer(responderId, AE);
    await synced(pair);
    const settledOnChain = nextEvent(initiator, 'onChainTx', (e) => e.info === 'channel_closed' && e.txType === 'channel_settle_tx');
    // the application closes solo and, after the lock period, settles by hand as it would without a watcher
    await initiator.closeSolo();
    await initiator.waitForStatus('closing', { timeoutMs: 10_000 });
    devnode.chain.mine(5);
    const { tx } = await settledOnChain;
    await initiator.waitForStatus('closed', { timeoutMs: 10_000 });
    await expect(initiator.settle()).resolves.toEqual({ tx });
    await until(() => initiator.finished);
    await expect(initiator.settle()).resolves.toEqual({ tx });
    responder.dispose();
  });

  it('an explicit settle() while the watcher settles joins it: one settle, the same tx (issue 16)', async () => {
    const pair = await openPair(devnode, { accounts: [6, 7], lockPeriod: 3n, responder: { watcher: false } });
    const { initiator, responder, responderId } = pair;
    await initiator.transfer(responderId, AE);
    await synced(pair);
    const watcherSettling = nextEvent(initiator, 'watcherSettling');
    const settles: string[] = [];
    initiator.on('onChainTx', (e) => {
      if (e.txType === 'channel_settle_tx') settles.push(e.tx!);
    });
    await initiator.closeSolo();
    await initiator.waitForStatus('closing', { timeoutMs: 10_000 });
    const { tx: watcherTx } = await watcherSettling;
    const mine = initiator.settle();
    const withTimeout = initiator.settle({ timeoutMs: 10_000 });
    devnode.chain.mine(5);
    expect((await mine).tx).toBe(watcherTx);
    expect((await withTimeout).tx).toBe(watcherTx);
    await initiator.waitForStatus('closed', { timeoutMs: 10_000 });
    expect(new Set(settles.map((t) => decodeSignedTx(t as Encoded<'tx'>).innerBytes.join()))).toEqual(new Set([decodeSignedTx(watcherTx).innerBytes.join()]));
    responder.dispose();
  });

  it('does nothing when turned off: the stale close stands', async () => {
    const pair = await openPair(devnode, { accounts: [2, 3], lockPeriod: 3n, initiator: { watcher: false }, responder: { watcher: false } });
    const { initiator, responder, responderId } = pair;
    await initiator.transfer(responderId, AE);
    await synced(pair);
    const oldState = responder.latestState!;
    const oldBalances = responder.localBalances;
    await responder.transfer(pair.initiatorId, 3n * AE);
    const canSlash = nextEvent(initiator, 'onChainTx', (e) => e.info === 'can_slash');
    const watcherEvents: string[] = [];
    initiator.on('*', (e) => {
      if (e.type.startsWith('watcher')) watcherEvents.push(e.type);
    });
    await postStaleCloseSolo(initiator.channelId!, devnode.accounts[3]!, oldState, oldBalances);
    await canSlash;
    await new Promise((resolve) => setTimeout(resolve, 100));
    // nothing was posted after the stale close
    expect(watcherEvents).toEqual([]);
    expect(devnode.chain.getChannel(initiator.channelId!)?.soloRound).toBe(2n);
    initiator.dispose();
    responder.dispose();
  });
});
