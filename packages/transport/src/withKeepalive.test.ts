import type { JsonValue } from '@aechannel/codec';
import { describe, expect, it } from 'vitest';
import { collect, fakeTimers } from '../test/helpers.js';
import { createMemoryTransportPair, type MemoryTransportPair } from './createMemoryTransportPair.js';
import { withKeepalive } from './withKeepalive.js';
import { withReconnect } from './withReconnect.js';

const PING = { jsonrpc: '2.0', method: 'channels.system', params: { action: 'ping' } };
const PONG = { jsonrpc: '2.0', method: 'channels.system.pong', params: { channel_id: null, data: { action: 'system', tag: 'pong' } }, version: 1n };

async function setup(answerPings: boolean) {
  const timers = fakeTimers();
  const { client, server, link } = createMemoryTransportPair();
  const transport = withKeepalive(client, { intervalMs: 1000, timeoutMs: 1500, setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout });
  const atServer: JsonValue[] = [];
  server.on('message', (message) => {
    atServer.push(message);
    if (answerPings && (message as { method?: unknown }).method === 'channels.system') server.send(PONG);
  });
  const messages = collect(transport, 'message');
  const errors = collect(transport, 'error');
  await transport.opened;
  return { timers, transport, server, link, atServer, messages, errors };
}

describe('withKeepalive', () => {
  it('pings after the idle interval and swallows the pong it caused', async () => {
    const { timers, transport, atServer, messages, errors } = await setup(true);
    await timers.advance(999);
    expect(atServer).toEqual([]);
    await timers.advance(1);
    expect(atServer).toEqual([PING]);
    await timers.advance(10_000);
    expect(atServer).toHaveLength(11);
    expect(messages).toEqual([]);
    expect(errors).toEqual([]);
    expect(transport.readyState).toBe('open');
  });

  it('lets through pongs it did not ask for, and every other message', async () => {
    const { server, messages, timers } = await setup(true);
    server.send(PONG);
    server.send({ jsonrpc: '2.0', method: 'channels.info', params: {} });
    await timers.advance(0);
    expect(messages).toEqual([PONG, { jsonrpc: '2.0', method: 'channels.info', params: {} }]);
  });

  it('counts any frame as alive: no ping while the node talks', async () => {
    const { server, atServer, timers } = await setup(false);
    for (let i = 0; i < 10; i++) {
      await timers.advance(900);
      server.send({ tick: BigInt(i) });
    }
    expect(atServer).toEqual([]);
  });

  it('reports TRANSPORT_PONG_TIMEOUT and terminates when nothing answers', async () => {
    const { transport, atServer, errors, timers, server } = await setup(false);
    const serverClosed = server.closed;
    await timers.advance(1000 + 1499);
    expect(errors).toEqual([]);
    expect(atServer).toEqual([PING, PING]); // at 1000 and 2000; the dead timer runs from the first
    await timers.advance(1);
    expect(errors.map((e) => e.code)).toEqual(['TRANSPORT_PONG_TIMEOUT']);
    expect(await transport.closed).toEqual({ code: 1006, reason: 'pong timeout', wasClean: false });
    expect((await serverClosed).wasClean).toBe(false);
    expect(timers.pending).toBe(0);
  });

  it('a malformed frame still proves the link alive', async () => {
    const { link, errors, timers, transport } = await setup(false);
    await timers.advance(1000); // ping sent, dead timer armed for 1500
    await timers.advance(1400);
    link.inject('serverToClient', 'garbage');
    await timers.advance(1400);
    expect(errors.map((e) => e.code)).toEqual(['TRANSPORT_INVALID_JSON']);
    expect(transport.readyState).toBe('open');
  });

  it('stops its timers when closed normally', async () => {
    const { transport, timers } = await setup(true);
    transport.close(1000, 'bye');
    expect(await transport.closed).toEqual({ code: 1000, reason: 'bye', wasClean: true });
    expect(timers.pending).toBe(0);
  });

  it('refuses non-positive times', () => {
    const { client } = createMemoryTransportPair();
    expect(() => withKeepalive(client, { intervalMs: 0 })).toThrowError(expect.objectContaining({ code: 'TRANSPORT_INVALID_OPTIONS' }));
    expect(() => withKeepalive(client, { timeoutMs: Number.NaN })).toThrowError(expect.objectContaining({ code: 'TRANSPORT_INVALID_OPTIONS' }));
  });
});

describe('withKeepalive over withReconnect', () => {
  /** Keepalive outside a reconnecting transport over memory pairs whose servers never answer. */
  async function setupReconnecting() {
    const timers = fakeTimers();
    const made: MemoryTransportPair[] = [];
    const reconnecting = withReconnect(
      () => {
        made.push(createMemoryTransportPair());
        return made.at(-1)!.client;
      },
      { baseDelayMs: 700, maxDelayMs: 700, jitter: 0, setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout },
    );
    const transport = withKeepalive(reconnecting, {
      intervalMs: 1000,
      timeoutMs: 1500,
      setTimeout: timers.setTimeout,
      clearTimeout: timers.clearTimeout,
    });
    const errors = collect(transport, 'error');
    const reconnected = collect(transport, 'reconnected');
    await transport.opened;
    return { timers, made, transport, errors, reconnected };
  }

  it('pings on the new socket when the idle timer fired while reconnecting', async () => {
    const { timers, made, transport, errors, reconnected } = await setupReconnecting();
    await timers.advance(500);
    made[0]!.link.cut(); // lost at 500; the idle timer (1000) fires while reconnecting
    await timers.advance(700); // reconnected at 1200
    expect(reconnected).toEqual([{ attempt: 1 }]);
    const atServer = collect(made[1]!.server, 'message');
    await timers.advance(1000); // 2200: a full idle interval on the new socket
    expect(atServer).toEqual([PING]);
    await timers.advance(1500); // 3700: that ping went unanswered
    expect(errors.map((e) => e.code)).toEqual(['TRANSPORT_PONG_TIMEOUT']);
    expect(transport.readyState).not.toBe('open');
  });

  it('does not let the dead timer of a lost socket end the new one early', async () => {
    const { timers, made, transport, errors } = await setupReconnecting();
    await timers.advance(1000); // ping on socket 0, dead timer due at 2500
    made[0]!.link.cut();
    await timers.advance(700); // reconnected at 1700; the new socket owes nothing yet
    await timers.advance(2000); // 3700: new ping at 2700, due at 4200
    expect(errors).toEqual([]);
    expect(transport.readyState).toBe('open');
    await timers.advance(500); // 4200
    expect(errors.map((e) => e.code)).toEqual(['TRANSPORT_PONG_TIMEOUT']);
  });
});
