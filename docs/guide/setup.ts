// setup.ts — opens a channel between two devnode accounts, one client per role.
import { Channel, createMemoryStore, type OpenChannelOptions, type Store } from 'aechannel';
import { startDevnode } from '@aechannel/devnode';
import { memorySigner } from '@aechannel/signer';

/** One AE in aettos: every amount is a bigint of aettos. */
export const AE = 10n ** 18n;

/** Settings of {@link openChannels}; each client can get options of its own. */
export interface SetupOptions {
  lockPeriod?: bigint;
  initiator?: Partial<OpenChannelOptions>;
  responder?: Partial<OpenChannelOptions>;
}

export async function openChannels(options: SetupOptions = {}) {
  // A node simulator in this process, on a free port, with funded accounts.
  const devnode = await startDevnode({ port: 0 });
  const [alice, bob] = devnode.accounts;
  if (alice === undefined || bob === undefined) throw new Error('the devnode has no accounts');

  // What both participants agree on before opening (PROTOCOL.md §6.2).
  const params = {
    url: devnode.url, // the node's channel endpoint, ws://127.0.0.1:<port>/channel
    networkId: devnode.networkId, // every signature covers it
    initiatorId: alice.address,
    responderId: bob.address,
    initiatorAmount: 10n * AE, // what each side locks in the channel
    responderAmount: 10n * AE,
    channelReserve: AE / 100n, // each side keeps at least this off-chain
    lockPeriod: options.lockPeriod ?? 10n, // blocks to contest a solo close
    port: 3114, // where the responder's node listens for the initiator's node
  };

  // Each role is its own client with its own signer and store. In a real deployment they
  // run in two programs against two nodes; here both talk to the same devnode.
  const aliceStore: Store = createMemoryStore();
  const bobStore: Store = createMemoryStore();
  const [initiator, responder] = await Promise.all([
    Channel.open({ ...params, role: 'initiator', host: 'localhost', signer: memorySigner(alice.secretKey), store: aliceStore, ...options.initiator }),
    Channel.open({ ...params, role: 'responder', signer: memorySigner(bob.secretKey), store: bobStore, ...options.responder }),
  ]);
  return { devnode, alice, bob, params, initiator, responder, aliceStore, bobStore };
}
