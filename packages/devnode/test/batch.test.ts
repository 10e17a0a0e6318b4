import { afterEach, describe, expect, it, vi } from 'vitest';
import { startDevnode, type Devnode, type DevnodeAccount } from '@aechannel/devnode';
import { SimChain } from '../src/chain.js';
import { describe as d, openChannel, type Json, type TestClient } from './helpers/testClient.js';

let devnode: Devnode | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await devnode?.stop();
  devnode = undefined;
});

const request = (id: bigint, method: string, params: Json = {}): Json => ({ jsonrpc: '2.0', id, method, params });
const replyTo = (id: bigint) => (m: Json) => m['id'] === id && m['method'] === undefined;

/** Opens a channel and leaves the initiator in `awaiting_update_ack` (its transfer awaits the responder's signature). */
async function midUpdate(
  node: Devnode,
): Promise<{ initiator: TestClient; a: DevnodeAccount; b: DevnodeAccount; acknowledge: () => Promise<void> }> {
  const [a, b] = node.accounts as [DevnodeAccount, DevnodeAccount];
  const { initiator, responder } = await openChannel(node, a, b, { via: 'memory' });
  initiator.notify('channels.update.new', { from: a.address, to: b.address, amount: 1n });
  await initiator.signNext('update', false);
  // The responder is asked to co-sign once the initiator's FSM waits for its acknowledgement.
  const ack = await responder.signRequest('update_ack');
  const acknowledge = async (): Promise<void> => responder.notify('channels.update_ack', { signed_tx: await responder.sign(ack.signedTx) });
  return { initiator, a, b, acknowledge };
}

/** Makes `nextNonce` throw a plain Error (an unexpected failure, not an RPC error) while `on` is set. */
function nonceFault(): { on: boolean } {
  const fault = { on: true };
  const original = SimChain.prototype.nextNonce;
  vi.spyOn(SimChain.prototype, 'nextNonce').mockImplementation(function (this: SimChain, address) {
    if (fault.on) throw new Error('simulated internal fault');
    return original.call(this, address);
  });
  return fault;
}

describe('JSON-RPC batches (§6.1)', () => {
  it('sends the reply of a batch item postponed until open in its own frame', async () => {
    devnode = await startDevnode({ listen: false });
    const { initiator, a, b, acknowledge } = await midUpdate(devnode);
    const framesBefore = initiator.frames.length;
    initiator.transport.send([
      request(1n, 'channels.system', { action: 'ping' }),
      request(2n, 'channels.update.new', { from: a.address, to: b.address, amount: 2n }),
    ]);
    await initiator.waitFor(replyTo(1n));
    // Only the ping was answered while the batch ran: one reply, hence a single object.
    expect(initiator.frames.slice(framesBefore)).toHaveLength(1);
    expect(Array.isArray(initiator.frames[framesBefore])).toBe(false);
    expect(initiator.received.some(replyTo(2n))).toBe(false);

    await acknowledge();
    // Back in open, the postponed transfer runs: "ok", then the sign request of round 3.
    const sign = await initiator.waitFor((m) => m['method'] === 'channels.sign.update');
    const ok = initiator.received.find(replyTo(2n));
    expect(ok?.['result']).toBe('ok');
    expect(initiator.received.indexOf(ok as Json)).toBeLessThan(initiator.received.indexOf(sign));
    expect(initiator.frames).toContain(ok);
  });

  it('answers an item that throws unexpectedly with -32603; the other items are answered', async () => {
    const errors: unknown[] = [];
    devnode = await startDevnode({ listen: false, onError: (e) => errors.push(e) });
    const [a, b] = devnode.accounts as [DevnodeAccount, DevnodeAccount];
    const { initiator } = await openChannel(devnode, a, b, { via: 'memory' });
    const fault = nonceFault();
    const deposit = request(2n, 'channels.deposit', { amount: 10n });
    const framesBefore = initiator.frames.length;
    initiator.transport.send([request(1n, 'channels.system', { action: 'ping' }), deposit, request(3n, 'channels.get.balances', { accounts: [a.address] })]);
    await devnode.idle();
    const frames = initiator.frames.slice(framesBefore);
    expect(frames).toHaveLength(1);
    const batch = frames[0] as Json[];
    expect(Array.isArray(batch)).toBe(true);
    expect(batch.map((m) => m['id'])).toEqual([1n, 2n, 3n]);
    expect(batch.map(d)).toEqual(['result object', 'error -32603', 'result object']);
    expect(batch[1]?.['error']).toEqual({ code: -32603n, message: 'Internal error', request: deposit });
    expect(batch[2]?.['result']).toEqual([{ account: a.address, balance: 69_999_999_999_999n }]);
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toContain('simulated internal fault');

    // The channel still works: the same deposit succeeds once the fault is gone.
    fault.on = false;
    expect((await initiator.request('channels.deposit', { amount: 10n }))['result']).toBe('ok');
    await initiator.signRequest('deposit_tx');
  });

  it('answers a postponed batch item that throws when it runs with -32603 in its own frame', async () => {
    const errors: unknown[] = [];
    devnode = await startDevnode({ listen: false, onError: (e) => errors.push(e) });
    const { initiator, acknowledge } = await midUpdate(devnode);
    const fault = nonceFault();
    const deposit = request(7n, 'channels.deposit', { amount: 10n });
    initiator.transport.send([deposit, request(8n, 'channels.system', { action: 'ping' })]);
    await initiator.waitFor(replyTo(8n));
    await acknowledge();
    const failed = await initiator.waitFor(replyTo(7n));
    expect(failed['error']).toEqual({ code: -32603n, message: 'Internal error', request: deposit });
    expect(initiator.frames).toContain(failed);
    expect(errors).toHaveLength(1);
    fault.on = false;
  });
});
