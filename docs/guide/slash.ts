// slash.ts — the watcher defends the channel against a stale solo close.
import { buildPoi, buildSignedTx, decode, fixFee, packTx, Tag, type ChannelCloseSoloTx } from '@aechannel/codec';
import { memorySigner } from '@aechannel/signer';
import { AE, openChannels } from './setup.js';

// Bob's client runs without a watcher: here he is the one who cheats.
const { devnode, alice, bob, initiator, responder } = await openChannels({ lockPeriod: 3n, responder: { watcher: false } });

// Round 2 pays bob 5 AE. He keeps that state...
await initiator.transfer(bob.address, 5n * AE);
const oldState = responder.latestState!;
const oldBalances = { [alice.address]: 5n * AE, [bob.address]: 15n * AE };
// ...and pays 4 AE back in round 3, the latest state both signed.
await responder.transfer(alice.address, 4n * AE);

// Bob closes solo with the old round-2 state (building the tx by hand, as a cheater would).
const closeSolo: ChannelCloseSoloTx = fixFee({
  tag: Tag.ChannelCloseSoloTx,
  version: 1,
  channelId: initiator.channelId!,
  fromId: bob.address,
  payload: decode(oldState, 'tx'),
  poi: decode(buildPoi(oldBalances, [alice.address, bob.address]), 'pi'),
  ttl: 0n,
  fee: 0n,
  nonce: devnode.chain.getAccount(bob.address)!.nonce + 1n,
});
const signed = await memorySigner(bob.secretKey).signTransaction(buildSignedTx(decode(packTx(closeSolo), 'tx'), []), { networkId: devnode.networkId });

// Alice's watcher (on by default) answers: the node reports `can_slash`, the watcher slashes
// with round 3, and settles once the lock period is over.
const next = (type: 'watcherSlashed' | 'watcherSettling' | 'watcherSettled') => new Promise<void>((resolve) => initiator.once(type, () => resolve()));
const [slashed, settling, settled] = [next('watcherSlashed'), next('watcherSettling'), next('watcherSettled')];
const aliceBefore = devnode.chain.getBalance(alice.address);
await devnode.chain.post(signed);
console.log('bob posted a close solo with the round-2 state');

await slashed;
console.log('watcher: slashed with the latest state');
await settling;
console.log('watcher: settle signed, waiting for the lock period');
// The devnode mines on demand: move past the lock period the slash started.
const onChain = () => devnode.chain.getChannel(initiator.channelId!)!;
while (onChain().round !== 3n) await new Promise((resolve) => setTimeout(resolve, 10));
devnode.chain.mine(Number(onChain().lockedUntil - devnode.chain.height) + 1);
await settled;
const gotAlice = devnode.chain.getBalance(alice.address) - aliceBefore;
console.log(`settled with round ${onChain().round}: alice got her 9 AE less ${9n * AE - gotAlice} aettos of fees`);

initiator.dispose();
responder.dispose();
await devnode.stop();
