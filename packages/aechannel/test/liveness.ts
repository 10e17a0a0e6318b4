/**
 * Shared setup of the liveness tests (issue 11): a channel between two devnode accounts in
 * which each client talks to the in-process devnode through its own {@link FaultyLink}, so
 * a test can lose, rewrite or fabricate a message or cut a socket as a message arrives.
 */
import { buildSignedTx, decodeSignedTx, type Encoded, type JsonValue } from '@aechannel/codec';
import type { Devnode } from '@aechannel/devnode';
import { memorySigner, verifyTransaction } from '@aechannel/signer';
import { smallChannelOptions } from './helpers.js';
export { nextEvent } from './helpers.js';
import { createFaultyLink, dataOf, type FaultyLink } from './faultyLink.js';
import { Channel, type ChannelClientEvent, type OpenChannelOptions } from '../src/Channel.js';
import { decodeChannelRecord } from '../src/channelRecord.js';
import { createMemoryStore, type MemoryStore } from '../src/createMemoryStore.js';

/** One participant: its channel, link, store and every event it emitted. */
export interface Side {
  channel: Channel;
  link: FaultyLink;
  store: MemoryStore;
  events: ChannelClientEvent[];
  address: Encoded<'ak'>;
  secretKey: string;
}

export interface LinkedPair {
  devnode: Devnode;
  initiator: Side;
  responder: Side;
}

/** Opens a small channel (1000 aettos each) between devnode accounts `i` and `r`, reconnecting fast. */
export async function openLinked(
  devnode: Devnode,
  i: number,
  r: number,
  options: { initiator?: Partial<OpenChannelOptions>; responder?: Partial<OpenChannelOptions> } = {},
): Promise<LinkedPair> {
  const a = devnode.accounts[i]!;
  const b = devnode.accounts[r]!;
  const links = { initiator: createFaultyLink((url) => devnode.connect(url)), responder: createFaultyLink((url) => devnode.connect(url)) };
  const stores = { initiator: createMemoryStore(), responder: createMemoryStore() };
  const events: Record<'initiator' | 'responder', ChannelClientEvent[]> = { initiator: [], responder: [] };
  const common = { ...smallChannelOptions(devnode, i, r), reconnect: { baseDelayMs: 5, maxDelayMs: 20 } };
  const [initiator, responder] = await Promise.all([
    Channel.open({
      ...common,
      role: 'initiator',
      host: 'localhost',
      signer: memorySigner(a.secretKey),
      store: stores.initiator,
      transport: links.initiator.factory,
      onEvent: (e) => events.initiator.push(e),
      ...options.initiator,
    }),
    Channel.open({
      ...common,
      role: 'responder',
      signer: memorySigner(b.secretKey),
      store: stores.responder,
      transport: links.responder.factory,
      onEvent: (e) => events.responder.push(e),
      ...options.responder,
    }),
  ]);
  return {
    devnode,
    initiator: { channel: initiator, link: links.initiator, store: stores.initiator, events: events.initiator, address: a.address, secretKey: a.secretKey },
    responder: { channel: responder, link: links.responder, store: stores.responder, events: events.responder, address: b.address, secretKey: b.secretKey },
  };
}

export function disposePair(s: LinkedPair): void {
  s.initiator.channel.dispose();
  s.responder.channel.dispose();
}

/** Polls until `predicate` holds (a client learns a new state from its own node fsm). */
export async function until(predicate: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`not reached in time: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** The round of the state `side` stored, and whether both participants validly signed it. */
export async function storedState(s: LinkedPair, side: Side): Promise<{ round: bigint; valid: boolean }> {
  const text = await side.store.read(side.channel.channelId!);
  const { channel } = decodeChannelRecord(text!, side.channel.channelId!);
  const result = await verifyTransaction(channel.latestState!, { networkId: s.devnode.networkId, signers: [s.initiator.address, s.responder.address] });
  return { round: channel.round, valid: result.valid };
}

/** A co-signed state whose peer signature is broken (one bit flipped); ours stays valid. */
export async function withForgedPeerSignature(state: Encoded<'tx'>, ourKey: string, networkId: string): Promise<Encoded<'tx'>> {
  const { innerBytes, signatures } = decodeSignedTx(state);
  const ours = decodeSignedTx(await memorySigner(ourKey as never).signTransaction(buildSignedTx(innerBytes, []), { networkId })).signatures[0]!;
  const theirs = signatures.find((sig) => !sig.every((byte, k) => byte === ours[k]))!;
  const forged = Uint8Array.from(theirs);
  forged[5]! ^= 0x10;
  return buildSignedTx(innerBytes, [ours, forged]);
}

/** `params.data.state` of a `channels.update`. */
export const stateOf = (m: JsonValue): Encoded<'tx'> => dataOf(m)!['state'] as Encoded<'tx'>;

/** A copy of a notification with `params.data.state` replaced. */
export function withState(m: JsonValue, state: Encoded<'tx'>): JsonValue {
  const message = m as { params: { data: Record<string, JsonValue> } };
  return { ...message, params: { ...message.params, data: { ...message.params.data, state } } } as JsonValue;
}
