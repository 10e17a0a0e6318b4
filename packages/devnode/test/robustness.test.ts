import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { JsonValue } from '@aechannel/codec';
import { startDevnode, type Devnode, type DevnodeAccount } from '@aechannel/devnode';
import { WebSocket } from 'ws';
import { channelQuery, freshPort, openChannel, type Json } from './helpers/testClient.js';

let devnode: Devnode | undefined;
afterEach(async () => {
  await devnode?.stop();
  devnode = undefined;
});

const methods = [
  'channels.update.new',
  'channels.update',
  'channels.update_ack',
  'channels.deposit',
  'channels.withdraw',
  'channels.withdraw_tx',
  'channels.shutdown',
  'channels.shutdown_sign_ack',
  'channels.get.balances',
  'channels.get.poi',
  'channels.get.offchain_state',
  'channels.message',
  'channels.assume_minimum_depth',
  'channels.snapshot_solo',
  'channels.slash',
  'channels.settle',
  'channels.history.fetch',
  'channels.nope',
];

const jsonValue: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }),
    fc.string(),
    fc.constantFrom('ak_', 'tx_+AB', 'th_x', 'ch_1', 'ba_'),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('from', 'to', 'amount', 'accounts', 'signed_tx', 'error', 'info', 'meta', 'tx_hash', 'fee'), tie('value'), {
      maxKeys: 4,
    }),
  ),
})).value;

const request = fc.record(
  {
    jsonrpc: fc.constantFrom('2.0', '2.0', '1.0'),
    method: fc.constantFrom(...methods),
    params: fc.oneof(jsonValue, fc.dictionary(fc.constantFrom('from', 'to', 'amount', 'accounts', 'signed_tx', 'error', 'info'), jsonValue)),
    id: fc.oneof(fc.bigInt(), fc.string(), fc.constant(null)),
  },
  { requiredKeys: ['jsonrpc', 'method'] },
);

describe('bad input never breaks the devnode', () => {
  it('answers random requests without crashing; a neighbour channel keeps working', async () => {
    const errors: unknown[] = [];
    devnode = await startDevnode({ port: 0, onError: (e) => errors.push(e) });
    const node = devnode;
    const [a, b, c, d] = node.accounts as [DevnodeAccount, DevnodeAccount, DevnodeAccount, DevnodeAccount];
    const victim = await openChannel(node, a, b);
    const neighbour = await openChannel(node, c, d);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(request, jsonValue), { minLength: 1, maxLength: 8 }), async (frames) => {
        for (const frame of frames) victim.initiator.transport.send(frame as JsonValue);
        await node.idle();
      }),
      { numRuns: 60 },
    );
    expect(errors).toEqual([]);
    // The neighbour is unaffected.
    neighbour.initiator.notify('channels.update.new', { from: c.address, to: d.address, amount: 5n });
    await neighbour.initiator.signNext('update', false);
    await neighbour.responder.signNext('update_ack', false);
    await neighbour.initiator.waitFor((m) => m['method'] === 'channels.update');
    const reply = await neighbour.responder.request('channels.get.balances', { accounts: [c.address] });
    expect((reply['result'] as Json[])[0]?.['balance']).toBe(69_999_999_999_994n);
  }, 60_000);
});

describe('raw frames', () => {
  it('ignores unparsable text and binary frames, then still answers a ping', async () => {
    devnode = await startDevnode({ port: 0 });
    const [a, b] = devnode.accounts as [DevnodeAccount, DevnodeAccount];
    const socket = new WebSocket(`${devnode.url}?${channelQuery('responder', { initiator: a.address, responder: b.address, port: freshPort() })}`);
    const received: string[] = [];
    socket.on('message', (data) => received.push(data.toString()));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send('{not json');
    socket.send(Buffer.from([1, 2, 3]));
    socket.send('');
    socket.send('{"jsonrpc":"2.0","method":"channels.system","params":{"action":"ping"},"id":7}');
    await new Promise<void>((resolve) => {
      const check = (): void => (received.length >= 2 ? resolve() : void setTimeout(check, 5));
      check();
    });
    expect(received[0]).toContain('fsm_up');
    expect(JSON.parse(received[1] as string)).toEqual({ jsonrpc: '2.0', version: 1, id: 7, channel_id: null, result: { action: 'system', tag: 'pong' } });
    socket.close();
  });

  it('refuses other paths', async () => {
    devnode = await startDevnode({ port: 0 });
    const socket = new WebSocket(devnode.url.replace('/channel', '/other'));
    const error = await new Promise<Error>((resolve) => socket.once('error', resolve));
    expect(error.message).toMatch(/404/);
  });
});
