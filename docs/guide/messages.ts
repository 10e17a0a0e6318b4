// messages.ts — generic messages between the participants (not part of any state).
import { openChannels } from './setup.js';

const { devnode, alice, bob, initiator, responder } = await openChannels();

// A message arrives as a `message` event; `once` listens for the next one only.
const received = new Promise<string>((resolve) => responder.once('message', (event) => resolve(`${event.from === alice.address ? 'alice' : 'someone'} says: ${event.info}`)));
await initiator.sendMessage(bob.address, JSON.stringify({ kind: 'invoice', amount: '100' }));
console.log(await received);

// Ping the node (channels.system ping): resolves on the pong.
await responder.ping();
console.log('pong');

initiator.dispose();
responder.dispose();
await devnode.stop();
