/**
 * A node (or a link) that lies: an in-process devnode transport whose inbound messages pass
 * through a rewrite, and helpers to rewrite the tx of one message and re-sign it with a
 * participant's key (a peer that colludes with its node signs what the node built).
 */
import { buildSignedTx, decodeSignedTx, fixFee, serializeObject, unpackTx, type Encoded, type JsonValue, type Tx, type TxWithFee } from '@aechannel/codec';
import type { Devnode } from '@aechannel/devnode';
import { memorySigner } from '@aechannel/signer';
import { createTestSigner, type TestSigner } from '@aechannel/signer/testing';
import type { Transport } from '@aechannel/transport';
import { Channel, type ChannelClientEvent, type OpenChannelOptions, type TransportFactory } from '../src/Channel.js';
import { smallChannelOptions } from './helpers.js';

/** Rewrites one inbound message (may be async). */
export type Rewrite = (message: JsonValue) => Promise<JsonValue> | JsonValue;

/** An in-process transport to `devnode` whose inbound messages pass through `rewrite` once it is set. */
export function tampering(devnode: Devnode): { factory: TransportFactory; set(rewrite: Rewrite | null): void } {
  let rewrite: Rewrite | null = null;
  const factory: TransportFactory = (url) => {
    const transport = devnode.connect(url);
    const on = transport.on.bind(transport);
    // Rewrites are async (signing), so messages and the close after them go through one
    // ordered chain: a socket never reports its close before the messages it delivered.
    let chain = Promise.resolve();
    return Object.assign(Object.create(transport) as Transport, {
      on: ((event: string, listener: (m: JsonValue) => void) => {
        if (event === 'close') return on('close', (e) => void (chain = chain.then(() => listener(e as never))));
        if (event !== 'message') return on(event as 'open', listener as never);
        return on('message', (m) => {
          const current = rewrite;
          if (current === null) {
            chain = chain.then(() => listener(m));
            return;
          }
          chain = chain.then(async () => listener(await current(m)));
        });
      }) as Transport['on'],
    });
  };
  return { factory, set: (r) => (rewrite = r) };
}

export const methodOf = (m: JsonValue): unknown => (typeof m === 'object' && m !== null && !Array.isArray(m) ? m['method'] : undefined);

/** Replaces the tx at `params.data[key]` of the first message with `method`. */
export function replaceTx(method: string, key: 'signed_tx' | 'state', replace: (tx: Encoded<'tx'>) => Promise<Encoded<'tx'>>): Rewrite & { done: boolean } {
  const rewrite = Object.assign(
    async (message: JsonValue): Promise<JsonValue> => {
      if (rewrite.done || methodOf(message) !== method) return message;
      rewrite.done = true;
      const m = message as { params: { data: Record<string, JsonValue> } };
      const tx = m.params.data[key] as Encoded<'tx'>;
      return { ...m, params: { ...m.params, data: { ...m.params.data, [key]: await replace(tx) } } } as JsonValue;
    },
    { done: false },
  );
  return rewrite;
}

/** The inner tx of a signed tx. */
export function innerOf(tx: Encoded<'tx'>): Tx {
  return decodeSignedTx(tx).tx;
}

/**
 * Rebuilds the inner tx of `tx` with `change` applied and the node's default fee (§5.3)
 * unless `change` sets one, signed by `signers` (secret keys) for `networkId`.
 */
export async function rebuild(
  tx: Encoded<'tx'>,
  change: (inner: Tx) => Tx,
  signers: readonly string[],
  networkId: string,
  keepFee = false,
): Promise<Encoded<'tx'>> {
  const changed = change(innerOf(tx));
  const inner = keepFee || !('fee' in changed) ? changed : fixFee(changed as TxWithFee, {});
  let out = buildSignedTx(serializeObject(inner), []);
  for (const key of signers) out = await memorySigner(key as never).signTransaction(out, { networkId });
  return out;
}

/** The signed tx's inner object, typed loosely for tests. */
export const decoded = (tx: Encoded<'tx'>): Record<string, unknown> => unpackTx(tx) as unknown as Record<string, unknown>;

/** Both sides of a channel opened through {@link tampering} transports (see {@link openTampered}). */
export interface TamperedPair {
  initiator: Channel;
  responder: Channel;
  initiatorId: Encoded<'ak'>;
  responderId: Encoded<'ak'>;
  keys: { initiator: string; responder: string };
  signers: { initiator: TestSigner; responder: TestSigner };
  tamper: { initiator: ReturnType<typeof tampering>; responder: ReturnType<typeof tampering> };
  /** Each side's events that `keep` accepted, in order. */
  events: { initiator: ChannelClientEvent[]; responder: ChannelClientEvent[] };
}

/** Options of {@link openTampered}. */
export interface OpenTamperedOptions {
  /** Each side's amount (default 1000 aettos). */
  amount?: bigint;
  /** The events to record (default all). */
  keep?: (event: ChannelClientEvent) => boolean;
  initiator?: Partial<OpenChannelOptions>;
  responder?: Partial<OpenChannelOptions>;
}

/**
 * Opens a small channel between `devnode.accounts[i]` and `[r]` (no reconnect), each side
 * with a pausable test signer and its own tampering transport, recording its events.
 */
export async function openTampered(devnode: Devnode, i: number, r: number, options: OpenTamperedOptions = {}): Promise<TamperedPair> {
  const a = devnode.accounts[i]!;
  const b = devnode.accounts[r]!;
  const tamper = { initiator: tampering(devnode), responder: tampering(devnode) };
  const signers = { initiator: createTestSigner(memorySigner(a.secretKey)), responder: createTestSigner(memorySigner(b.secretKey)) };
  const events: TamperedPair['events'] = { initiator: [], responder: [] };
  const keep = options.keep ?? (() => true);
  const common = { ...smallChannelOptions(devnode, i, r, options.amount), reconnect: false } as const;
  const [initiator, responder] = await Promise.all([
    Channel.open({ ...common, role: 'initiator', host: 'localhost', signer: signers.initiator, transport: tamper.initiator.factory, onEvent: (e) => keep(e) && events.initiator.push(e), ...options.initiator }),
    Channel.open({ ...common, role: 'responder', signer: signers.responder, transport: tamper.responder.factory, onEvent: (e) => keep(e) && events.responder.push(e), ...options.responder }),
  ]);
  return { initiator, responder, initiatorId: a.address, responderId: b.address, keys: { initiator: a.secretKey, responder: b.secretKey }, signers, tamper, events };
}
