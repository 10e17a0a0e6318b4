/**
 * A channel on the IndexedDB store (fake-indexeddb in Node; the same in headless Chromium
 * in `packages/browser-tests`): a record that does not prove itself is refused exactly as
 * a file-store record is (`Channel.reestablish` applies `verifyChannelRecord` to whatever a
 * store returns), an entry damaged in storage fails its checksum, and the genuine record
 * resumes the channel at the latest co-signed state, which then continues and closes.
 */
import { isAechannelError, type Encoded } from '@aechannel/codec';
import { startDevnode, type Devnode } from '@aechannel/devnode';
import { memorySigner } from '@aechannel/signer';
import { IDBFactory } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Channel, type TransportFactory } from '../src/Channel.js';
import { decodeChannelRecord, encodeChannelRecord } from '../src/channelRecord.js';
import { createIndexedDbStore, type IndexedDbStore } from '../src/createIndexedDbStore.js';
import { freshPort } from './helpers.js';
import { rawIndexedDbRequest } from './rawIndexedDb.js';

let devnode: Devnode;
beforeAll(async () => {
  devnode = await startDevnode({ listen: false, accounts: 4 });
});
afterAll(async () => {
  await devnode.stop();
});

describe('a channel on the IndexedDB store', () => {
  it('refuses forged and damaged records without connecting, and resumes from the genuine one', async () => {
    const a = devnode.accounts[0]!;
    const b = devnode.accounts[1]!;
    const factory = new IDBFactory();
    const store: IndexedDbStore = createIndexedDbStore({ indexedDB: factory });
    const connects = { count: 0 };
    const transport: TransportFactory = (url) => {
      connects.count += 1;
      return devnode.connect(url);
    };
    const common = {
      networkId: devnode.networkId,
      initiatorId: a.address,
      responderId: b.address,
      initiatorAmount: 10n ** 18n,
      responderAmount: 10n ** 18n,
      channelReserve: 1n,
      lockPeriod: 3n,
      port: freshPort(),
      timeoutMs: 10_000,
      transport,
    } as const;
    const [initiator, responder] = await Promise.all([
      Channel.open({ ...common, role: 'initiator', host: 'localhost', signer: memorySigner(a.secretKey), store, reconnect: false }),
      Channel.open({ ...common, role: 'responder', signer: memorySigner(b.secretKey), keepRunning: true }),
    ]);
    await initiator.transfer(b.address, 1000n);
    const channelId = initiator.channelId!;
    await initiator.disconnect();
    store.close(); // the page goes away
    const genuine = (await createIndexedDbStore({ indexedDB: factory }).read(channelId))!;
    expect(decodeChannelRecord(genuine).channel.round).toBe(2n);

    const resume = (s: IndexedDbStore) =>
      Channel.reestablish({ store: s, channelId, signer: memorySigner(a.secretKey), transport, host: 'localhost', timeoutMs: 10_000, reconnect: false });
    const refused = async (reason: RegExp): Promise<void> => {
      connects.count = 0;
      const error = await resume(createIndexedDbStore({ indexedDB: factory })).then(
        (channel) => {
          channel.dispose();
          return new Error(`resumed at round ${channel.round}`);
        },
        (e: unknown) => e,
      );
      expect(isAechannelError(error, 'CHANNEL_STORE_CORRUPT'), String(error)).toBe(true);
      expect((error as { context: { reason: string } }).context.reason).toMatch(reason);
      expect(connects.count).toBe(0);
    };

    // Raised balances written through the store: the checksum is right, the record is a lie.
    const record = decodeChannelRecord(genuine);
    const forged = { ...record.channel, balances: { [a.address]: record.channel.balances[a.address]! + 500n, [b.address]: record.channel.balances[b.address]! - 500n } as Record<Encoded<'ak'>, bigint> };
    await createIndexedDbStore({ indexedDB: factory }).write(channelId, encodeChannelRecord({ ...record, channel: forged }));
    await refused(/state hash/);

    // A character changed in storage behind the store's back: the checksum catches it.
    const sealed = await sealedFor(factory, genuine, channelId);
    const damaged = sealed.replace('\\"round\\":2', '\\"round\\":3');
    expect(damaged).not.toBe(sealed);
    await putRaw(factory, channelId, damaged);
    await refused(/checksum/);

    // The genuine record resumes at the latest co-signed state and the channel goes on.
    await createIndexedDbStore({ indexedDB: factory }).write(channelId, genuine);
    const resumed = await resume(createIndexedDbStore({ indexedDB: factory }));
    expect(resumed.round).toBe(2n);
    expect(resumed.latestState).toBe(responder.latestState);
    expect((await resumed.transfer(b.address, 1n)).round).toBe(3n);
    await resumed.shutdown();
    await resumed.waitForStatus('closed');
    expect(devnode.chain.getChannel(channelId)?.closedAt).toBeDefined();
    resumed.dispose();
    responder.dispose();
  });
});

/** The envelope the store keeps for `value` (written through the store, read back raw). */
async function sealedFor(factory: IDBFactory, value: string, key: string): Promise<string> {
  await createIndexedDbStore({ indexedDB: factory }).write(key, value);
  return (await rawIndexedDbRequest(factory, 'readonly', (objects) => objects.get(key))) as string;
}

async function putRaw(factory: IDBFactory, key: string, stored: string): Promise<void> {
  await rawIndexedDbRequest(factory, 'readwrite', (objects) => objects.put(stored, key));
}
