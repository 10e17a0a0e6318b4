/**
 * A channel record proves itself on load (issue 11): a file-store record edited with a
 * recomputed checksum (raised balances or round, forged signatures on the latest state, a
 * changed network id or channel id) is `CHANNEL_STORE_CORRUPT` and never used (no
 * connection is made); the genuine record resumes and matches the node.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSignedTx, computeChannelId, decodeSignedTx, isAechannelError, type Encoded } from '@aechannel/codec';
import { startDevnode, type Devnode } from '@aechannel/devnode';
import type { PersistedChannel } from '@aechannel/fsm';
import { memorySigner } from '@aechannel/signer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Channel } from '../src/Channel.js';
import { decodeChannelRecord, encodeChannelRecord } from '../src/channelRecord.js';
import { createFileStore } from '../src/createFileStore.js';
import type { Store } from '../src/Store.js';
import { expectStoreCorrupt, resumeFrom, stoppedChannel, type StoppedChannel } from './storedChannel.js';

let devnode: Devnode;
let dir: string;
beforeAll(async () => {
  devnode = await startDevnode({ listen: false, accounts: 24 });
  dir = await mkdtemp(join(tmpdir(), 'aechannel-proof-'));
});
afterAll(async () => {
  await devnode.stop();
  await rm(dir, { recursive: true, force: true });
});

interface Setup extends StoppedChannel {
  store: Store;
  genuine: string;
}

let next = 0;
/** A channel at round 2 whose initiator stopped (its node fsm keeps running); its record in a file store. */
async function stopped(): Promise<Setup> {
  const index = next;
  next += 2;
  const store = createFileStore(join(dir, `c${index}`), { fsync: false });
  const s = await stoppedChannel(devnode, index, index + 1, store);
  const genuine = (await store.read(s.channelId))!;
  return { ...s, store, genuine };
}

/** Rewrites the stored record (the file store recomputes its checksum on write). */
async function forge(s: Setup, change: (channel: PersistedChannel) => PersistedChannel | Promise<PersistedChannel>): Promise<void> {
  const record = decodeChannelRecord(s.genuine);
  await s.store.write(s.channelId, encodeChannelRecord({ ...record, channel: await change(structuredClone(record.channel)) }));
}

const resume = (s: Setup) => resumeFrom(s, s.store);
const expectCorrupt = (s: Setup, reason: RegExp) => expectStoreCorrupt(s, s.store, reason);

const other = (channel: PersistedChannel): Encoded<'ak'> => (channel.options.role === 'initiator' ? channel.options.responderId : (channel.options.initiatorId as Encoded<'ak'>));
const self = (channel: PersistedChannel): Encoded<'ak'> => (channel.options.role === 'initiator' ? (channel.options.initiatorId as Encoded<'ak'>) : channel.options.responderId);

describe('a store record that does not prove itself is CHANNEL_STORE_CORRUPT', () => {
  it('raised balances (checksum recomputed)', async () => {
    const s = await stopped();
    await forge(s, (c) => ({ ...c, balances: { ...c.balances, [self(c)]: c.balances[self(c)]! + 10n ** 17n, [other(c)]: c.balances[other(c)]! - 10n ** 17n } }));
    await expectCorrupt(s, /state hash/);
    s.responder.dispose();
  });

  it('a raised round', async () => {
    const s = await stopped();
    await forge(s, (c) => ({ ...c, round: c.round + 5n }));
    await expectCorrupt(s, /round/);
    s.responder.dispose();
  });

  it("forged signatures on the latest state (the peer's replaced by a third key's)", async () => {
    const s = await stopped();
    await forge(s, async (c) => {
      const { innerBytes, signatures } = decodeSignedTx(c.latestState!);
      const unsigned = buildSignedTx(innerBytes, []);
      const ours = decodeSignedTx(await memorySigner(s.initiatorKey as never).signTransaction(unsigned, { networkId: c.options.networkId })).signatures[0]!;
      const third = decodeSignedTx(await memorySigner(devnode.accounts[23]!.secretKey).signTransaction(unsigned, { networkId: c.options.networkId })).signatures[0]!;
      expect(signatures).toHaveLength(2);
      return { ...c, latestState: buildSignedTx(innerBytes, [ours, third]) };
    });
    await expectCorrupt(s, /signature/);
    s.responder.dispose();
  });

  it('a signature with one bit flipped', async () => {
    const s = await stopped();
    await forge(s, (c) => {
      const { innerBytes, signatures } = decodeSignedTx(c.latestState!);
      const flipped = Uint8Array.from(signatures[0]!);
      flipped[10]! ^= 0x01;
      return { ...c, latestState: buildSignedTx(innerBytes, [flipped, signatures[1]!]) };
    });
    await expectCorrupt(s, /signature/);
    s.responder.dispose();
  });

  it('a changed network id', async () => {
    const s = await stopped();
    await forge(s, (c) => ({ ...c, options: { ...c.options, networkId: 'ae_mainnet' } }));
    await expectCorrupt(s, /signature/);
    s.responder.dispose();
  });

  it('another channel id (record and key of another channel)', async () => {
    const s = await stopped();
    const id = computeChannelId(self(decodeChannelRecord(s.genuine).channel), 12345n, other(decodeChannelRecord(s.genuine).channel));
    await forge(s, (c) => ({ ...c, channelId: id }));
    const record = decodeChannelRecord((await s.store.read(s.channelId))!);
    await s.store.write(id, encodeChannelRecord(record));
    const error = await Channel.reestablish({ store: s.store, channelId: id, signer: memorySigner(s.initiatorKey as never), transport: s.factory, host: 'localhost', timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(isAechannelError(error, 'CHANNEL_STORE_CORRUPT')).toBe(true);
    expect((error as { context: { reason: string } }).context.reason).toMatch(/channel id/);
    expect(s.connects.count).toBe(0);
    s.responder.dispose();
  });

  it('balances naming a third account', async () => {
    const s = await stopped();
    await forge(s, (c) => ({ ...c, balances: { ...c.balances, [devnode.accounts[23]!.address]: 1n } }));
    await expectCorrupt(s, /balances/);
    s.responder.dispose();
  });

  it('an on-chain round above the round of the latest state', async () => {
    const s = await stopped();
    await forge(s, (c) => ({ ...c, onChainRound: c.round + 1n }));
    await expectCorrupt(s, /on-chain round/);
    s.responder.dispose();
  });

  it('a snapshot given as `saved` is held to the same proof', async () => {
    const s = await stopped();
    const saved = decodeChannelRecord(s.genuine).channel;
    const error = await Channel.reconnect({ saved: { ...saved, round: saved.round + 1n }, channelId: s.channelId, signer: memorySigner(s.initiatorKey as never), transport: s.factory, host: 'localhost' }).catch((e: unknown) => e);
    expect(isAechannelError(error, 'CHANNEL_STORE_CORRUPT')).toBe(true);
    expect(s.connects.count).toBe(0);
    s.responder.dispose();
  });
});

describe('the genuine record', () => {
  it('resumes and matches the node', async () => {
    const s = await stopped();
    const channel = await resume(s);
    expect(channel.round).toBe(2n);
    expect(channel.localBalances).toEqual(s.responder.localBalances);
    expect(channel.latestState).toBe(s.responder.latestState);
    expect((await channel.transfer(other(channel.persisted), 1n)).round).toBe(3n);
    channel.dispose();
    s.responder.dispose();
  });
});
