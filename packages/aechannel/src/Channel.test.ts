/**
 * Unit tests of the driver itself: effect order, persist before acknowledge, store and
 * signer failures, timers on an injected clock, reconnection giving up, listener safety
 * and transcripts. The node is either scripted over the in-memory transport pair or the
 * devnode run in-process (no sockets).
 */
import { isAechannelError, type Encoded, type JsonValue } from '@aechannel/codec';
import { createManualClock, startDevnode, type Devnode, type ManualClock } from '@aechannel/devnode';
import { memorySigner, type Signer } from '@aechannel/signer';
import { parseTranscript, writeTranscript, type SectionInput } from '@aechannel/transcript';
import { createMemoryTransportPair, type Transport } from '@aechannel/transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallChannelOptions } from '../test/helpers.js';
import { Channel, channelUrl, type ChannelClientEvent, type OpenChannelOptions, type TransportFactory } from './Channel.js';
import { createMemoryStore } from './createMemoryStore.js';
import type { Store } from './Store.js';

let devnode: Devnode;
beforeAll(async () => {
  devnode = await startDevnode({ listen: false });
});
afterAll(async () => {
  await devnode.stop();
});

const inProcess: TransportFactory = (url) => devnode.connect(url);

/** Opens a channel between devnode accounts `i` and `r` over in-process transports. */
async function open(i: number, r: number, initiator: Partial<OpenChannelOptions> = {}, responder: Partial<OpenChannelOptions> = {}) {
  const a = devnode.accounts[i]!;
  const b = devnode.accounts[r]!;
  const common = {
    ...smallChannelOptions(devnode, i, r),
    transport: inProcess,
  };
  const [ini, res] = await Promise.all([
    Channel.open({ ...common, role: 'initiator', host: 'localhost', signer: memorySigner(a.secretKey), ...initiator }),
    Channel.open({ ...common, role: 'responder', signer: memorySigner(b.secretKey), ...responder }),
  ]);
  return { initiator: ini, responder: res, initiatorId: a.address, responderId: b.address };
}

/** A store whose writes can be held back. */
function heldStore(): Store & { hold(): void; release(): void; readonly waiting: number } {
  const inner = createMemoryStore();
  let held = false;
  const queue: (() => void)[] = [];
  return {
    read: (key) => inner.read(key),
    delete: (key) => inner.delete(key),
    list: () => inner.list(),
    async write(key, value) {
      if (held) await new Promise<void>((resolve) => queue.push(resolve));
      await inner.write(key, value);
    },
    hold() {
      held = true;
    },
    release() {
      held = false;
      for (const resume of queue.splice(0)) resume();
    },
    get waiting() {
      return queue.length;
    },
  };
}

const tick = (ms = 5): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('Channel driver', () => {
  it('does not settle a new state (nor run later commands) before the store has it', async () => {
    const store = heldStore();
    const { initiator, responder, responderId } = await open(0, 1, { store });
    store.hold();
    let transferred = false;
    let pinged = false;
    const transfer = initiator.transfer(responderId, 10n).then((r) => {
      transferred = true;
      return r;
    });
    for (let i = 0; i < 100 && store.waiting === 0; i++) await tick(2);
    expect(store.waiting).toBe(1);
    const ping = initiator.ping().then(() => {
      pinged = true;
    });
    await tick(30);
    expect(transferred).toBe(false);
    expect(pinged).toBe(false); // the fsm is frozen until the write completes
    expect(await store.read(initiator.channelId!)).not.toContain('"round":2');
    store.release();
    const result = await transfer;
    await ping;
    expect(result.round).toBe(2n);
    expect(await store.read(initiator.channelId!)).toContain(result.state);
    initiator.dispose();
    responder.dispose();
  });

  it('ends with one CHANNEL_UNRECOVERABLE when the store cannot write', async () => {
    const good = createMemoryStore();
    let failing = false;
    const store: Store = {
      read: (key) => good.read(key),
      delete: (key) => good.delete(key),
      list: () => good.list(),
      write: (key, value) => (failing ? Promise.reject(new Error('disk full')) : good.write(key, value)),
    };
    const { initiator, responder, responderId } = await open(2, 3, { store });
    const errors: ChannelClientEvent[] = [];
    initiator.on('error', (e) => errors.push(e));
    failing = true;
    const error = await initiator.transfer(responderId, 10n).catch((e: unknown) => e);
    expect(isAechannelError(error, 'CHANNEL_UNRECOVERABLE')).toBe(true);
    expect(errors.filter((e) => e.type === 'error' && e.error.code === 'CHANNEL_UNRECOVERABLE')).toHaveLength(1);
    expect(initiator.failure).toBe(error);
    expect(initiator.finished).toBe(true);
    await expect(initiator.ping()).rejects.toBe(error);
    responder.dispose();
  });

  it('aborts the round when the signer fails, reports it, and keeps working', async () => {
    const account = devnode.accounts[4]!;
    const real = memorySigner(account.secretKey);
    let failNext = false;
    const signer: Signer = {
      address: real.address,
      signBytes: (bytes, options) => real.signBytes(bytes, options),
      signTransaction: async (tx, options) => {
        if (failNext) {
          failNext = false;
          throw new Error('hardware wallet unplugged');
        }
        return real.signTransaction(tx, options);
      },
    };
    const { initiator, responder, responderId } = await open(4, 5, { signer });
    const errors: string[] = [];
    initiator.on('error', (e) => errors.push(e.error.code));
    failNext = true;
    const error = await initiator.transfer(responderId, 10n).catch((e: unknown) => e);
    expect(isAechannelError(error, 'CHANNEL_UPDATE_ABORTED')).toBe(true);
    expect(errors).toContain('CHANNEL_SIGNER_FAILED');
    expect(initiator.round).toBe(1n);
    const ok = await initiator.transfer(responderId, 10n);
    expect(ok.round).toBe(2n);
    initiator.dispose();
    responder.dispose();
  });

  it('survives listeners that throw, and ends event iterators without leaking', async () => {
    const { initiator, responder, responderId } = await open(6, 7);
    initiator.on('stateChanged', () => {
      throw new Error('buggy listener');
    });
    const seen: bigint[] = [];
    const iterate = (async () => {
      for await (const event of initiator.events({ types: ['stateChanged'] })) seen.push(event.round);
      return 'ended';
    })();
    await initiator.transfer(responderId, 1n);
    await initiator.transfer(responderId, 1n);
    initiator.dispose();
    expect(await iterate).toBe('ended');
    expect(seen).toEqual([2n, 3n]);
    // after the end, subscribing is a no-op and calls reject with a typed error
    const off = initiator.on('stateChanged', () => {});
    off();
    await expect(initiator.transfer(responderId, 1n)).rejects.toSatisfy((e) => isAechannelError(e, 'CHANNEL_CLOSED'));
    responder.dispose();
  });

  it('settles a pending waitForStatus when the channel is disposed or disconnected (no promise left hanging)', async () => {
    const { initiator, responder } = await open(8, 9);
    const closedByDispose = initiator.waitForStatus('closed');
    initiator.dispose();
    await expect(closedByDispose).rejects.toSatisfy((e) => isAechannelError(e, 'CHANNEL_CLOSED'));
    const closedByDisconnect = responder.waitForStatus('closed');
    await responder.disconnect();
    await expect(closedByDisconnect).rejects.toSatisfy((e) => isAechannelError(e, 'CHANNEL_CLOSED'));
  });

  it('records every message in the fixture format', async () => {
    const sections: SectionInput[] = [];
    let received = 0;
    let sent = 0;
    const counting: TransportFactory = (url, context) => {
      const transport = inProcess(url, context);
      transport.on('message', () => received++);
      const send = transport.send.bind(transport);
      return Object.assign(Object.create(transport) as Transport, {
        send: (message: Parameters<Transport['send']>[0]) => {
          sent++;
          send(message);
        },
      });
    };
    const { initiator, responder, responderId } = await open(8, 9, { transport: counting, transcript: { write: (s) => sections.push(s) } });
    await initiator.transfer(responderId, 3n);
    await initiator.ping();
    const parsed = parseTranscript(writeTranscript(sections));
    expect(parsed[0]?.kind).toBe('connect');
    expect(parsed.filter((s) => s.kind === 'receive')).toHaveLength(received);
    expect(parsed.filter((s) => s.kind === 'send')).toHaveLength(sent);
    expect(parsed.every((s) => s.role === 'initiator')).toBe(true);
    initiator.dispose();
    responder.dispose();
  });

  it('times out waiting for fsm_up on the injected clock (scripted silent node)', async () => {
    const clock = createManualClock(1_000);
    const { client, server } = createMemoryTransportPair();
    const requests: unknown[] = [];
    server.on('message', (m) => requests.push(m));
    const a = devnode.accounts[0]!;
    const opening = Channel.open({
      networkId: 'ae_devnet',
      role: 'responder',
      initiatorId: devnode.accounts[1]!.address,
      responderId: a.address,
      initiatorAmount: 10n,
      responderAmount: 10n,
      channelReserve: 1n,
      lockPeriod: 3n,
      port: 1,
      signer: memorySigner(a.secretKey),
      transport: () => client,
      clock,
    });
    await client.opened;
    await tick();
    clock.advance(29_999);
    await tick();
    let settled = false;
    void opening.catch(() => (settled = true));
    await tick();
    expect(settled).toBe(false);
    clock.advance(2);
    const error = await opening.catch((e: unknown) => e);
    expect(isAechannelError(error, 'CHANNEL_TIMEOUT')).toBe(true);
    expect(requests).toEqual([]); // nothing was sent to a node that never said fsm_up
  });

  it('applies per-call timeouts on the injected clock', async () => {
    const clock: ManualClock = createManualClock(0);
    let mute = false;
    const muting: TransportFactory = (url, context) => {
      const transport = inProcess(url, context);
      const on = transport.on.bind(transport);
      return Object.assign(Object.create(transport) as Transport, {
        on: ((event: 'message', listener: (m: unknown) => void) =>
          event === 'message' ? on('message', (m) => (mute ? undefined : listener(m))) : on(event, listener as never)) as Transport['on'],
      });
    };
    const { initiator, responder } = await open(1, 2, { transport: muting, clock });
    mute = true;
    const ping = initiator.ping({ timeoutMs: 5_000 });
    let done = false;
    void ping.catch(() => (done = true));
    clock.advance(4_999);
    await tick();
    expect(done).toBe(false);
    clock.advance(1);
    await expect(ping).rejects.toSatisfy((e) => isAechannelError(e, 'CHANNEL_TIMEOUT'));
    initiator.dispose();
    responder.dispose();
  });

  it('gives up reconnecting after the configured attempts with one CHANNEL_UNRECOVERABLE', async () => {
    let down = false;
    let live: Transport | undefined;
    const flaky: TransportFactory = (url, context) => {
      if (down) {
        // a node that is gone: the link closes before it opens
        const { client, server } = createMemoryTransportPair();
        queueMicrotask(() => server.terminate());
        return client;
      }
      live = inProcess(url, context);
      return live;
    };
    const { initiator, responder, responderId } = await open(3, 4, { transport: flaky, reconnect: { attempts: 3, baseDelayMs: 1, maxDelayMs: 4 } });
    const events: string[] = [];
    initiator.on('*', (e) => {
      if (e.type === 'reconnecting' || (e.type === 'error' && e.error.code === 'CHANNEL_UNRECOVERABLE')) events.push(e.type);
    });
    const failed = new Promise<unknown>((resolve) => initiator.on('error', (e) => resolve(e.error)));
    down = true;
    live!.terminate();
    expect(isAechannelError(await failed, 'CHANNEL_UNRECOVERABLE')).toBe(true);
    expect(initiator.finished).toBe(true);
    expect(events).toEqual(['reconnecting', 'reconnecting', 'reconnecting', 'error']);
    await expect(initiator.transfer(responderId, 1n)).rejects.toSatisfy((e) => isAechannelError(e, 'CHANNEL_UNRECOVERABLE'));
    responder.dispose();
  });

  it('never signs a sign request that does not match: a security event instead', async () => {
    let inject: (message: JsonValue) => void = () => {};
    const injecting: TransportFactory = (url, context) => {
      const transport = inProcess(url, context);
      const listeners = new Set<(m: JsonValue) => void>();
      transport.on('message', (m) => listeners.forEach((l) => l(m)));
      inject = (m) => listeners.forEach((l) => l(m));
      const on = transport.on.bind(transport);
      return Object.assign(Object.create(transport) as Transport, {
        on: ((event: string, listener: (m: JsonValue) => void) => {
          if (event !== 'message') return on(event as 'open', listener as never);
          listeners.add(listener);
          return () => listeners.delete(listener);
        }) as Transport['on'],
      });
    };
    const account = devnode.accounts[3]!;
    const real = memorySigner(account.secretKey);
    let signed = 0;
    const signer: Signer = { ...real, address: real.address, signBytes: real.signBytes, signTransaction: (tx, o) => (signed++, real.signTransaction(tx, o)) };
    const { initiator, responder } = await open(3, 6, { transport: injecting, signer });
    const before = signed;
    const security = new Promise<ChannelClientEvent>((resolve) => initiator.once('security', resolve));
    // the node "asks" us to co-sign our own create tx again as if it were a peer update
    inject({ jsonrpc: '2.0', version: 1n, method: 'channels.sign.update_ack', params: { channel_id: initiator.channelId, data: { signed_tx: initiator.latestState, updates: [] } } });
    const event = await security;
    expect(event).toMatchObject({ type: 'security', tag: 'update_ack' });
    await tick(20);
    expect(signed).toBe(before);
    expect(initiator.round).toBe(1n);
    expect(initiator.latestState).toBe((await initiator.state()).signedTx);
    initiator.dispose();
    responder.dispose();
  });

  it('builds the channel URL with sorted, percent-encoded parameters', () => {
    expect(channelUrl('ws://127.0.0.1:3014/channel', { role: 'initiator', existing_fsm_id: 'ba_a+b/c=', protocol: 'json-rpc' })).toBe(
      'ws://127.0.0.1:3014/channel?existing_fsm_id=ba_a%2Bb%2Fc%3D&protocol=json-rpc&role=initiator',
    );
  });

  it('keeps many channels in one process independent', async () => {
    const pairs = await Promise.all([open(5, 6), open(7, 8), open(9, 0)]);
    await Promise.all(pairs.map((p, n) => p.initiator.transfer(p.responderId, BigInt(n + 1))));
    pairs.forEach((p, n) => {
      expect(p.initiator.localBalances[p.responderId as Encoded<'ak'>]).toBe(1000n + BigInt(n + 1));
    });
    pairs[0]!.initiator.dispose();
    await pairs[1]!.initiator.transfer(pairs[1]!.responderId, 1n);
    for (const p of pairs) {
      p.initiator.dispose();
      p.responder.dispose();
    }
  });
});
