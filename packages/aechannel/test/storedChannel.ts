/**
 * Test setup for stored channel records: a channel stopped at round 2 with its record in a
 * given store, and the check that a record which does not prove itself is refused before
 * any connection is made.
 */
import { isAechannelError, type Encoded } from '@aechannel/codec';
import type { Devnode } from '@aechannel/devnode';
import { memorySigner } from '@aechannel/signer';
import { expect } from 'vitest';
import { Channel, type TransportFactory } from '../src/Channel.js';
import type { Store } from '../src/Store.js';
import { smallChannelOptions } from './helpers.js';

/** A channel whose initiator stopped after one transfer (round 2); the responder's side keeps running. */
export interface StoppedChannel {
  channelId: Encoded<'ch'>;
  initiatorKey: string;
  responder: Channel;
  /** Connections made through `factory` (reset to 0 when the initiator stopped). */
  connects: { count: number };
  /** The devnode's in-process transport, counting connections. */
  factory: TransportFactory;
}

/**
 * Opens a channel between `devnode.accounts[i]` (initiator, writing its record to `store`)
 * and `devnode.accounts[r]` (responder, kept running), transfers 1000 to the responder and
 * disconnects the initiator.
 */
export async function stoppedChannel(devnode: Devnode, i: number, r: number, store: Store): Promise<StoppedChannel> {
  const a = devnode.accounts[i]!;
  const b = devnode.accounts[r]!;
  const connects = { count: 0 };
  const factory: TransportFactory = (url) => {
    connects.count += 1;
    return devnode.connect(url);
  };
  const common = { ...smallChannelOptions(devnode, i, r, 10n ** 18n), transport: factory };
  const [initiator, responder] = await Promise.all([
    Channel.open({ ...common, role: 'initiator', host: 'localhost', signer: memorySigner(a.secretKey), store, reconnect: false }),
    Channel.open({ ...common, role: 'responder', signer: memorySigner(b.secretKey), keepRunning: true }),
  ]);
  await initiator.transfer(b.address, 1000n);
  const channelId = initiator.channelId!;
  await initiator.disconnect();
  connects.count = 0;
  return { channelId, initiatorKey: a.secretKey, responder, connects, factory };
}

/** Reestablishes the stopped channel's initiator from `store`. */
export function resumeFrom(s: StoppedChannel, store: Store): Promise<Channel> {
  return Channel.reestablish({ store, channelId: s.channelId, signer: memorySigner(s.initiatorKey as never), transport: s.factory, host: 'localhost', timeoutMs: 10_000, reconnect: false });
}

/** Expects reestablishing from `store` to fail with `CHANNEL_STORE_CORRUPT` (its reason matching `reason`) before any connection. */
export async function expectStoreCorrupt(s: StoppedChannel, store: Store, reason: RegExp): Promise<void> {
  const error = await resumeFrom(s, store).then(
    (channel) => {
      channel.dispose();
      return new Error(`resumed at round ${channel.round} with ${JSON.stringify(channel.localBalances, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
    },
    (e: unknown) => e,
  );
  expect(isAechannelError(error, 'CHANNEL_STORE_CORRUPT'), String(error)).toBe(true);
  expect((error as { context: { key: string; reason: string } }).context).toMatchObject({ key: s.channelId, reason: expect.stringMatching(reason) });
  expect(s.connects.count).toBe(0); // never used: no connection was made with it
}
