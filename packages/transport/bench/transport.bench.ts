/** Throughput of the transports and the URL functions (no assertions; `pnpm bench`). */
import { stringifyJson } from '@aechannel/codec';
import type { AddressInfo } from 'node:net';
import { afterAll, bench, describe } from 'vitest';
import { WebSocketServer } from 'ws';
import {
  buildChannelUrl,
  createJsonRpcClient,
  createMemoryTransportPair,
  parseChannelUrl,
  webSocketTransport,
  type JsonRpcClient,
  type Transport,
} from '../src/index.js';

const url =
  'ws://localhost:3014/channel?channel_reserve=2&host=localhost&initiator_amount=70000000000000&initiator_id=ak_2MJU325LQVfAu36vjGvdVpVgiCDbjRsMAjHZc7ahzuLZHTjWYS&keep_running=false&lock_period=10&port=13179&protocol=json-rpc&push_amount=1&responder_amount=40000000000000&responder_id=ak_cU4JbcvVzqCtttniEVwvN1z6P7s4vgtTCjfDYfF1kbh7gCs7W&role=initiator';
const params = parseChannelUrl(url);

describe('channel URL', () => {
  bench('parseChannelUrl (recorded open URL)', () => {
    parseChannelUrl(url);
  });
  bench('buildChannelUrl checked (decodes both ak_ ids)', () => {
    buildChannelUrl(undefined, params as never);
  });
});

const reply = (id: unknown) => ({ jsonrpc: '2.0', version: 1n, id, channel_id: null, result: [{ account: 'ak_x', balance: 10n ** 30n }] });

// Set up once at module load: bench files run their describe bodies before measuring.
const pair = createMemoryTransportPair();
pair.server.on('message', (m) => pair.server.send(reply((m as { id: unknown }).id) as never));
const memory: JsonRpcClient = createJsonRpcClient(pair.client);
await pair.client.opened;
const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
await new Promise((resolve) => server.once('listening', resolve));
server.on('connection', (socket) =>
  socket.on('message', (data) => {
    const id = /"id":(-?\d+)/.exec(String(data))![1]!;
    socket.send(stringifyJson(reply(BigInt(id))));
  }),
);
const wsTransport: Transport = webSocketTransport(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
const ws: JsonRpcClient = createJsonRpcClient(wsTransport);
await wsTransport.opened;

describe('100 concurrent JSON-RPC requests', () => {
  afterAll(async () => {
    wsTransport.terminate();
    await new Promise((resolve) => server.close(resolve));
  });
  bench('memory pair', async () => {
    await Promise.all(Array.from({ length: 100 }, () => memory.request('channels.get.balances', { accounts: ['ak_x'] })));
  });
  bench('ws on loopback', async () => {
    await Promise.all(Array.from({ length: 100 }, () => ws.request('channels.get.balances', { accounts: ['ak_x'] })));
  });
});
