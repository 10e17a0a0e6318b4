import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { collect, fakeTimers } from '../test/helpers.js';
import { createMemoryTransportPair, type MemoryTransportPair } from './createMemoryTransportPair.js';
import type { Transport } from './transport.js';
import { withReconnect, type ReconnectOptions } from './withReconnect.js';

/** A factory over memory pairs; `refuse` makes the next attempts fail before opening. */
function pairs(initiallyRefused = 0) {
  const made: MemoryTransportPair[] = [];
  let refuse = initiallyRefused;
  const factory = (): Transport => {
    const pair = createMemoryTransportPair();
    made.push(pair);
    if (refuse > 0) {
      refuse -= 1;
      pair.link.cut(); // closes before open: a failed attempt
    }
    return pair.client;
  };
  return {
    made,
    factory,
    refuseNext(n: number) {
      refuse = n;
    },
  };
}

function throwPolicyBug(): never {
  throw new Error('policy bug');
}

function setup(options: ReconnectOptions = {}, initiallyRefused = 0) {
  const timers = fakeTimers();
  const p = pairs(initiallyRefused);
  const transport = withReconnect(p.factory, {
    attempts: 3,
    baseDelayMs: 100,
    maxDelayMs: 250,
    jitter: 0.5,
    random: () => 0.5,
    setTimeout: timers.setTimeout,
    clearTimeout: timers.clearTimeout,
    ...options,
  });
  return {
    ...p,
    timers,
    transport,
    reconnecting: collect(transport, 'reconnecting'),
    reconnected: collect(transport, 'reconnected'),
    errors: collect(transport, 'error'),
    opens: collect(transport, 'open'),
    closes: collect(transport, 'close'),
  };
}

describe('withReconnect', () => {
  it('reconnects with exponential backoff and jitter, then carries traffic on the new link', async () => {
    const s = setup();
    await s.transport.opened;
    s.refuseNext(2);
    s.made[0]!.link.cut();
    await s.timers.advance(0);
    expect(s.transport.readyState).toBe('connecting');
    expect(() => s.transport.send({})).toThrowError(expect.objectContaining({ code: 'TRANSPORT_NOT_OPEN' }));
    await s.timers.advance(1000);
    // delay n = min(250, 100 * 2^(n-1)) * (1 - 0.5 * 0.5)
    expect(s.reconnecting.map(({ attempt, delayMs }) => [attempt, delayMs])).toEqual([
      [1, 75],
      [2, 150],
      [3, 188],
    ]);
    expect(s.reconnecting[0]!.close).toEqual({ code: 1006, reason: '', wasClean: false });
    expect(s.reconnected).toEqual([{ attempt: 3 }]);
    expect(s.opens).toHaveLength(1);
    expect(s.closes).toEqual([]);
    expect(s.transport.readyState).toBe('open');
    expect(s.made).toHaveLength(4);
    expect(s.transport.current).toBe(s.made[3]!.client);

    const messages = collect(s.transport, 'message');
    s.made[3]!.server.send({ after: 'reconnect' });
    await s.timers.advance(0);
    expect(messages).toEqual([{ after: 'reconnect' }]);
  });

  it('starts counting again after a successful reconnect', async () => {
    const s = setup();
    await s.transport.opened;
    for (let i = 0; i < 5; i++) {
      s.made.at(-1)!.link.cut();
      await s.timers.advance(1000);
    }
    expect(s.reconnecting.map(({ attempt }) => attempt)).toEqual([1, 1, 1, 1, 1]);
    expect(s.transport.readyState).toBe('open');
  });

  it('gives up after the bounded attempts with TRANSPORT_RECONNECT_FAILED, then closes', async () => {
    const s = setup();
    await s.transport.opened;
    s.refuseNext(10);
    s.made[0]!.link.cut();
    await s.timers.advance(10_000);
    expect(s.reconnecting.map(({ attempt }) => attempt)).toEqual([1, 2, 3]);
    expect(s.errors.map((e) => e.code)).toEqual(['TRANSPORT_RECONNECT_FAILED']);
    expect(s.errors[0]!.context).toMatchObject({ attempts: 3, lastClose: { code: 1006 } });
    expect(s.closes).toEqual([{ code: 1006, reason: '', wasClean: false }]);
    expect(s.made).toHaveLength(4);
    expect(s.timers.pending).toBe(0);
  });

  it('retries the very first connection too, and opens once it succeeds', async () => {
    const s = setup({ attempts: 2 }, 2);
    await s.timers.advance(10_000);
    await s.transport.opened;
    expect(s.reconnecting.map(({ attempt }) => attempt)).toEqual([1, 2]);
    expect(s.opens).toHaveLength(1);
    expect(s.reconnected).toEqual([]); // the first open is `open`, not `reconnected`
  });

  it('rejects opened with TRANSPORT_CONNECT_FAILED when it gives up before any link opened', async () => {
    const s = setup({ attempts: 1 }, 5);
    await s.timers.advance(10_000);
    await expect(s.transport.opened).rejects.toMatchObject({ code: 'TRANSPORT_CONNECT_FAILED' });
    expect(s.errors.map((e) => e.code)).toEqual(['TRANSPORT_RECONNECT_FAILED']);
    expect(s.made).toHaveLength(2);
  });

  it('does not reconnect after a clean 1000 close from the node (default policy)', async () => {
    const s = setup();
    await s.transport.opened;
    s.made[0]!.server.close(1000, 'done');
    expect(await s.transport.closed).toEqual({ code: 1000, reason: 'done', wasClean: true });
    expect(s.reconnecting).toEqual([]);
  });

  it('follows a custom shouldReconnect', async () => {
    const s = setup({ shouldReconnect: (event) => event.code === 4001 });
    await s.transport.opened;
    s.made[0]!.server.close(4001, 'again');
    await s.timers.advance(1000);
    expect(s.reconnected).toEqual([{ attempt: 1 }]);
    s.made[1]!.server.close(4002, 'stop');
    expect(await s.transport.closed).toMatchObject({ code: 4002 });
  });

  it.each<[string, ReconnectOptions]>([
    ['shouldReconnect', { shouldReconnect: throwPolicyBug }],
    ['random', { random: throwPolicyBug }],
  ])('a throwing %s ends the transport with TRANSPORT_RECONNECT_FAILED instead of leaving it open without a socket', async (_, options) => {
    const s = setup(options);
    await s.transport.opened;
    s.made[0]!.link.cut();
    await s.timers.advance(10_000);
    expect(s.errors.map((e) => e.code)).toEqual(['TRANSPORT_RECONNECT_FAILED']);
    expect((s.errors[0]!.cause as Error).message).toBe('policy bug');
    expect(s.closes).toEqual([{ code: 1006, reason: '', wasClean: false }]);
    expect(s.transport.readyState).toBe('closed');
    expect(s.timers.pending).toBe(0);
  });

  it('closing while waiting for the next attempt ends at once, with the given code', async () => {
    const s = setup();
    await s.transport.opened;
    s.made[0]!.link.cut();
    await s.timers.advance(0);
    expect(s.timers.pending).toBe(1);
    s.transport.close(4000, 'user');
    expect(await s.transport.closed).toEqual({ code: 4000, reason: 'user', wasClean: true });
    expect(s.timers.pending).toBe(0);
    expect(s.made).toHaveLength(1);
  });

  it('closing while open closes the current link and does not reconnect', async () => {
    const s = setup();
    await s.transport.opened;
    const serverSaw = s.made[0]!.server.closed;
    s.transport.close(4000, 'bye');
    expect(await serverSaw).toMatchObject({ code: 4000, reason: 'bye' });
    expect(await s.transport.closed).toMatchObject({ code: 4000, reason: 'bye' });
    await s.timers.advance(10_000);
    expect(s.made).toHaveLength(1);
  });

  it('is cancelled by its AbortSignal, and the factory sees the abort', async () => {
    const controller = new AbortController();
    const signals: AbortSignal[] = [];
    const timers = fakeTimers();
    const transport = withReconnect(
      ({ signal }) => {
        signals.push(signal);
        return createMemoryTransportPair().client;
      },
      { signal: controller.signal, setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout },
    );
    await transport.opened;
    controller.abort();
    expect(await transport.closed).toMatchObject({ code: 1000, reason: 'aborted' });
    expect(signals[0]!.aborted).toBe(true);
  });

  it('throws when the factory throws for the first link; later throws count as failed attempts', async () => {
    expect(() =>
      withReconnect(() => {
        throw new Error('bad url');
      }),
    ).toThrow('bad url');
    // Throwing there leaves nothing behind: no listener on the caller's signal, and what the
    // factory started is aborted.
    const caller = new AbortController();
    let factorySignal: AbortSignal | undefined;
    expect(() =>
      withReconnect(
        ({ signal }) => {
          factorySignal = signal;
          throw new Error('bad url');
        },
        { signal: caller.signal },
      ),
    ).toThrow('bad url');
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
    expect(factorySignal?.aborted).toBe(true);
    const timers = fakeTimers();
    const made: MemoryTransportPair[] = [];
    const transport = withReconnect(
      ({ attempt }) => {
        if (attempt === 1) throw new Error('no network');
        made.push(createMemoryTransportPair());
        return made.at(-1)!.client;
      },
      { baseDelayMs: 10, random: () => 0, setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout },
    );
    const errors = collect(transport, 'error');
    const reconnecting = collect(transport, 'reconnecting');
    await transport.opened;
    made[0]!.link.cut();
    await timers.advance(100);
    expect(errors.map((e) => e.code)).toEqual(['TRANSPORT_CONNECT_FAILED']);
    expect((errors[0]!.cause as Error).message).toBe('no network');
    expect(reconnecting.map(({ attempt, delayMs }) => [attempt, delayMs])).toEqual([
      [1, 10],
      [2, 20],
    ]);
    expect(transport.readyState).toBe('open');
  });

  it.each<[keyof ReconnectOptions, number]>([
    ['attempts', -1],
    ['attempts', 1.5],
    ['baseDelayMs', -1],
    ['maxDelayMs', 1],
    ['jitter', 2],
  ])('refuses %s = %d', (option, value) => {
    expect(() => withReconnect(() => createMemoryTransportPair().client, { baseDelayMs: 10, [option]: value })).toThrowError(
      expect.objectContaining({ code: 'TRANSPORT_INVALID_OPTIONS' }),
    );
  });
});
