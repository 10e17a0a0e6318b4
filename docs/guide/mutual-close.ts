// mutual-close.ts — close together: one on-chain tx pays both out.
import { AE, openChannels } from './setup.js';

const { devnode, alice, bob, initiator, responder } = await openChannels();
await initiator.transfer(bob.address, 2n * AE);
const chainBefore = { alice: devnode.chain.getBalance(alice.address), bob: devnode.chain.getBalance(bob.address) };

// Either side proposes, the other co-signs (its policy accepts a mutual close by default).
// `shutdown` resolves with the close tx once both signed; the channel is `closed` when the
// tx is confirmed on chain.
const { tx } = await responder.shutdown();
console.log(`close tx signed: ${tx.slice(0, 3)}…`);
await Promise.all([initiator.waitForStatus('closed'), responder.waitForStatus('closed')]);
console.log('both closed'); // then the node's FSMs end (status `died`) and the clients release everything

// The fee comes out of the channel, split between the two (PROTOCOL.md §5.5).
const gotAlice = devnode.chain.getBalance(alice.address) - chainBefore.alice;
const gotBob = devnode.chain.getBalance(bob.address) - chainBefore.bob;
console.log(`alice got ${gotAlice} aettos, bob got ${gotBob} aettos, fee ${20n * AE - gotAlice - gotBob}`);

await devnode.stop();
