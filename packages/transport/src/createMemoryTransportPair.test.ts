import type { JsonValue } from '@aechannel/codec';
import { describe, expect, it } from 'vitest';
import { collect, fakeTimers } from '../test/helpers.js';
import { createMemoryTransportPair } from './createMemoryTransportPair.js';

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('createMemoryTransportPair', () => {
  it('opens both ends on a microtask, so listeners attached right away see open', async () => {
    const { client, server } = createMemoryTransportPair();
    expect(client.readyState).toBe('connecting');
    const opens = [collect(client, 'open'), collect(server, 'open')];
    expect(() => client.send({})).toThrowError(expect.objectContaining({ code: 'TRANSPORT_NOT_OPEN' }));
    await Promise.all([client.opened, server.opened]);
    expect(opens.map((o) => o.length)).toEqual([1, 1]);
  });

  it('delivers asynchronously, never inside send, and copies values through JSON', async () => {
    const { client, server } = createMemoryTransportPair();
    await client.opened;
    const received = collect(server, 'message');
    const value = { amount: 10n ** 30n, list: [1n, 'a', null, true, 0.25] };
    client.send(value);
    expect(received).toEqual([]);
    await settle();
    expect(received).toEqual([value]);
    expect(received[0]).not.toBe(value);
  });

  it('holds and releases frames in order, per direction', async () => {
    const { client, server, link } = createMemoryTransportPair();
    await client.opened;
    const atServer = collect(server, 'message');
    const atClient = collect(client, 'message');
    link.hold('clientToServer');
    client.send({ n: 1n });
    client.send({ n: 2n });
    server.send({ back: 1n });
    await settle();
    expect(atServer).toEqual([]);
    expect(atClient).toEqual([{ back: 1n }]);
    expect(link.queued).toEqual({ clientToServer: 2, serverToClient: 0 });
    link.release();
    expect(atServer).toEqual([{ n: 1n }, { n: 2n }]);
    expect(link.queued).toEqual({ clientToServer: 0, serverToClient: 0 });
  });

  it('delays frames with the injected timer and keeps order', async () => {
    const timers = fakeTimers();
    const { client, server, link } = createMemoryTransportPair({ setTimeout: timers.setTimeout });
    await client.opened;
    const atServer = collect(server, 'message');
    link.delay(100, 'clientToServer');
    client.send({ n: 1n });
    link.delay(10, 'clientToServer');
    client.send({ n: 2n }); // ready earlier, but must wait behind n=1
    await timers.advance(50);
    expect(atServer).toEqual([]);
    await timers.advance(50);
    expect(atServer).toEqual([{ n: 1n }, { n: 2n }]);
    expect(() => link.delay(-1)).toThrowError(expect.objectContaining({ code: 'TRANSPORT_INVALID_OPTIONS' }));
  });

  it('drops frames matching a rule until the rule is removed', async () => {
    const { client, server, link } = createMemoryTransportPair();
    await client.opened;
    const atServer = collect(server, 'message');
    const stop = link.drop(({ direction, text }) => direction === 'clientToServer' && text.includes('secret'));
    client.send({ secret: 1n });
    client.send({ public: 1n });
    await settle();
    stop();
    client.send({ secret: 2n });
    await settle();
    expect(atServer).toEqual([{ public: 1n }, { secret: 2n }]);
    expect(link.dropped).toBe(1);
  });

  it('a close frame travels behind the data frames sent before it', async () => {
    const { client, server } = createMemoryTransportPair();
    await client.opened;
    const atServer = collect(server, 'message');
    client.send({ last: 'words' });
    client.close(4000, 'bye');
    const event = await server.closed;
    expect(atServer).toEqual([{ last: 'words' }]);
    expect(event).toEqual({ code: 4000, reason: 'bye', wasClean: true });
    expect(await client.closed).toEqual(event);
  });

  it('cut loses frames in flight and closes both ends with 1006', async () => {
    const { client, server, link } = createMemoryTransportPair();
    await client.opened;
    const atServer: JsonValue[] = collect(server, 'message');
    client.send({ lost: true });
    link.cut();
    expect(await server.closed).toEqual({ code: 1006, reason: '', wasClean: false });
    expect(await client.closed).toEqual({ code: 1006, reason: '', wasClean: false });
    expect(atServer).toEqual([]);
  });

  it('cut before open: neither end opens, opened rejects with TRANSPORT_CONNECT_FAILED', async () => {
    const { client, link } = createMemoryTransportPair();
    link.cut();
    await expect(client.opened).rejects.toMatchObject({ code: 'TRANSPORT_CONNECT_FAILED' });
  });

  it('takes a frame limit per end: each end refuses larger frames with 1009', async () => {
    const { client, server } = createMemoryTransportPair({ maxFrameBytes: { client: 100, server: 50 } });
    await client.opened;
    const atServer = collect(server, 'message');
    client.send({ pad: 'x'.repeat(60) }); // 70 bytes: over the server's limit
    const serverErrors = collect(server, 'error');
    expect((await server.closed).code).toBe(1009);
    expect(atServer).toEqual([]);
    expect(serverErrors.map((e) => e.code)).toEqual(['TRANSPORT_FRAME_TOO_LARGE']);

    const pair = createMemoryTransportPair({ maxFrameBytes: { server: 50 } });
    await pair.client.opened;
    const atClient = collect(pair.client, 'message');
    pair.server.send({ pad: 'x'.repeat(1000) }); // the client keeps the default limit
    await settle();
    expect(atClient).toHaveLength(1);
  });

  it('refuses a bad maxFrameBytes', () => {
    expect(() => createMemoryTransportPair({ maxFrameBytes: { server: 0 } })).toThrowError(expect.objectContaining({ code: 'TRANSPORT_INVALID_OPTIONS' }));
    expect(() => createMemoryTransportPair({ maxFrameBytes: 1.5 })).toThrowError(
      expect.objectContaining({ code: 'TRANSPORT_INVALID_OPTIONS' }),
    );
  });
});
