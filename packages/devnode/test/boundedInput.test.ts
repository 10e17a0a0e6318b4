/**
 * Bounded input (issue 11): what a client sends is limited in size and in how much work
 * and memory it costs the devnode, and every limit is answered the way a node answers it
 * (an error reply, or a close), never with a stall.
 */
import { stringifyJson, type JsonValue } from '@aechannel/codec';
import { startDevnode, type Devnode, type DevnodeAccount } from '@aechannel/devnode';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { channelQuery, describe as d, freshPort, openChannel, TestClient, type Json } from './helpers/testClient.js';

let devnode: Devnode | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  await devnode?.stop();
  devnode = undefined;
});

/** A raw socket of a responder waiting for its initiator (the FSM exists; nothing is opened). */
async function rawSocket(node: Devnode): Promise<{ socket: WebSocket; received: Json[]; closed: Promise<{ code: number }> }> {
  const [a, b] = node.accounts as [DevnodeAccount, DevnodeAccount];
  const socket = new WebSocket(`${node.url}?${channelQuery('responder', { initiator: a.address, responder: b.address, port: freshPort() })}`);
  sockets.push(socket);
  const received: Json[] = [];
  socket.on('message', (data) => received.push(JSON.parse(data.toString()) as Json));
  socket.on('error', () => undefined);
  const closed = new Promise<{ code: number }>((resolve) => socket.once('close', (code) => resolve({ code })));
  await new Promise((resolve) => socket.once('open', resolve));
  return { socket, received, closed };
}

const until = async (predicate: () => boolean, ms = 10_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

const ping = (id: bigint): JsonValue => ({ jsonrpc: '2.0', id, method: 'channels.system', params: { action: 'ping' } });

describe('frame limit', () => {
  it('closes a socket that sends a frame over maxFrameBytes (default 256 KiB) with 1009; a neighbour channel keeps working', async () => {
    devnode = await startDevnode({ port: 0 });
    const [, , c, d2] = devnode.accounts as DevnodeAccount[];
    const neighbour = await openChannel(devnode, c!, d2!);
    const { socket, closed } = await rawSocket(devnode);
    socket.send(stringifyJson({ jsonrpc: '2.0', id: 1n, method: 'channels.message', params: { info: 'x'.repeat(256 * 1024) } }));
    expect((await closed).code).toBe(1009);
    const pong = await neighbour.initiator.request('channels.system', { action: 'ping' });
    expect(pong['result']).toEqual({ action: 'system', tag: 'pong' });
  });

  it('takes maxFrameBytes as an option, for sockets and in-process connections alike', async () => {
    devnode = await startDevnode({ port: 0, maxFrameBytes: 4096 });
    const { socket, closed, received } = await rawSocket(devnode);
    socket.send(stringifyJson(ping(1n)));
    await until(() => received.some((m) => m['id'] === 1));
    socket.send(stringifyJson({ jsonrpc: '2.0', id: 2n, method: 'channels.system', params: { action: 'ping', pad: 'x'.repeat(4096) } }));
    expect((await closed).code).toBe(1009);

    const [a, b] = devnode.accounts as [DevnodeAccount, DevnodeAccount];
    const client = await TestClient.connect(devnode, channelQuery('responder', { initiator: a.address, responder: b.address, port: freshPort() }), b, 'memory');
    client.send({ id: 3n, method: 'channels.system', params: { action: 'ping', pad: 'x'.repeat(4096) } });
    expect((await client.transport.closed).code).toBe(1009);
  });

  it('refuses a limit that is not a positive integer with DEVNODE_INVALID_OPTION', async () => {
    await expect(startDevnode({ listen: false, maxFrameBytes: 0 })).rejects.toMatchObject({ code: 'DEVNODE_INVALID_OPTION' });
    await expect(startDevnode({ listen: false, maxBatchItems: 1.5 })).rejects.toMatchObject({ code: 'DEVNODE_INVALID_OPTION' });
    await expect(startDevnode({ listen: false, maxBufferedBytes: -1 })).rejects.toMatchObject({ code: 'DEVNODE_INVALID_OPTION' });
  });
});

describe('numbers and nesting', () => {
  it('closes at once a socket that sends a 10-million-digit amount (a frame over the limit)', async () => {
    devnode = await startDevnode({ port: 0 });
    const [a, b] = devnode.accounts as [DevnodeAccount, DevnodeAccount];
    const { socket, closed } = await rawSocket(devnode);
    socket.send(`{"jsonrpc":"2.0","id":7,"method":"channels.update.new","params":{"from":"${a.address}","to":"${b.address}","amount":${'9'.repeat(10_000_000)}}}`);
    expect((await closed).code).toBe(1009);
  });

  it('answers a frame with a 200 000-digit amount with -32000 at once, echoing nothing', async () => {
    devnode = await startDevnode({ port: 0 });
    const [a, b] = devnode.accounts as [DevnodeAccount, DevnodeAccount];
    const { socket, received } = await rawSocket(devnode);
    socket.send(`{"jsonrpc":"2.0","id":7,"method":"channels.update.new","params":{"from":"${a.address}","to":"${b.address}","amount":${'9'.repeat(200_000)}}}`);
    await until(() => received.some((m) => m['error'] !== undefined));
    const reply = received.find((m) => m['error'] !== undefined)!;
    expect(reply).toEqual({ jsonrpc: '2.0', version: 1, id: null, channel_id: null, error: { code: -32000, message: 'Invalid request', request: {} } });
  });

  it('answers nesting deeper than 64 levels the same way', async () => {
    devnode = await startDevnode({ port: 0 });
    const { socket, received } = await rawSocket(devnode);
    socket.send(`{"jsonrpc":"2.0","id":1,"method":"channels.system","params":${'['.repeat(10_000)}${']'.repeat(10_000)}}`);
    await until(() => received.some((m) => m['error'] !== undefined));
    expect(received.find((m) => m['error'] !== undefined)).toMatchObject({ id: null, error: { code: -32000, message: 'Invalid request', request: {} } });
  });
});

describe('error replies', () => {
  it('echoes a request of more than 64 KiB shortened', async () => {
    devnode = await startDevnode({ port: 0 });
    const { socket, received } = await rawSocket(devnode);
    const big = { jsonrpc: '2.0', id: 5n, method: 'channels.nope', params: { blob: 'y'.repeat(150_000), list: Array.from({ length: 5000 }, (_, i) => BigInt(i)) } };
    socket.send(stringifyJson(big));
    await until(() => received.some((m) => m['id'] === 5));
    const reply = received.find((m) => m['id'] === 5)!;
    expect(reply['error']).toMatchObject({ code: -32601, message: 'Method not found', request: { jsonrpc: '2.0', id: 5, method: 'channels.nope' } });
    expect(JSON.stringify(reply).length).toBeLessThan(80 * 1024);
    // A small request is echoed whole, as the node does.
    const small = { jsonrpc: '2.0', id: 6n, method: 'channels.nope', params: { a: [1n, 2n], b: 'x' } };
    socket.send(stringifyJson(small));
    await until(() => received.some((m) => m['id'] === 6));
    expect(received.find((m) => m['id'] === 6)!['error']).toMatchObject({ request: { jsonrpc: '2.0', id: 6, method: 'channels.nope', params: { a: [1, 2], b: 'x' } } });
  });
});

describe('batches', () => {
  it('answers a batch of more than maxBatchItems (default 100) with one -32000 and runs none of it', async () => {
    devnode = await startDevnode({ port: 0 });
    const { socket, received } = await rawSocket(devnode);
    socket.send(stringifyJson(Array.from({ length: 100 }, (_, i) => ping(BigInt(i)))));
    await until(() => received.some((m) => Array.isArray(m)));
    expect((received.find((m) => Array.isArray(m)) as unknown as Json[]).length).toBe(100);
    socket.send(stringifyJson(Array.from({ length: 101 }, (_, i) => ping(BigInt(1000 + i)))));
    await until(() => received.some((m) => !Array.isArray(m) && m['error'] !== undefined));
    await devnode.idle();
    const after = received.slice(received.findIndex((m) => Array.isArray(m)) + 1);
    expect(after.map(d)).toEqual(['error -32000']);
    expect(after[0]).toMatchObject({ id: null, error: { request: {} } });
  });
});

describe('backpressure', () => {
  it('closes a connection that keeps sending while it never reads its replies', async () => {
    devnode = await startDevnode({ port: 0, maxBufferedBytes: 512 * 1024 });
    const { socket, closed, received } = await rawSocket(devnode);
    // Stop reading: the replies pile up in the kernel buffers, then in the devnode. (ws's own
    // pause: a pause of the raw socket alone is undone by ws whenever its parser drains.)
    socket.pause();
    let isClosed = false;
    void closed.then(() => (isClosed = true));
    const frame = stringifyJson({ jsonrpc: '2.0', id: 1n, method: 'channels.nope', params: { pad: 'z'.repeat(16 * 1024) } });
    let sent = 0;
    // Each request is answered with an error echoing it (16 KiB): 200 MB of replies at most.
    while (!isClosed && sent < 12_000) {
      socket.send(frame);
      sent += 1;
      // Send at the devnode's pace (what it has not read yet stays small).
      if (sent % 50 === 0) await until(() => isClosed || socket.bufferedAmount < 256 * 1024, 20_000);
    }
    await until(() => isClosed, 20_000);
    // dropped by the devnode (terminated: no close frame) with the replies it held; the
    // client read no more than the first
    expect((await closed).code).toBe(1006);
    expect(received.length).toBeLessThan(10);
  });
});

describe('pending work per channel', () => {
  it('answers update requests beyond 16 waiting behind an update in flight with 107 at once', async () => {
    devnode = await startDevnode({ listen: false });
    const [a, b] = devnode.accounts as [DevnodeAccount, DevnodeAccount];
    const { initiator } = await openChannel(devnode, a, b, { via: 'memory' });
    initiator.notify('channels.update.new', { from: a.address, to: b.address, amount: 1n });
    await initiator.signNext('update', false); // now waiting for the responder: requests are postponed (§9.4)
    for (let i = 0n; i < 40n; i += 1n) initiator.send({ id: 100n + i, method: 'channels.update.new', params: { from: a.address, to: b.address, amount: 1n } });
    await devnode.idle();
    const answered = initiator.received.filter((m) => typeof m['id'] === 'bigint' && (m['id'] as bigint) >= 100n);
    expect(answered).toHaveLength(24);
    expect(new Set(answered.map(d))).toEqual(new Set(['error 3 [107]']));
  });

  it('keeps the event history within 1000 entries and 200 characters a tag, whatever log_keep says', async () => {
    devnode = await startDevnode({ listen: false });
    const [a, b] = devnode.accounts as [DevnodeAccount, DevnodeAccount];
    const client = await TestClient.connect(
      devnode,
      channelQuery('responder', { initiator: a.address, responder: b.address, port: freshPort(), extra: { log_keep: String(10n ** 12n) } }),
      b,
      'memory',
    );
    for (let i = 0; i < 1100; i += 1) client.notify('x'.repeat(10_000), {});
    await devnode.idle();
    const history = (await client.request('channels.history.fetch', { n: 10n ** 12n }))['result'] as Json[];
    expect(history).toHaveLength(1000);
    expect(Math.max(...history.map((e) => String(e['tag']).length))).toBeLessThanOrEqual(200);
  });
});

describe('channels.history.fetch parameters', () => {
  it.each([
    ['a string', 'ten', 1008],
    ['a fraction', 1.5, 1008],
    ['a list', [1n], 1008],
    ['a negative count', -1n, 1002],
  ])('answers n as %s with the node\'s data code', async (_name, n, code) => {
    devnode = await startDevnode({ listen: false });
    const [a, b] = devnode.accounts as [DevnodeAccount, DevnodeAccount];
    const client = await TestClient.connect(devnode, channelQuery('responder', { initiator: a.address, responder: b.address, port: freshPort() }), b, 'memory');
    const reply = await client.request('channels.history.fetch', { n: n as JsonValue });
    expect(d(reply)).toBe(`error 3 [${code}]`);
    expect((reply['error'] as Json)['request']).toMatchObject({ method: 'channels.history.fetch', params: { n } });
  });

  it('still returns the last n entries for a number', async () => {
    devnode = await startDevnode({ listen: false });
    const [a, b] = devnode.accounts as [DevnodeAccount, DevnodeAccount];
    const client = await TestClient.connect(devnode, channelQuery('responder', { initiator: a.address, responder: b.address, port: freshPort() }), b, 'memory');
    const reply = await client.request('channels.history.fetch', { n: 2n });
    expect(reply['result']).toHaveLength(2);
  });
});
