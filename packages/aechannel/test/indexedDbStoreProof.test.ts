/**
 * A channel on the IndexedDB store (fake-indexeddb in Node; the same in headless Chromium
 * in `packages/browser-tests`): a record that does not prove itself is refused exactly as
 * a file-store record is (`Channel.reestablish` applies `verifyChannelRecord` to whatever a
 * store returns), an entry damaged in storage fails its checksum, and the genuine record
 * resumes the channel at the latest co-signed state, which then continues and closes.
 */
import type { Encoded } from '@aechannel/codec';
import { startDevnode, type Devnode } from '@aechannel/devnode';
import { IDBFactory } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeChannelRecord, encodeChannelRecord } from '../src/channelRecord.js';
import { createIndexedDbStore, type IndexedDbStore } from '../src/createIndexedDbStore.js';
import { expectStoreCorrupt, resumeFrom, stoppedChannel } from './storedChannel.js';
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
    const s = await stoppedChannel(devnode, 0, 1, store);
    const { channelId, responder } = s;
    store.close(); // the page goes away
    const genuine = (await createIndexedDbStore({ indexedDB: factory }).read(channelId))!;
    expect(decodeChannelRecord(genuine).channel.round).toBe(2n);

    const refused = (reason: RegExp): Promise<void> => expectStoreCorrupt(s, createIndexedDbStore({ indexedDB: factory }), reason);

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
    const resumed = await resumeFrom(s, createIndexedDbStore({ indexedDB: factory }));
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
