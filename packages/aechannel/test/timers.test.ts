/**
 * No timer of a channel outlives it: the driver's waits (abort probes after a resume,
 * reconnect backoff, store retry backoff) end when the channel ends. The clock is injected
 * and counts the timers it has pending; the in-process devnode plays the node.
 */
import { isAechannelError, type JsonValue } from '@aechannel/codec';
import { startDevnode, type Devnode } from '@aechannel/devnode';
import { memorySigner } from '@aechannel/signer';
import type { Transport } from '@aechannel/transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallChannelOptions } from './helpers.js';
import { Channel, type ChannelClock, type OpenChannelOptions, type TransportFactory } from '../src/Channel.js';
import { createMemoryStore } from '../src/createMemoryStore.js';
import type { Store } from '../src/Store.js';

let devnode: Devnode;
beforeAll(async () => {
  devnode = await startDevnode({ listen: false });
});
afterAll(async () => {
  await devnode.stop();
});

/** Real time, but it knows which of its timers are still pending. */
function countingClock(): ChannelClock & { readonly pending: number } {
  const live = new Set<ReturnType<typeof setTimeout>>();
  return {
    now: () => Date.now(),
    setTimeout(callback, ms) {
      const handle = setTimeout(() => {
        live.delete(handle);
        callback();
      }, ms);
      live.add(handle);
      return handle;
    },
    clearTimeout(handle) {
      clearTimeout(handle as ReturnType<typeof setTimeout>);
      live.delete(handle as ReturnType<typeof setTimeout>);
    },
    get pending() {
      return live.size;
    },
  };
}

const tick = (ms = 5): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function open(i: number, r: number, initiator: Partial<OpenChannelOptions> = {}) {
  const a = devnode.accounts[i]!;
  const b = devnode.accounts[r]!;
  const common = {
    ...smallChannelOptions(devnode, i, r),
    transport: ((url) => devnode.connect(url)) as TransportFactory,
  };
  const [ini, res] = await Promise.all([
    Channel.open({ ...common, role: 'initiator', host: 'localhost', signer: memorySigner(a.secretKey), ...initiator }),
    Channel.open({ ...common, role: 'responder', signer: memorySigner(b.secretKey) }),
  ]);
  return { initiator: ini, responder: res, responderId: b.address, initiatorKey: a.secretKey };
}

describe('timers end with the channel', () => {
  it('a resume cut short leaves no abort probe timer behind', async () => {
    const store = createMemoryStore();
    const { initiator, responder, initiatorKey } = await open(0, 1, { store });
    const channelId = initiator.channelId!;
    await initiator.disconnect();
    // A node that never answers the abort probes (§9.6): each would wait 2 s.
    const controller = new AbortController();
    const probes: JsonValue[] = [];
    const silentOnAborts: TransportFactory = (url) => {
      const transport = devnode.connect(url);
      const send = transport.send.bind(transport);
      return Object.assign(Object.create(transport) as Transport, {
        send(message: Parameters<Transport['send']>[0]) {
          const params = (message as { params?: { error?: unknown } }).params;
          if (params?.error === undefined) return send(message);
          probes.push(message);
          controller.abort(); // the user gives up while the probe waits
        },
      });
    };
    const clock = countingClock();
    const resumed = Channel.reconnect({ store, channelId, signer: memorySigner(initiatorKey), transport: silentOnAborts, clock, signal: controller.signal });
    const error = await resumed.catch((e: unknown) => e);
    expect(isAechannelError(error, 'CHANNEL_ABORTED')).toBe(true);
    expect(probes).toHaveLength(1);
    await tick();
    expect(clock.pending).toBe(0);
    responder.dispose();
  });

  it('dispose during the reconnect backoff leaves no timer behind', async () => {
    const clock = countingClock();
    let live: Transport | undefined;
    const transport: TransportFactory = (url) => (live = devnode.connect(url));
    const { initiator, responder } = await open(2, 3, { clock, transport, reconnect: { baseDelayMs: 60_000, maxDelayMs: 60_000 } });
    const reconnecting = new Promise((resolve) => initiator.once('reconnecting', resolve));
    live!.terminate();
    await reconnecting;
    expect(clock.pending).toBeGreaterThan(0);
    initiator.dispose();
    await tick();
    expect(clock.pending).toBe(0);
    responder.dispose();
  });

  it('dispose during the store retry backoff leaves no timer behind', async () => {
    const clock = countingClock();
    const good = createMemoryStore();
    let failing = false;
    let failures = 0;
    let failed: () => void = () => {};
    const firstFailure = new Promise<void>((resolve) => (failed = resolve));
    const store: Store = {
      read: (key) => good.read(key),
      delete: (key) => good.delete(key),
      list: () => good.list(),
      write: (key, value) => {
        if (!failing) return good.write(key, value);
        failures++;
        failed();
        return Promise.reject(new Error('disk busy'));
      },
    };
    const { initiator, responder, responderId } = await open(4, 5, { clock, store });
    failing = true;
    const transfer = initiator.transfer(responderId, 1n).catch((e: unknown) => e);
    await firstFailure;
    await tick(0);
    expect(failures).toBe(1); // the driver now sleeps before the next attempt
    initiator.dispose();
    expect(isAechannelError(await transfer, 'CHANNEL_CLOSED')).toBe(true);
    await tick();
    expect(clock.pending).toBe(0);
    responder.dispose();
  });
});
