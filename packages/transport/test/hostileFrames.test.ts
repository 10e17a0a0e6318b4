/**
 * Property: any incoming frame (random text, random JSON, JSON-RPC look-alikes) produces
 * exactly one outcome per layer: a message or a typed error event at the transport, a
 * notification, a settled request or a typed error event at the JSON-RPC client. Nothing
 * throws, and the link keeps working afterwards.
 */
import { isAechannelError, stringifyJson, type JsonValue } from '@aechannel/codec';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { createJsonRpcClient, createMemoryTransportPair } from '../src/index.js';

const jsonValue: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.bigInt(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)),
    fc.string(),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 4 }),
  ),
})).value;

const rpcLike: fc.Arbitrary<JsonValue> = fc.record(
  {
    jsonrpc: fc.constantFrom<JsonValue>('2.0', '1.0', 2n),
    id: fc.oneof(fc.bigInt({ min: -3n, max: 2n }), fc.constant(null), fc.string({ maxLength: 2 })),
    method: fc.oneof(fc.constant('channels.info'), fc.bigInt()),
    result: jsonValue,
    error: fc.oneof(jsonValue, fc.record({ code: fc.bigInt(), message: fc.string(), data: jsonValue })),
    params: jsonValue,
  },
  { requiredKeys: [] },
);

const frame = fc.oneof(
  fc.string().map((text) => ({ text })),
  jsonValue.map((value) => ({ text: stringifyJson(value) })),
  rpcLike.map((value) => ({ text: stringifyJson(value) })),
  fc.array(rpcLike, { maxLength: 3 }).map((value) => ({ text: stringifyJson(value) })),
);

it('survives any sequence of hostile frames', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(frame, { maxLength: 8 }), async (frames) => {
      const { client, server, link } = createMemoryTransportPair({ maxFrameBytes: 64 * 1024 });
      const rpc = createJsonRpcClient(client);
      let transportOutcomes = 0;
      const unexpected: unknown[] = [];
      client.on('message', () => transportOutcomes++);
      client.on('error', (e) => {
        transportOutcomes++;
        if (!isAechannelError(e) || !['TRANSPORT_INVALID_JSON', 'TRANSPORT_FRAME_TOO_LARGE'].includes(e.code)) unexpected.push(e);
      });
      rpc.on('error', (e) => {
        if (!isAechannelError(e) || !e.code.startsWith('TRANSPORT_')) unexpected.push(e);
      });
      const requests: { id: JsonValue; method: JsonValue }[] = [];
      let onRequest = (): void => {};
      server.on('message', (m) => {
        requests.push(m as { id: JsonValue; method: JsonValue });
        onRequest();
      });
      // Ids 1 and 2; the hostile frames may answer them (ids -3..2), or not.
      await client.opened;
      const pending = [rpc.request('probe.a'), rpc.request('probe.b')].map((p) => p.then(() => 'ok', (e: unknown) => e));
      for (const { text } of frames) link.inject('serverToClient', text);
      await new Promise((resolve) => setImmediate(resolve));
      // The link still works: a real reply to a fresh request (id 3) arrives.
      const alive = rpc.request('probe.alive');
      await new Promise<void>((resolve) => {
        onRequest = () => requests.length === 3 && resolve();
        onRequest();
      });
      expect(requests[2]).toMatchObject({ method: 'probe.alive', id: 3n });
      server.send({ jsonrpc: '2.0', id: 3n, result: 'alive' });
      expect(await alive).toBe('alive');
      expect(transportOutcomes).toBe(frames.length + 1);
      expect(unexpected).toEqual([]);
      client.terminate();
      for (const outcome of await Promise.all(pending)) {
        expect(outcome === 'ok' || isAechannelError(outcome)).toBe(true);
      }
    }),
    { numRuns: 150 },
  );
});
