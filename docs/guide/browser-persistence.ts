// browser-persistence.ts — keep the channel in IndexedDB, so a page reload continues it.
// In a page, createIndexedDbStore() uses the browser's own IndexedDB (`globalThis.indexedDB`);
// this run in Node hands it fake-indexeddb's instead, the one line a page leaves out.
import { indexedDB } from 'fake-indexeddb';
import { Channel, createIndexedDbStore } from 'aechannel';
import { memorySigner } from '@aechannel/signer';
import { AE, openChannels } from './setup.js';

// One database per participant (a page holds one; the default name is 'aechannel').
const { devnode, alice, bob, params, initiator, responder } = await openChannels({
  initiator: { store: createIndexedDbStore({ indexedDB, databaseName: 'alice' }) },
  responder: { store: createIndexedDbStore({ indexedDB, databaseName: 'bob' }) },
});
const channelId = initiator.channelId!;

// Each new co-signed state is written, and its IndexedDB transaction has completed, before
// the state is acknowledged.
await initiator.transfer(bob.address, AE);

// The page reloads: the old clients are gone without a word to the node...
initiator.dispose();
responder.dispose();

// ...and the new page continues from the latest co-signed state in IndexedDB. The record
// proves itself (both signatures, state hash) before it is used, as a file record does.
const [alice2, bob2] = await Promise.all([
  Channel.reestablish({ store: createIndexedDbStore({ indexedDB, databaseName: 'alice' }), channelId, signer: memorySigner(alice.secretKey), url: params.url }),
  Channel.reestablish({ store: createIndexedDbStore({ indexedDB, databaseName: 'bob' }), channelId, signer: memorySigner(bob.secretKey), url: params.url }),
]);
console.log(`after the reload: round ${alice2.round}; alice ${alice2.localBalances[alice.address]! / AE} AE`);
await bob2.transfer(alice.address, AE / 2n);
console.log(`round ${bob2.round}`);
alice2.dispose();
bob2.dispose();
await devnode.stop();
