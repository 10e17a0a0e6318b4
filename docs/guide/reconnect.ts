// reconnect.ts — a dropped connection, recovered automatically; and a deliberate one.
import { Channel } from 'aechannel';
import { memorySigner } from '@aechannel/signer';
import { openChannels } from './setup.js';

const { devnode, alice, bob, params, initiator, responder, aliceStore } = await openChannels();
const channelId = initiator.channelId!;

// 1. The connection drops (the devnode cuts alice's socket). The channel reconnects with
// backoff, resumes by fsm id and checks it is level with the node before `recovered`.
const reconnecting = new Promise<void>((resolve) => initiator.once('reconnecting', () => resolve()));
const recovered = new Promise<bigint>((resolve) => initiator.once('recovered', (event) => resolve(event.round)));
devnode.faults.dropClient(channelId, 'initiator');
await reconnecting;
console.log(`dropped, reconnected, recovered at round ${await recovered}`);
await initiator.transfer(bob.address, 5n);
console.log(`round ${initiator.round} after the drop`);

// 2. Disconnect on purpose: the node keeps alice's side running (she signed the create),
// and `Channel.reconnect` attaches to it again with the same fsm id. (Meanwhile nothing
// that needs her signature can happen: a transfer bob proposed would end as a conflict.)
const fsmId = initiator.fsmId;
await initiator.disconnect();
const again = await Channel.reconnect({ store: aliceStore, channelId, signer: memorySigner(alice.secretKey), url: params.url });
console.log(`reconnected with the same fsm id: ${again.fsmId === fsmId}; round ${again.round}`);
const paid = await responder.transfer(alice.address, 2n);
console.log(`round ${paid.round}: alice has ${10n ** 19n - paid.balances[alice.address]!} aettos less than at the start`);

again.dispose();
responder.dispose();
await devnode.stop();
