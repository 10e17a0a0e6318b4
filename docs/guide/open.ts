// open.ts — open a channel and look at it.
import { AE, openChannels } from './setup.js';

const { devnode, alice, bob, initiator, responder } = await openChannels();

// Both promises resolved: the create tx is co-signed, on chain and confirmed.
console.log(`status: ${initiator.status} / ${responder.status}`);
console.log(`round: ${initiator.round}`); // the create tx is round 1
console.log(`same channel id on both sides: ${initiator.channelId === responder.channelId}`);

// Balances of the latest co-signed state, held locally (no request to the node)...
const local = initiator.localBalances;
console.log(`alice: ${local[alice.address]! / AE} AE, bob: ${local[bob.address]! / AE} AE`);
// ...and as the node reports them (channels.get.balances).
const atNode = await responder.balances();
console.log(`the node agrees: ${atNode[alice.address] === local[alice.address] && atNode[bob.address] === local[bob.address]}`);

// dispose() frees the client at once without telling the node (see "Leave" for a clean exit).
initiator.dispose();
responder.dispose();
await devnode.stop();
