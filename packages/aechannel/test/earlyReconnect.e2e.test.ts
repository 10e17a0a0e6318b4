/**
 * A restart right after the create tx was signed (issue 14). Once its signed create tx is
 * out, the node's fsm runs on without the client (PROTOCOL.md §9.7, `client_may_disconnect`),
 * so a process that ends there must find the channel in its store: the record holds the
 * create tx it signed (stored before the reply went out) and proves itself, and a new
 * process reconnects with it, sees the rest of the opening and adopts the co-signed create.
 */
import { computeChannelId, decodeSignedTx, type Encoded } from '@aechannel/codec';
import type { Devnode } from '@aechannel/devnode';
import { memorySigner } from '@aechannel/signer';
import { createTestSigner } from '@aechannel/signer/testing';
import { webSocketTransport } from '@aechannel/transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Channel, type TransportFactory } from '../src/Channel.js';
import { decodeChannelRecord } from '../src/channelRecord.js';
import { createMemoryStore } from '../src/createMemoryStore.js';
import { verifyChannelRecord } from '../src/verifyChannelRecord.js';
import { freshPort, startTestDevnode, until } from './helpers.js';
import { wrapTransport } from './wrapTransport.js';

let devnode: Devnode;
beforeAll(async () => {
  devnode = await startTestDevnode();
});
afterAll(async () => {
  await devnode.stop();
});

/** A transport that calls `onSent(method)` once a message is on the wire. */
function watchingTransport(onSent: (method: unknown) => void): TransportFactory {
  return (url, { signal }) => {
    const inner = webSocketTransport(url, { signal });
    return wrapTransport(inner, {
      send(message) {
        inner.send(message);
        onSent(typeof message === 'object' && message !== null && !Array.isArray(message) ? message['method'] : undefined);
      },
    });
  };
}

describe('a restart right after the create tx was signed', () => {
  it('reconnects from the stored record (the signed create tx) and adopts the co-signed create', async () => {
    const [alice, bob] = [devnode.accounts[4]!, devnode.accounts[5]!];
    const common = {
      url: devnode.url,
      networkId: devnode.networkId,
      initiatorId: alice.address,
      responderId: bob.address,
      initiatorAmount: 10_000n,
      responderAmount: 10_000n,
      pushAmount: 3n,
      channelReserve: 1n,
      lockPeriod: 5n,
      port: freshPort(),
      timeoutMs: 20_000,
    };
    const store = createMemoryStore();
    // The initiator's process ends as soon as its signed create tx is on the wire.
    const ended = new AbortController();
    const first = Channel.open({
      ...common,
      role: 'initiator',
      host: '127.0.0.1',
      signer: memorySigner(alice.secretKey),
      store,
      signal: ended.signal,
      transport: watchingTransport((method) => {
        if (method === 'channels.initiator_sign') queueMicrotask(() => ended.abort());
      }),
    });
    // The responder co-signs only once the initiator is back (so its restart is "before open").
    const bobSigner = createTestSigner(memorySigner(bob.secretKey), { paused: true });
    const responder = Channel.open({ ...common, role: 'responder', signer: bobSigner });
    responder.catch(() => undefined); // (awaited below; a failure before that is reported there)
    await expect(first).rejects.toMatchObject({ code: 'CHANNEL_ABORTED' });

    // What the ended process left: the create tx it signed, a record that proves itself.
    const entries = [...store.entries()];
    expect(entries).toHaveLength(1);
    const [key, text] = entries[0]!;
    const { channel: record } = decodeChannelRecord(text, key);
    expect(record).toMatchObject({ latestState: null, round: 0n });
    const signedCreate = record.signedCreateTx!;
    const create = decodeSignedTx(signedCreate);
    expect(create.signatures).toHaveLength(1);
    const channelId = computeChannelId(alice.address, (create.tx as { nonce: bigint }).nonce, bob.address);
    expect(key).toBe(channelId);
    await expect(verifyChannelRecord(record, key)).resolves.toBeUndefined();

    // A new process: reconnect from the store, then the responder co-signs.
    const reconnected = Channel.reconnect({ store, channelId, signer: memorySigner(alice.secretKey), url: devnode.url, timeoutMs: 20_000 });
    await until(() => devnode.inspect(channelId, 'initiator') !== undefined);
    bobSigner.resume();
    const [initiator, bobChannel] = await Promise.all([reconnected, responder]);
    expect(initiator.status).toBe('open');
    expect(initiator.round).toBe(1n);
    expect(initiator.localBalances).toEqual({ [alice.address]: 10_000n - 3n, [bob.address]: 10_000n + 3n });
    expect(decodeSignedTx(initiator.latestState!).innerBytes).toEqual(create.innerBytes);
    // the record now holds the co-signed create, and the channel works
    const stored = decodeChannelRecord((await store.read(channelId))!, channelId).channel;
    expect(stored).toMatchObject({ round: 1n, latestState: initiator.latestState });
    expect(stored.signedCreateTx).toBeUndefined();
    const { round } = await initiator.transfer(bob.address, 10n);
    expect(round).toBe(2n);
    await until(() => bobChannel.round === 2n);
    initiator.dispose();
    bobChannel.dispose();
  });
});
