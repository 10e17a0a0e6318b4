// deposit-withdraw.ts — move coins between an account on chain and the channel.
import { AE, openChannels } from './setup.js';

const { devnode, alice, bob, initiator, responder } = await openChannels();
const onChain = () => devnode.chain.getBalance(alice.address);

// A deposit is an on-chain tx both sign; the call resolves once it is confirmed and the
// new state (round 2) is stored.
const before = onChain();
const deposited = await initiator.deposit(2n * AE);
console.log(`round ${deposited.round}: alice has ${deposited.balances[alice.address]! / AE} AE in the channel`);
console.log(`alice paid ${(before - onChain() - 2n * AE) / 10n ** 9n} gwei of fee on chain`);

// Either side can withdraw its own coins back to its account.
const withdrawn = await responder.withdraw(3n * AE);
console.log(`round ${withdrawn.round}: bob has ${withdrawn.balances[bob.address]! / AE} AE in the channel`);

// The fee of an on-chain tx follows the node's rule unless given (PROTOCOL.md §5.3).
await initiator.withdraw(AE, { gasPrice: 2n * 10n ** 9n });
console.log(`round ${initiator.round}: alice has ${initiator.localBalances[alice.address]! / AE} AE in the channel`);

initiator.dispose();
responder.dispose();
await devnode.stop();
