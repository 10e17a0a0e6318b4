/**
 * Shared helpers of the end-to-end tests: a devnode on a random port, and a pair of
 * channels (initiator and responder) opened against it over real WebSockets.
 */
import { encode, type Encoded } from '@aechannel/codec';
import type { ChainEnv } from '@aechannel/fsm';
import { startDevnode, type Devnode, type StartDevnodeOptions } from '@aechannel/devnode';
import { memorySigner } from '@aechannel/signer';
import { Channel, type ChainEnvProvider, type ChannelClientEvent, type OpenChannelOptions } from '../src/Channel.js';
import { createMemoryStore, type MemoryStore } from '../src/createMemoryStore.js';
import { expect } from 'vitest';

export const AE = 10n ** 18n;

let nextPort = 20_000 + Math.floor(Math.random() * 20_000);
/** A responder port for the node-to-node link (only an identifier on the devnode). */
export function freshPort(): number {
  nextPort += 1;
  return nextPort;
}

/**
 * The options both sides of a small in-process test channel share: devnode accounts `i`
 * (initiator) and `r` (responder), `amount` each (default 1000 aettos), reserve 1, lock
 * period 3, a fresh port.
 */
export function smallChannelOptions(devnode: Devnode, i: number, r: number, amount = 1000n) {
  const a = devnode.accounts[i]!;
  const b = devnode.accounts[r]!;
  return {
    networkId: devnode.networkId,
    initiatorId: a.address,
    responderId: b.address,
    initiatorAmount: amount,
    responderAmount: amount,
    channelReserve: 1n,
    lockPeriod: 3n,
    port: freshPort(),
    timeoutMs: 10_000,
  };
}

export async function startTestDevnode(options: StartDevnodeOptions = {}): Promise<Devnode> {
  return startDevnode({ port: 0, ...options });
}

export interface PairOptions {
  initiatorAmount?: bigint;
  responderAmount?: bigint;
  pushAmount?: bigint;
  channelReserve?: bigint;
  lockPeriod?: bigint;
  accounts?: [number, number];
  initiator?: Partial<OpenChannelOptions>;
  responder?: Partial<OpenChannelOptions>;
}

export interface Pair {
  initiator: Channel;
  responder: Channel;
  initiatorId: Encoded<'ak'>;
  responderId: Encoded<'ak'>;
  initiatorStore: MemoryStore;
  responderStore: MemoryStore;
  events: { initiator: ChannelClientEvent[]; responder: ChannelClientEvent[] };
  port: number;
}

/** Opens a channel between two devnode accounts; both sides over real WebSockets. */
export async function openPair(devnode: Devnode, options: PairOptions = {}): Promise<Pair> {
  const [i, r] = options.accounts ?? [0, 1];
  const initiatorAccount = devnode.accounts[i]!;
  const responderAccount = devnode.accounts[r]!;
  const port = freshPort();
  const initiatorStore = createMemoryStore();
  const responderStore = createMemoryStore();
  const events: Pair['events'] = { initiator: [], responder: [] };
  const common = {
    url: devnode.url,
    networkId: devnode.networkId,
    initiatorId: initiatorAccount.address,
    responderId: responderAccount.address,
    initiatorAmount: options.initiatorAmount ?? 10n * AE,
    responderAmount: options.responderAmount ?? 10n * AE,
    pushAmount: options.pushAmount ?? 0n,
    channelReserve: options.channelReserve ?? 1n,
    lockPeriod: options.lockPeriod ?? 5n,
    port,
    timeoutMs: 20_000,
  };
  const [initiator, responder] = await Promise.all([
    Channel.open({
      ...common,
      role: 'initiator',
      host: '127.0.0.1',
      signer: memorySigner(initiatorAccount.secretKey),
      store: initiatorStore,
      onEvent: (e) => events.initiator.push(e),
      ...options.initiator,
    }),
    Channel.open({
      ...common,
      role: 'responder',
      signer: memorySigner(responderAccount.secretKey),
      store: responderStore,
      onEvent: (e) => events.responder.push(e),
      ...options.responder,
    }),
  ]);
  return {
    initiator,
    responder,
    initiatorId: initiatorAccount.address,
    responderId: responderAccount.address,
    initiatorStore,
    responderStore,
    events,
    port,
  };
}

/** Polls until `predicate` holds (both clients learn a new state from their own node fsm, a moment apart). */
export async function until(predicate: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/**
 * `closer` closes solo; once `other` and `closer` see the close on chain, `closer` settles
 * with 5 blocks mined (past a lock period of 3) and is closed when this resolves.
 */
export async function closeSoloAndSettle(devnode: Devnode, closer: Channel, other: Channel): Promise<void> {
  const closing = other.waitForStatus('closing', { timeoutMs: 10_000 });
  await closer.closeSolo();
  await closing;
  await closer.waitForStatus('closing', { timeoutMs: 10_000 });
  const closed = closer.waitForStatus('closed', { timeoutMs: 10_000 });
  const settled = closer.settle();
  devnode.chain.mine(5);
  await settled;
  await closed;
}

/** Resolves with the next event of `type` (that matches) on `channel`. */
export function nextEvent<T extends ChannelClientEvent['type']>(
  channel: Channel,
  type: T,
  predicate: (e: Extract<ChannelClientEvent, { type: T }>) => boolean = () => true,
): Promise<Extract<ChannelClientEvent, { type: T }>> {
  return new Promise((resolve) => {
    const off = channel.on(type, (event) => {
      if (!predicate(event)) return;
      off();
      resolve(event);
    });
  });
}

/** Both sides agree, locally and at the node, on these balances. */
export async function expectBalances(pair: Pair, initiator: bigint, responder: bigint): Promise<void> {
  await synced(pair);
  const expected = { [pair.initiatorId]: initiator, [pair.responderId]: responder };
  expect(pair.initiator.localBalances).toEqual(expected);
  expect(pair.responder.localBalances).toEqual(expected);
  expect(await pair.initiator.balances()).toEqual(expected);
  expect(await pair.responder.balances()).toEqual(expected);
}

/** Reestablishes both sides of the pair's channel from their stores, over WebSockets (devnode accounts `i` and `r` sign). */
export function reestablishPair(devnode: Devnode, pair: Pick<Pair, 'initiatorStore' | 'responderStore'>, channelId: Encoded<'ch'>, [i, r]: [number, number]): Promise<[Channel, Channel]> {
  return Promise.all([
    Channel.reestablish({ store: pair.initiatorStore, channelId, signer: memorySigner(devnode.accounts[i]!.secretKey), url: devnode.url, host: '127.0.0.1', timeoutMs: 10_000 }),
    Channel.reestablish({ store: pair.responderStore, channelId, signer: memorySigner(devnode.accounts[r]!.secretKey), url: devnode.url, timeoutMs: 10_000 }),
  ]);
}

/** Waits until both sides of a pair are at the same round. */
export function synced(pair: Pick<Pair, 'initiator' | 'responder'>): Promise<void> {
  return until(() => pair.initiator.round === pair.responder.round && pair.initiator.persisted.round === pair.responder.persisted.round);
}

/**
 * A `chainEnv` provider reading the devnode's chain (CONTRACTS.md §2.8): the key block the
 * round pinned, else the top and the key blocks below it (the node pins one a few blocks
 * back, PROTOCOL.md §10.3), newest first. What an application does with a node's HTTP API.
 */
export function devnodeChainEnv(devnode: Devnode, depth = 12): ChainEnvProvider {
  return ({ blockHash }) => {
    const top = devnode.chain.view();
    const views = blockHash !== null
      ? [devnode.chain.view(blockHash as Encoded<'kh'>)]
      : [top, ...Array.from({ length: depth }, (_, i) => top.keyBlockHash?.(top.height - BigInt(i + 1))).flatMap((hash) => (hash === undefined ? [] : [devnode.chain.view(encode(hash, 'kh'))]))];
    return views.map((view): ChainEnv => {
      const keyBlockHashes: Record<string, Encoded<'kh'>> = {};
      for (let h = view.height - 1n; h >= 0n && h >= view.height - 256n; h -= 1n) {
        const hash = view.keyBlockHash?.(h);
        if (hash !== undefined) keyBlockHashes[h.toString()] = encode(hash, 'kh');
      }
      return { height: view.height, timestamp: view.timestamp, beneficiary: encode(view.beneficiary, 'ak'), difficulty: view.difficulty, networkId: view.networkId, keyBlockHashes };
    });
  };
}
