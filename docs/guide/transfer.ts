// transfer.ts — move coins inside the channel, both ways.
import { AE, openChannels } from './setup.js';

const { devnode, alice, bob, initiator, responder } = await openChannels();

// Every co-signed state is also an event, on both sides; iterate over them as they come.
const bobsUpdates = responder.events({ types: ['stateChanged'] });

// Alice pays Bob 1 AE: the call resolves once both signed round 2 and it is stored.
const paid = await initiator.transfer(bob.address, AE);
console.log(`round ${paid.round}: alice ${paid.balances[alice.address]! / AE} AE, bob ${paid.balances[bob.address]! / AE} AE`);

const seen = await bobsUpdates.next();
if (!seen.done) console.log(`bob saw round ${seen.value.round}`);

// Bob pays back a quarter of it; amounts are exact bigints of aettos.
const back = await responder.transfer(alice.address, AE / 4n);
console.log(`round ${back.round}: alice ${back.balances[alice.address]} aettos`);

// Meta strings ride along with an update without changing the state hash.
await initiator.transfer(bob.address, 1n, { meta: ['invoice 42'] });
console.log(`round ${initiator.round}, bob has ${initiator.localBalances[bob.address]} aettos`);

await bobsUpdates.return?.();
initiator.dispose();
responder.dispose();
await devnode.stop();
