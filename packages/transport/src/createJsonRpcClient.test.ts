import { isAechannelError, type JsonValue } from '@aechannel/codec';
import { loadFixture } from '@aechannel/transcript/fixtures';
import { describe, expect, it } from 'vitest';
import { createJsonRpcClient, JsonRpcError } from './createJsonRpcClient.js';
import { createMemoryTransportPair } from './createMemoryTransportPair.js';
import type { TransportError } from './errors.js';

type Obj = { [key: string]: JsonValue };

async function setup(options: Parameters<typeof createJsonRpcClient>[1] = {}) {
  const { client, server, link } = createMemoryTransportPair();
  const rpc = createJsonRpcClient(client, options);
  const requests: Obj[] = [];
  const waiters: ((request: Obj) => void)[] = [];
  server.on('message', (value) => {
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) {
      const waiter = waiters.shift();
      if (waiter) waiter(item as Obj);
      else requests.push(item as Obj);
    }
  });
  const nextRequest = (): Promise<Obj> => {
    const r = requests.shift();
    return r ? Promise.resolve(r) : new Promise((resolve) => waiters.push(resolve));
  };
  const errors: TransportError[] = [];
  rpc.on('error', (error) => errors.push(error));
  await client.opened;
  return { client, server, link, rpc, nextRequest, errors };
}

const reply = (id: JsonValue, result: JsonValue): Obj => ({ jsonrpc: '2.0', version: 1n, id, channel_id: null, result });

/** Waits until the memory link delivered everything queued. */
const drain = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('createJsonRpcClient', () => {
  it('correlates concurrent requests answered in reverse order', async () => {
    const { rpc, server, nextRequest } = await setup();
    const calls = Array.from({ length: 20 }, (_, i) => rpc.request('channels.get.balances', { n: BigInt(i) }));
    const received = await Promise.all(calls.map(() => nextRequest()));
    expect(received.map((r) => r['id'])).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(i + 1)));
    expect(received[0]).toEqual({ jsonrpc: '2.0', id: 1n, method: 'channels.get.balances', params: { n: 0n } });
    expect(rpc.pending).toBe(20);
    for (const request of [...received].reverse()) server.send(reply(request['id']!, { echo: (request['params'] as Obj)['n']! }));
    const results = await Promise.all(calls);
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => ({ echo: BigInt(i) })));
    expect(rpc.pending).toBe(0);
  });

  it('counts ids from firstId and echoes a 60-bit negative id back exactly', async () => {
    const { rpc, server, nextRequest } = await setup({ firstId: -576460752303422107n });
    const call = rpc.request('channels.system', { action: 'ping' });
    const request = await nextRequest();
    expect(request['id']).toBe(-576460752303422107n);
    server.send(reply(-576460752303422107n, { action: 'system', tag: 'pong' }));
    expect(await call).toEqual({ action: 'system', tag: 'pong' });
  });

  it('delivers notifications, and sends notifications without id', async () => {
    const { rpc, server, nextRequest } = await setup();
    const seen: string[] = [];
    const off = rpc.on('notification', ({ method, params }) => seen.push(`${method}:${String((params as Obj)['channel_id'])}`));
    server.send({ jsonrpc: '2.0', method: 'channels.info', params: { channel_id: null, data: { event: 'fsm_up' } }, version: 1n });
    rpc.notify('channels.leave');
    expect(await nextRequest()).toEqual({ jsonrpc: '2.0', method: 'channels.leave', params: {} });
    off();
    server.send({ jsonrpc: '2.0', method: 'channels.info', params: { channel_id: null } });
    await drain();
    expect(seen).toEqual(['channels.info:null']);
  });

  it('rejects with a JsonRpcError carrying code, message, data and the echoed request', async () => {
    const { rpc, server, nextRequest } = await setup();
    const call = rpc.request('channels.update.new', { amount: 1n });
    const request = await nextRequest();
    server.send({
      jsonrpc: '2.0',
      version: 1n,
      id: request['id']!,
      channel_id: null,
      error: { code: 3n, message: 'Rejected', data: [{ code: 1001n, message: 'Insufficient balance' }], request },
    });
    const error = await call.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(JsonRpcError);
    expect(isAechannelError(error, 'TRANSPORT_RPC_ERROR')).toBe(true);
    const rpcError = error as JsonRpcError;
    expect(rpcError.context).toEqual({
      code: 3,
      message: 'Rejected',
      data: [{ code: 1001n, message: 'Insufficient balance' }],
      request,
      id: 1n,
    });
    expect(rpcError.dataCodes).toEqual([1001]);
    expect(rpcError.name).toBe('JsonRpcError');
  });

  it('reports an error with id null (the recorded 1018 abort) as an error event', async () => {
    const { server, errors } = await setup();
    const recorded = loadFixture('abort_withdraw.md').sections.find(
      (s) => s.kind === 'receive' && typeof s.message === 'object' && s.message !== null && 'error' in s.message,
    );
    expect(recorded).toBeDefined();
    server.send((recorded as { message: JsonValue }).message);
    await drain();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(JsonRpcError);
    expect((errors[0] as JsonRpcError).dataCodes).toEqual([1018]);
    expect(errors[0]!.context).toMatchObject({ code: 3, message: 'Rejected', id: null, request: { method: 'channels.withdraw_tx' } });
  });

  it('reports malformed messages and unknown ids as typed error events and keeps working', async () => {
    const { rpc, server, link, nextRequest, errors } = await setup();
    server.send({ jsonrpc: '2.0', id: 99n, result: 'ok' });
    server.send(42n);
    server.send({ foo: 1n });
    server.send({ jsonrpc: '1.0', method: 'x' });
    server.send({ jsonrpc: '2.0', id: 1n });
    server.send({ jsonrpc: '2.0', id: 1n, result: 1n, error: { code: 1n, message: 'x' } });
    server.send([]);
    link.inject('serverToClient', 'not json at all'); // a transport-level error, not the client's
    const call = rpc.request('channels.get.offchain_state');
    const request = await nextRequest();
    server.send(reply(request['id']!, { trees: 'ss_' }));
    expect(await call).toEqual({ trees: 'ss_' });
    expect(errors.map((e) => e.code)).toEqual([
      'TRANSPORT_RPC_UNKNOWN_ID',
      'TRANSPORT_INVALID_RPC_MESSAGE',
      'TRANSPORT_INVALID_RPC_MESSAGE',
      'TRANSPORT_INVALID_RPC_MESSAGE',
      'TRANSPORT_INVALID_RPC_MESSAGE',
      'TRANSPORT_INVALID_RPC_MESSAGE',
      'TRANSPORT_INVALID_RPC_MESSAGE',
    ]);
    expect(errors[0]!.context).toMatchObject({ id: 99n });
  });

  it('rejects a request whose error object is malformed', async () => {
    const { rpc, server, nextRequest } = await setup();
    const call = rpc.request('channels.leave');
    const request = await nextRequest();
    server.send({ jsonrpc: '2.0', id: request['id']!, error: 'nope' });
    await expect(call).rejects.toMatchObject({ code: 'TRANSPORT_INVALID_RPC_MESSAGE' });
  });

  it('handles batch replies (a JSON array) and sends batches as one frame', async () => {
    const { rpc, server } = await setup();
    const frames: JsonValue[] = [];
    server.on('message', (frame) => frames.push(frame));
    const [a, b] = rpc.batch([{ method: 'channels.get.balances', params: { accounts: [] } }, { method: 'channels.system', params: { action: 'ping' } }]);
    await drain();
    expect(frames).toHaveLength(1);
    expect(frames[0]).toEqual([
      { jsonrpc: '2.0', id: 1n, method: 'channels.get.balances', params: { accounts: [] } },
      { jsonrpc: '2.0', id: 2n, method: 'channels.system', params: { action: 'ping' } },
    ]);
    server.send([reply(2n, 'pong'), reply(1n, []), { jsonrpc: '2.0', method: 'channels.info', params: {} }]);
    expect(await Promise.all([a, b])).toEqual([[], 'pong']);
  });

  it('times out with TRANSPORT_RPC_TIMEOUT (injected timers) and ignores the late reply', async () => {
    const timers: { callback: () => void; ms: number; cleared: boolean }[] = [];
    const { rpc, server, nextRequest, errors } = await setup({
      timeoutMs: 5000,
      setTimeout: (callback, ms) => timers.push({ callback, ms, cleared: false }) - 1,
      clearTimeout: (handle) => {
        timers[handle as number]!.cleared = true;
      },
    });
    const slow = rpc.request('channels.get.poi', {});
    const fast = rpc.request('channels.get.poi', {}, { timeoutMs: 10 });
    const [first, second] = [await nextRequest(), await nextRequest()];
    expect(timers.map((t) => t.ms)).toEqual([5000, 10]);
    timers[1]!.callback();
    await expect(fast).rejects.toMatchObject({ code: 'TRANSPORT_RPC_TIMEOUT', context: { method: 'channels.get.poi', id: 2n, timeoutMs: 10 } });
    server.send(reply(second['id']!, 'late'));
    server.send(reply(first['id']!, 'on time'));
    expect(await slow).toBe('on time');
    expect(timers[0]!.cleared).toBe(true);
    expect(errors).toEqual([]);
  });

  it('aborts a request with TRANSPORT_ABORTED', async () => {
    const { rpc, nextRequest } = await setup();
    const controller = new AbortController();
    const call = rpc.request('channels.leave', {}, { signal: controller.signal });
    await nextRequest();
    controller.abort(new Error('user'));
    await expect(call).rejects.toMatchObject({ code: 'TRANSPORT_ABORTED' });
    const pre = rpc.request('channels.leave', {}, { signal: controller.signal });
    await expect(pre).rejects.toMatchObject({ code: 'TRANSPORT_ABORTED' });
    expect(rpc.pending).toBe(0);
  });

  it('rejects pending requests with TRANSPORT_CLOSED when the transport closes', async () => {
    const { rpc, server, nextRequest } = await setup();
    const call = rpc.request('channels.leave');
    await nextRequest();
    server.close(4000, 'gone');
    await expect(call).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED', context: { code: 4000, reason: 'gone' } });
    await expect(rpc.request('channels.leave')).rejects.toMatchObject({ code: 'TRANSPORT_NOT_OPEN' });
  });

  it('detaches: pending requests reject, later traffic is ignored', async () => {
    const { rpc, server, nextRequest } = await setup();
    const seen: string[] = [];
    rpc.on('notification', ({ method }) => seen.push(method));
    const call = rpc.request('channels.leave');
    const request = await nextRequest();
    rpc.detach();
    await expect(call).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
    server.send(reply(request['id']!, 'ok'));
    server.send({ jsonrpc: '2.0', method: 'channels.info', params: {} });
    await drain();
    expect(seen).toEqual([]);
    await expect(rpc.request('x')).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
  });

  it('refuses a negative timeout', async () => {
    const { client } = createMemoryTransportPair();
    expect(() => createJsonRpcClient(client, { timeoutMs: -1 })).toThrowError(
      expect.objectContaining({ code: 'TRANSPORT_INVALID_OPTIONS' }),
    );
  });
});
