/**
 * `webSocketTransport` and the wrappers against a real `ws` server on 127.0.0.1 (random
 * port): JSON-RPC correlation, notifications, closes, loss, a silent server, reconnects.
 */
import { isAechannelError, stringifyJson, type JsonValue } from '@aechannel/codec';
import { getEventListeners } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import {
  buildChannelUrl,
  createJsonRpcClient,
  parseChannelUrl,
  webSocketTransport,
  withKeepalive,
  withReconnect,
  type Transport,
} from '../src/index.js';
import { collect, nextEvent, startServer, type LoopbackServer } from './helpers.js';

type Obj = { [key: string]: JsonValue };

const servers: LoopbackServer[] = [];
const transports: Transport[] = [];
async function server(): Promise<LoopbackServer> {
  const s = await startServer();
  servers.push(s);
  return s;
}
function track<T extends Transport>(t: T): T {
  transports.push(t);
  return t;
}
afterEach(async () => {
  for (const t of transports.splice(0)) t.terminate();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('webSocketTransport on loopback', () => {
  it('passes the channel URL to the node unchanged', async () => {
    const loopback = await server();
    const url = buildChannelUrl(`${loopback.url}/channel`, {
      role: 'responder',
      existingChannelId: 'ch_29rmbxczEmFWBx2JFjD2S8YkhPULNwdUFe6NoZuM3HSA1fEKPC',
      existingFsmId: 'ba_cQiEQGZ/G5WoXg5o0uLYscwXGrxa+WPteqFwxZ7xsmEctG4/',
      port: 14035,
    });
    track(webSocketTransport(url));
    const { url: path } = await loopback.accept();
    expect(`${loopback.url}${path}`).toBe(url);
    expect(parseChannelUrl(path).existingFsmId).toBe('ba_cQiEQGZ/G5WoXg5o0uLYscwXGrxa+WPteqFwxZ7xsmEctG4/');
  });

  it('correlates concurrent JSON-RPC requests answered out of order, with notifications in between', async () => {
    const loopback = await server();
    const transport = track(webSocketTransport(loopback.url));
    const rpc = createJsonRpcClient(transport, { firstId: -576460752303422107n });
    const seen: string[] = [];
    rpc.on('notification', ({ method }) => seen.push(method));
    const { socket, inbox } = await loopback.accept();
    await transport.opened;
    const calls = Array.from({ length: 30 }, (_, i) => rpc.request('channels.get.balances', { i: BigInt(i) }));
    const requests = (await Promise.all(calls.map(() => inbox.next()))) as Obj[];
    // Answer in a shuffled order (deterministic), one notification before each reply.
    const order = requests.map((_, i) => (i * 7) % 30);
    for (const i of order) {
      socket.send(stringifyJson({ jsonrpc: '2.0', method: 'channels.info', params: { data: { event: `n${i}` } }, version: 1 }));
      const request = requests[i]!;
      socket.send(
        stringifyJson({ jsonrpc: '2.0', version: 1, id: request['id']!, channel_id: null, result: [{ balance: 10n ** 30n + BigInt(i) }] }),
      );
    }
    const results = await Promise.all(calls);
    expect(results).toEqual(Array.from({ length: 30 }, (_, i) => [{ balance: 10n ** 30n + BigInt(i) }]));
    expect(requests[0]!['id']).toBe(-576460752303422107n);
    expect(seen).toHaveLength(30);
  });

  it('reports malformed frames as typed error events, keeps working, and never throws', async () => {
    const loopback = await server();
    const transport = track(webSocketTransport(loopback.url, { maxFrameBytes: 4096 }));
    const rpc = createJsonRpcClient(transport);
    const transportErrors = collect(transport, 'error');
    const rpcErrors: string[] = [];
    rpc.on('error', (e) => rpcErrors.push(e.code));
    const { socket, inbox } = await loopback.accept();
    await transport.opened;
    socket.send('}{');
    socket.send('"just a string"');
    socket.send(stringifyJson({ jsonrpc: '2.0', id: 12345, result: 'nobody asked' }));
    socket.send(Buffer.from(stringifyJson({ jsonrpc: '2.0', method: 'binary.but.json', params: {} })), { binary: true });
    const call = rpc.request('channels.system', { action: 'ping' });
    const request = (await inbox.next()) as Obj;
    socket.send(stringifyJson({ jsonrpc: '2.0', id: request['id']!, result: { action: 'system', tag: 'pong' } }));
    expect(await call).toEqual({ action: 'system', tag: 'pong' });
    expect(transportErrors.map((e) => e.code)).toEqual(['TRANSPORT_INVALID_JSON']);
    expect(rpcErrors).toEqual(['TRANSPORT_INVALID_RPC_MESSAGE', 'TRANSPORT_RPC_UNKNOWN_ID']);
    expect(transport.readyState).toBe('open');
  });

  it('has ws refuse a frame over maxFrameBytes from its header (1009), before reading the payload', async () => {
    const loopback = await server();
    const transport = track(webSocketTransport(loopback.url, { maxFrameBytes: 64 * 1024 }));
    const errors = collect(transport, 'error');
    const { socket } = await loopback.accept();
    await transport.opened;
    // A 50 MB frame: only the first chunk is ever read; the socket is closed at its header.
    const big = Buffer.alloc(50 * 1024 * 1024, 0x31);
    socket.send(big, { binary: false });
    const closed = await transport.closed;
    expect(closed.code).toBe(1009);
    expect(errors.map((e) => e.code)).toEqual(['TRANSPORT_FRAME_TOO_LARGE']);
    expect(errors[0]!.context).toMatchObject({ limit: 64 * 1024 });
  });

  it('refuses frames over the default limit (4 MiB) the same way', async () => {
    const loopback = await server();
    const transport = track(webSocketTransport(loopback.url));
    const errors = collect(transport, 'error');
    const { socket } = await loopback.accept();
    await transport.opened;
    socket.send(Buffer.alloc(4 * 1024 * 1024 + 1, 0x31), { binary: false });
    expect((await transport.closed).code).toBe(1009);
    expect(errors.map((e) => e.code)).toEqual(['TRANSPORT_FRAME_TOO_LARGE']);
  });

  it('surfaces a server-initiated close (code, reason) and rejects pending requests', async () => {
    const loopback = await server();
    const transport = track(webSocketTransport(loopback.url));
    const rpc = createJsonRpcClient(transport);
    const { socket, inbox } = await loopback.accept();
    await transport.opened;
    const call = rpc.request('channels.leave');
    await inbox.next();
    socket.close(4321, 'node says bye');
    await expect(call).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED', context: { code: 4321, reason: 'node says bye' } });
    expect(await transport.closed).toEqual({ code: 4321, reason: 'node says bye', wasClean: true });
  });

  it('surfaces abrupt socket loss (server terminates the socket)', async () => {
    const loopback = await server();
    const transport = track(webSocketTransport(loopback.url));
    const { socket } = await loopback.accept();
    await transport.opened;
    const iterator = transport.messages();
    socket.terminate();
    expect(await transport.closed).toEqual({ code: 1006, reason: '', wasClean: false });
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('fails to connect to a closed port without throwing: opened rejects, close and error events fire', async () => {
    const probe = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => probe.once('listening', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const transport = track(webSocketTransport(`ws://127.0.0.1:${port}/channel`));
    const errors = collect(transport, 'error');
    await expect(transport.opened).rejects.toMatchObject({ code: 'TRANSPORT_CONNECT_FAILED' });
    expect((await transport.closed).wasClean).toBe(false);
    expect(errors.map((e) => e.code)).toEqual(['TRANSPORT_CONNECT_FAILED']);
  });

  it('rejects a URL that is not ws:// or wss:// with a typed error', () => {
    expect(() => webSocketTransport('http://localhost:3014/channel')).toThrowError(
      expect.objectContaining({ code: 'TRANSPORT_INVALID_URL' }),
    );
    const caller = new AbortController();
    expect(() => webSocketTransport('ws://[bad', { signal: caller.signal })).toThrowError(
      expect.objectContaining({ code: 'TRANSPORT_INVALID_URL' }),
    );
    // Nothing is left listening on the caller's signal.
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
    expect(() => webSocketTransport('ws://x', { maxFrameBytes: 0 })).toThrowError(
      expect.objectContaining({ code: 'TRANSPORT_INVALID_OPTIONS' }),
    );
  });
});

describe('keepalive and reconnect on loopback', () => {
  it('a silent server: the keepalive reports TRANSPORT_PONG_TIMEOUT and the link closes', async () => {
    const loopback = await server();
    const transport = track(withKeepalive(webSocketTransport(loopback.url), { intervalMs: 20, timeoutMs: 60 }));
    const { inbox } = await loopback.accept();
    const error = nextEvent(transport, 'error');
    await transport.opened;
    expect(await inbox.next()).toEqual({ jsonrpc: '2.0', method: 'channels.system', params: { action: 'ping' } });
    expect(isAechannelError(await error, 'TRANSPORT_PONG_TIMEOUT')).toBe(true);
    expect(await transport.closed).toEqual({ code: 1006, reason: 'pong timeout', wasClean: false });
  });

  it('a server that answers pings keeps the link up, and the pongs stay invisible', async () => {
    const loopback = await server();
    const transport = track(withKeepalive(webSocketTransport(loopback.url), { intervalMs: 10, timeoutMs: 10_000 }));
    const messages = collect(transport, 'message');
    const errors = collect(transport, 'error');
    const { socket, inbox } = await loopback.accept();
    for (let i = 0; i < 5; i++) {
      expect(await inbox.next()).toMatchObject({ method: 'channels.system' });
      socket.send(stringifyJson({ jsonrpc: '2.0', method: 'channels.system.pong', params: { channel_id: null, data: { action: 'system', tag: 'pong' } }, version: 1 }));
    }
    expect(transport.readyState).toBe('open');
    expect(messages).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('reconnects with backoff after the link drops, then succeeds', async () => {
    const loopback = await server();
    let refuse = 0;
    // Refuse upgrades while `refuse` > 0: those attempts fail before opening.
    loopback.server.options.verifyClient = (_info: unknown, done: (ok: boolean, code?: number) => void) => {
      if (refuse > 0) {
        refuse -= 1;
        done(false, 503);
      } else done(true);
    };
    const urls: string[] = [];
    const transport = track(
      withReconnect(
        ({ attempt }) => {
          urls.push(`${loopback.url}/channel?attempt=${attempt}`);
          return webSocketTransport(urls.at(-1)!);
        },
        { attempts: 5, baseDelayMs: 5, maxDelayMs: 20, jitter: 0.5, random: () => 0.5 },
      ),
    );
    const reconnecting = collect(transport, 'reconnecting');
    const reconnected = nextEvent(transport, 'reconnected');
    const first = await loopback.accept();
    await transport.opened;
    refuse = 2;
    first.socket.terminate();
    expect(await reconnected).toEqual({ attempt: 3 });
    expect(reconnecting.map(({ attempt, delayMs }) => [attempt, delayMs])).toEqual([
      [1, 4],
      [2, 8],
      [3, 15],
    ]);
    expect(urls.map((u) => u.split('attempt=')[1])).toEqual(['0', '1', '2', '3']);
    const second = await loopback.accept();
    expect(second.url).toBe('/channel?attempt=3');
    transport.send({ jsonrpc: '2.0', method: 'channels.system', params: { action: 'ping' } });
    expect(await second.inbox.next()).toMatchObject({ method: 'channels.system' });
  });

  it('gives up after the bounded attempts when the server is gone', async () => {
    const loopback = await server();
    const transport = track(withReconnect(() => webSocketTransport(loopback.url), { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 }));
    const errors = collect(transport, 'error');
    const reconnecting = collect(transport, 'reconnecting');
    await loopback.accept();
    await transport.opened;
    await loopback.close(); // terminates the socket and stops listening
    const closed = await transport.closed;
    expect(closed.wasClean).toBe(false);
    expect(reconnecting.map(({ attempt }) => attempt)).toEqual([1, 2]);
    expect(errors.at(-1)).toMatchObject({ code: 'TRANSPORT_RECONNECT_FAILED', context: { attempts: 2 } });
    expect(errors.slice(0, -1).every((e) => e.code === 'TRANSPORT_CONNECT_FAILED')).toBe(true);
  });
});
