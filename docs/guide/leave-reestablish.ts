// leave-reestablish.ts — leave a channel, come back later from the stored state.
import { Channel } from 'aechannel';
import { memorySigner } from '@aechannel/signer';
import { AE, openChannels } from './setup.js';

const { devnode, alice, bob, params, initiator, responder, aliceStore, bobStore } = await openChannels();
await initiator.transfer(bob.address, AE);
const channelId = initiator.channelId!;

// Leave: the nodes keep the state, the channel stays open on chain, nothing is paid out.
const { state } = await initiator.leave();
console.log(`alice left at round ${initiator.round} (status ${initiator.status}); state kept: ${state === initiator.latestState}`);
// The responder's node keeps its side running (keep_running) and waits for alice.
responder.dispose(); // here: bob's program stops too

// Later (another run of the programs): each side resumes from its own store. The store
// holds the latest co-signed state, the fsm id and the parameters, and the record must
// prove itself (both signatures, state hash) before it is used.
const [alice2, bob2] = await Promise.all([
  Channel.reestablish({ store: aliceStore, channelId, signer: memorySigner(alice.secretKey), url: params.url, host: 'localhost' }),
  Channel.reestablish({ store: bobStore, channelId, signer: memorySigner(bob.secretKey), url: params.url }),
]);
console.log(`back at round ${alice2.round}: alice ${alice2.localBalances[alice.address]! / AE} AE, bob ${bob2.localBalances[bob.address]! / AE} AE`);

// And the channel goes on.
const next = await bob2.transfer(alice.address, AE / 2n);
console.log(`round ${next.round}: alice ${next.balances[alice.address]} aettos`);

alice2.dispose();
bob2.dispose();
await devnode.stop();
