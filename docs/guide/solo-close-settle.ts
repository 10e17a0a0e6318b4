// solo-close-settle.ts — close without the peer: post the latest state, wait out the lock
// period, settle.
import { AE, openChannels } from './setup.js';

// The watcher settles a solo close by itself once the lock period is over; it is told not
// to here, to show the explicit calls.
const { devnode, alice, bob, initiator, responder } = await openChannels({
  lockPeriod: 3n,
  initiator: { watcher: { settle: false } },
  responder: { watcher: { settle: false } },
});
await responder.transfer(alice.address, 2n * AE);
const chainBefore = { alice: devnode.chain.getBalance(alice.address), bob: devnode.chain.getBalance(bob.address) };

// Alice posts the latest co-signed state on chain (bob could be gone for good).
await initiator.closeSolo();
await Promise.all([initiator.waitForStatus('closing'), responder.waitForStatus('closing')]);
console.log(`closing: the chain holds round ${devnode.chain.getChannel(initiator.channelId!)!.round}`);

// Settle: alice signs now, the node posts it once the lock period (3 blocks) is over.
const closed = initiator.waitForStatus('closed');
await initiator.settle();
devnode.chain.mine(4); // the devnode's chain moves on demand; a real one takes ~3 minutes per block
await closed;
const gotAlice = devnode.chain.getBalance(alice.address) - chainBefore.alice;
console.log(`closed; alice got her 12 AE less ${12n * AE - gotAlice} aettos of fees (close solo and settle)`);
console.log(`bob got his ${(devnode.chain.getBalance(bob.address) - chainBefore.bob) / AE} AE without lifting a finger`);

initiator.dispose();
responder.dispose();
await devnode.stop();
