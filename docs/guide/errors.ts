// errors.ts — typed errors, the peer-update policy, timeouts and cancellation.
import { Channel, defaultPeerUpdatePolicy, type ChannelError, type ConflictContext, type NodeErrorContext, type PeerUpdatePolicy } from 'aechannel';
import { isAechannelError } from '@aechannel/codec';
import { deriveAccount } from '@aechannel/devnode';
import { memorySigner } from '@aechannel/signer';
import { AE, openChannels } from './setup.js';

// Bob accepts requests for coins up to 100 aettos, and decides the rest as the default does.
const onPeerUpdate: PeerUpdatePolicy = (request) => {
  const paying = request.balances[request.address]! - (request.nextBalances?.[request.address] ?? 0n);
  return paying <= 100n || defaultPeerUpdatePolicy(request);
};
const { devnode, alice, bob, params, initiator, responder } = await openChannels({ responder: { onPeerUpdate } });

// Every failure is an AechannelError with a stable `code`; check it with isAechannelError.
const describe = (error: unknown): string => (isAechannelError(error) ? error.code : `not a typed error: ${String(error)}`);

// 1. Bad arguments never reach the node; the error names the argument.
const negative = await initiator.transfer(bob.address, -1n).catch((e: ChannelError<{ argument: string }>) => e);
if (isAechannelError(negative, 'CHANNEL_INVALID_ARGUMENT')) console.log(negative.code, negative.context.argument);

// 2. What the channel's state does not allow is refused before anything is sent: alice
// cannot pay more than she holds above the reserve.
console.log(describe(await initiator.transfer(bob.address, 10n * AE).catch((e: unknown) => e)));

// 3. The node's refusals keep the node's code, message and data: a proof for an account
// the channel does not hold.
const stranger = deriveAccount('a stranger', 0); // a key pair the devnode never funded
const unknown = await initiator.poi({ accounts: [stranger.address] }).catch((e: ChannelError<NodeErrorContext>) => e);
if (typeof unknown !== 'string' && isAechannelError(unknown, 'CHANNEL_NODE_ERROR')) {
  const { nodeCode, nodeMessage, nodeData } = unknown.context;
  console.log(unknown.code, `${nodeCode} ${nodeMessage}:`, nodeData.map((d) => `${d.code} ${d.message}`).join(', '));
} else console.log(describe(unknown));

// 4. Safe defaults: nothing pays out of your balance unless you said so. Alice's client has
// the default policy, so bob asking her for 1 AE is refused with abort code 4: bob's call
// rejects with the conflict, and alice's client reports what it refused and why.
const refused = new Promise<string>((resolve) => initiator.once('peerUpdateRefused', (event) => resolve(`${event.policy} policy refused ${event.tag}`)));
const asked = await responder.transfer(bob.address, AE, { from: alice.address }).catch((e: ChannelError<ConflictContext>) => e);
if (isAechannelError(asked, 'CHANNEL_CONFLICT')) console.log(asked.code, `code ${asked.context.conflictCode}; alice: ${await refused}`);

// 5. Bob's own policy lets alice ask him for small amounts.
const small = await initiator.transfer(alice.address, 100n, { from: bob.address });
console.log(`round ${small.round}: bob paid 100 aettos on request`);

// 6. Every call is bounded: by its own `timeoutMs`, else by the channel's default for its
// kind (`operationTimeouts`); a `signal` cancels it.
devnode.faults.setReplyDelay(500); // the node answers slowly
console.log(describe(await initiator.ping({ timeoutMs: 50 }).catch((e: unknown) => e)));
devnode.faults.setReplyDelay(0);
const controller = new AbortController();
controller.abort();
console.log(describe(await initiator.ping({ signal: controller.signal }).catch((e: unknown) => e)));

// 7. Opening fails with the node's refusal when an account is unknown to the chain (1011).
const open = await Channel.open({ ...params, responderId: stranger.address, role: 'initiator', host: 'localhost', signer: memorySigner(alice.secretKey) }).catch((e: unknown) => e);
console.log(describe(open));

initiator.dispose();
responder.dispose();
await devnode.stop();
