import { afterEach, describe, expect, it } from 'vitest';
import { encode, type Encoded } from '@aechannel/codec';
import { createManualClock, startDevnode, type Devnode, type DevnodeAccount } from '@aechannel/devnode';
import { channelQuery, dataOf, describe as d, freshPort, openChannel, reestablishQuery, TestClient, type Json } from './helpers/testClient.js';

let devnode: Devnode | undefined;
afterEach(async () => {
  await devnode?.stop();
  devnode = undefined;
});

const accountsOf = (node: Devnode) => node.accounts as [DevnodeAccount, DevnodeAccount, DevnodeAccount];

describe('open parameters (§6.4)', () => {
  it('closes silently on missing protocol, bad role, ill-typed or broken params', async () => {
    devnode = await startDevnode({ port: 0 });
    const [a, b] = accountsOf(devnode);
    const good = channelQuery('responder', { initiator: a.address, responder: b.address, port: 1 });
    const variants = [
      good.replace('protocol=json-rpc', 'protocol=legacy'),
      good.replace('role=responder', 'role=observer'),
      good.replace(/initiator_amount=\d+/, 'initiator_amount=ten'),
      good.replace(/responder_id=[^&]+/, 'responder_id=ak_broken'),
      good.replace('keep_running=false', 'keep_running=maybe'),
      good.replace(/&lock_period=\d+/, ''),
      `${channelQuery('initiator', { initiator: a.address, responder: b.address, port: 1 }).replace(/&?host=[^&]+/, '')}`,
    ];
    for (const query of variants) {
      const client = await TestClient.connect(devnode, query);
      await client.closedPromise;
      expect(client.received, query).toEqual([]);
    }
  });

  it('sends the open-time error envelope then closes (105, 1011, 2000, 1016)', async () => {
    devnode = await startDevnode({ port: 0 });
    const [a, b] = accountsOf(devnode);
    const base = { initiator: a.address, responder: b.address, port: 1 };
    const stranger = encode(new Uint8Array(32).fill(7), 'ak');
    const cases: [string, number][] = [
      [channelQuery('responder', { ...base, channelReserve: 100_000_000_000_000n }), 105],
      [channelQuery('responder', { ...base, pushAmount: -1n }), 105],
      [channelQuery('responder', { ...base, responder: stranger }), 1011],
      ['protocol=json-rpc&role=responder&port=1&existing_channel_id=' + encode(new Uint8Array(32), 'ch'), 2000],
      ['protocol=json-rpc&role=responder&port=1&existing_fsm_id=Invalid&existing_channel_id=' + encode(new Uint8Array(32), 'ch'), 1016],
      [`protocol=json-rpc&role=responder&port=1&existing_fsm_id=${encodeURIComponent(encode(new Uint8Array(8), 'ba'))}&existing_channel_id=${encode(new Uint8Array(32), 'ch')}`, 1016],
      [`protocol=json-rpc&role=responder&port=1&existing_fsm_id=${encodeURIComponent(encode(new Uint8Array(32), 'ba'))}&existing_channel_id=${encode(new Uint8Array(32), 'ch')}`, 1016],
    ];
    for (const [query, code] of cases) {
      const client = await TestClient.connect(devnode, query);
      await client.closedPromise;
      expect(client.received).toHaveLength(1);
      expect(client.received[0]).toEqual({
        jsonrpc: '2.0',
        version: 1n,
        id: null,
        channel_id: null,
        error: { code: 3n, message: 'Rejected', data: [{ code: BigInt(code), message: expect.any(String) }], request: {} },
      });
    }
  });
});

describe('JSON-RPC framing (§7.1)', () => {
  it('ignores junk, answers unknown methods, pings, batches; the server keeps running', async () => {
    devnode = await startDevnode({ port: 0 });
    const [a, b] = accountsOf(devnode);
    const client = await TestClient.connect(devnode, channelQuery('responder', { initiator: a.address, responder: b.address, port: freshPort() }), b);
    await client.waitInfo('fsm_up');
    // Frames that are not requests are ignored silently.
    client.transport.send('not json' as never);
    client.transport.send({ method: 'channels.system', params: { action: 'ping' } });
    client.transport.send({ jsonrpc: '1.0', method: 'channels.system', params: { action: 'ping' } });
    client.transport.send(42n);
    expect(d(await client.request('channels.nope', {}))).toBe('error -32601');
    const pong = await client.request('channels.system', { action: 'ping' });
    expect(pong['result']).toEqual({ action: 'system', tag: 'pong' });
    client.notify('channels.system', { action: 'ping' });
    const note = await client.waitMethod('channels.system.pong');
    expect(note).toEqual({ jsonrpc: '2.0', version: 1n, method: 'channels.system.pong', params: { channel_id: null, data: { action: 'system', tag: 'pong' } } });
    client.transport.send([
      { jsonrpc: '2.0', id: 1n, method: 'channels.system', params: { action: 'ping' } },
      { jsonrpc: '2.0', id: 2n, method: 'channels.nothing', params: {} },
    ]);
    await client.waitFor((m) => m['id'] === 2n);
    const batch = client.frames.at(-1) as Json[];
    expect(Array.isArray(batch)).toBe(true);
    expect(batch.map(d)).toEqual(['result object', 'error -32601']);
    // A reply to nothing: 1018 for an abort, silence for a signed tx with an id-less request.
    expect(d(await client.request('channels.update_ack', { error: 5n }))).toBe('error 3 [1018]');
    expect(d(await client.request('channels.update_ack', { signed_tx: 'tx_broken' }))).toBe('error 3 [1010]');
    await devnode.idle();
    expect(client.unread).toEqual([]);
    expect(client.closed).toBe(false);
  });
});

describe('queries and messages', () => {
  it('serves balances, poi, offchain state and in-band messages (with and without id)', async () => {
    devnode = await startDevnode({ port: 0 });
    const [a, b, c] = accountsOf(devnode);
    const { initiator, responder } = await openChannel(devnode, a, b);
    initiator.notify('channels.get.balances', { accounts: [b.address, c.address, a.address] });
    const reply = await initiator.waitMethod('channels.get.balances.reply');
    expect(dataOf(reply)).toEqual([
      { account: b.address, balance: 40_000_000_000_001n },
      { account: a.address, balance: 69_999_999_999_999n },
    ]);
    expect(d(await initiator.request('channels.get.balances', { accounts: ['ak_x'] }))).toBe('error 3 [1005]');
    const poi = await initiator.request('channels.get.poi', { accounts: [a.address, b.address] });
    expect((poi['result'] as Json)['poi']).toMatch(/^pi_/);
    expect(d(await initiator.request('channels.get.poi', { accounts: [c.address] }))).toBe('error 3 [100]');
    expect(d(await initiator.request('channels.get.poi', { accounts: ['ak_x'], contracts: ['ct_x'] }))).toBe('error 3 [1005,1006]');
    const state = (await responder.request('channels.get.offchain_state', {}))['result'] as Json;
    expect(state['trees']).toMatch(/^ss_/);
    expect(state['calls']).toBe('cs_yYICbgGEwz8BwHtqgWY=');
    expect(state['half_signed_tx']).toBe('');
    expect(state['signed_tx']).toBe(dataOf(responder.received.find((m) => m['method'] === 'channels.update')!)['state']);
    initiator.notify('channels.message', { to: b.address, info: 'Hello' });
    const message = await responder.waitMethod('channels.message');
    expect(dataOf(message)['message']).toMatchObject({ from: a.address, to: b.address, info: 'Hello' });
    expect(d(await initiator.request('channels.message', { to: c.address, info: 'x' }))).toBe('error -32603');
    expect(d(await initiator.request('channels.message', { to: b.address, info: 'x'.repeat(65_001) }))).toBe('error -32000');
  });
});

describe('stop after died (§9.8)', () => {
  it.each(['ws', 'memory'] as const)('answers a stop sent after died while the socket is still open with ok, then closes (%s)', async (via) => {
    devnode = await startDevnode({ port: 0 });
    const [a, b] = accountsOf(devnode);
    const { initiator, responder } = await openChannel(devnode, a, b, { via });
    initiator.reset();
    // The initiator asks stop as soon as it reads died (the responder's stop ended the channel).
    const stopId = -1n;
    initiator.transport.on('message', (m) => {
      if (d(m as Json) === 'channels.info died') initiator.send({ id: stopId, method: 'channels.system', params: { action: 'stop' } });
    });
    expect((await responder.request('channels.system', { action: 'stop' }))['result']).toBe('ok');
    await initiator.closedPromise;
    expect(initiator.received.map(d)).toEqual(['channels.info died', 'result ok']);
    expect(initiator.received[1]!['id']).toBe(stopId);
  });
});

describe('leave and reestablish (§9.7)', () => {
  it('leaves (both die), then reestablishes with new fsm ids and keeps the state', async () => {
    devnode = await startDevnode({ port: 0 });
    const [a, b] = accountsOf(devnode);
    const { initiator, responder, channelId, port } = await openChannel(devnode, a, b);
    const fsmI = dataOf(initiator.received[0]!)['fsm_id'] as string;
    const fsmR = dataOf(responder.received[0]!)['fsm_id'] as string;
    initiator.reset();
    responder.reset();
    expect((await initiator.request('channels.leave', {}))['result']).toBe('ok');
    await Promise.all([initiator.closedPromise, responder.closedPromise]);
    expect(initiator.received.map(d)).toEqual(['result ok', 'channels.leave', 'channels.info died']);
    expect(responder.received.map(d)).toEqual(['channels.leave', 'channels.info died']);
    const state = dataOf(responder.received[0]!)['state'];
    const reestablish = (role: 'initiator' | 'responder', fsmId: string) => reestablishQuery(role, port, channelId, fsmId);
    const r2 = await TestClient.connect(devnode, reestablish('responder', fsmR), b);
    await r2.waitInfo('fsm_up');
    const i2 = await TestClient.connect(devnode, reestablish('initiator', fsmI), a);
    await Promise.all([i2.waitMethod('channels.update'), r2.waitMethod('channels.update')]);
    expect(i2.received.map(d)).toEqual(['channels.info fsm_up', 'channels.info channel_reestablished', 'channels.info open', 'channels.update']);
    expect(r2.received.map(d)).toEqual(['channels.info fsm_up', 'channels.info channel_reestablished', 'channels.info open', 'channels.update']);
    expect(dataOf(i2.received[0]!)['fsm_id']).not.toBe(fsmI);
    expect(dataOf(r2.received[3]!)['state']).toBe(state);
    // The old fsm id is invalidated.
    const again = await TestClient.connect(devnode, reestablish('initiator', fsmI));
    await again.closedPromise;
    expect(d(again.received[0]!)).toBe('error 3 [1016]');
    // And the channel works.
    i2.notify('channels.update.new', { from: a.address, to: b.address, amount: 1n });
    await i2.signNext('update', false);
    await r2.signNext('update_ack', false);
    await i2.waitFor((m) => m['method'] === 'channels.update');
  });
});

describe('reconnect (§6.3, §9.7)', () => {
  it('keeps the FSM while the client is away; the peer conflicts; the same fsm id reattaches', async () => {
    devnode = await startDevnode({ port: 0 });
    const [a, b] = accountsOf(devnode);
    const { initiator, responder, channelId, port } = await openChannel(devnode, a, b);
    const fsmR = dataOf(responder.received[0]!)['fsm_id'] as string;
    responder.close();
    await responder.closedPromise;
    initiator.reset();
    initiator.notify('channels.update.new', { from: a.address, to: b.address, amount: 1n });
    await initiator.signNext('update', false);
    expect(dataOf(await initiator.waitMethod('channels.conflict'))).toMatchObject({ error_code: 2n, round: 1n });
    const query = new URLSearchParams({ protocol: 'json-rpc', role: 'responder', port: String(port), existing_channel_id: channelId, existing_fsm_id: fsmR });
    const back = await TestClient.connect(devnode, query.toString(), b);
    const up = await back.waitInfo('fsm_up');
    expect(dataOf(up)['fsm_id']).toBe(fsmR);
    expect((up['params'] as Json)['channel_id']).toBe(channelId);
    initiator.notify('channels.update.new', { from: a.address, to: b.address, amount: 1n });
    await initiator.signNext('update', false);
    await back.signNext('update_ack', false);
    await initiator.waitMethod('channels.update');
  });

  it('drops a client with the fault knob; a stop on one side kills both (keep_running=false)', async () => {
    devnode = await startDevnode({ port: 0 });
    const [a, b] = accountsOf(devnode);
    const { initiator, responder, channelId } = await openChannel(devnode, a, b);
    devnode.faults.dropClient(channelId, 'initiator');
    await initiator.closedPromise;
    expect(devnode.inspect(channelId, 'initiator')?.state).toBe('open');
    const stop = await responder.request('channels.system', { action: 'stop' });
    expect(stop['result']).toBe('ok');
    await responder.closedPromise;
    await devnode.idle();
    expect(devnode.inspect(channelId, 'initiator')).toBeUndefined();
  });
});

describe('timers (§9.9) with an injected clock', () => {
  it('times out an initiator whose responder never comes', async () => {
    const clock = createManualClock();
    devnode = await startDevnode({ port: 0, clock });
    const [a, b] = accountsOf(devnode);
    const query = channelQuery('initiator', { initiator: a.address, responder: b.address, port: freshPort(), extra: { timeout_accept: '500' } });
    const client = await TestClient.connect(devnode, query, a);
    await client.waitInfo('fsm_up');
    await devnode.idle();
    clock.advance(499);
    await devnode.idle();
    expect(client.received.map(d)).toEqual(['channels.info fsm_up']);
    clock.advance(1);
    await client.closedPromise;
    expect(client.received.map(d)).toEqual(['channels.info fsm_up', 'channels.info timeout', 'channels.info died']);
  });

  it('turns a signing timeout during an update into conflict code 3 on both sides', async () => {
    const clock = createManualClock();
    devnode = await startDevnode({ port: 0, clock });
    const [a, b] = accountsOf(devnode);
    const { initiator, responder } = await openChannel(devnode, a, b, { extra: { timeout_sign: '1000' } });
    initiator.notify('channels.update.new', { from: a.address, to: b.address, amount: 1n });
    await initiator.signNext('update', false);
    await responder.signRequest('update_ack');
    await devnode.idle();
    clock.advance(1000);
    expect(dataOf(await responder.waitMethod('channels.conflict'))).toMatchObject({ error_code: 3n, error_msg: 'timeout' });
    expect(dataOf(await initiator.waitMethod('channels.conflict'))).toMatchObject({ error_code: 3n });
  });
});

describe('manual blocks and assume_minimum_depth (§7.3)', () => {
  it('opens on an assumed depth and reports the real one later', async () => {
    devnode = await startDevnode({ port: 0, blocks: 'manual' });
    const [a, b] = accountsOf(devnode);
    const port = freshPort();
    const i = await TestClient.connect(devnode, channelQuery('initiator', { initiator: a.address, responder: b.address, port }), a);
    const r = await TestClient.connect(devnode, channelQuery('responder', { initiator: a.address, responder: b.address, port }), b);
    await i.signNext('initiator_sign');
    await r.signNext('responder_sign');
    await i.waitFor((m) => m['method'] === 'channels.on_chain_tx');
    const tx = dataOf(i.received.find((m) => m['method'] === 'channels.on_chain_tx')!)['tx'] as Encoded<'tx'>;
    const { txHash } = await import('@aechannel/codec');
    const hash = txHash(tx);
    expect(d(await i.request('channels.assume_minimum_depth', { tx_hash: 'th_nothing' }))).toBe('error -32603');
    devnode.chain.mine();
    await i.waitFor((m) => dataOf(m)?.['info'] === 'channel_changed');
    expect((await i.request('channels.assume_minimum_depth', { tx_hash: hash }))['result']).toBe('ok');
    expect((await r.request('channels.assume_minimum_depth', { tx_hash: hash }))['result']).toBe('ok');
    await Promise.all([i.waitInfo('open'), r.waitInfo('open')]);
    devnode.chain.mine(5);
    const late = await i.waitInfo('minimum_depth_achieved');
    expect(dataOf(late)).toEqual({ event: 'minimum_depth_achieved', notice: 'already_assumed', tx_hash: hash, tx_type: 'channel_create_tx' });
  });
});

describe('keep_running responders (§9.8)', () => {
  it('stay up when the initiator goes, and take a reestablishing initiator back', async () => {
    devnode = await startDevnode({ port: 0 });
    const [a, b] = accountsOf(devnode);
    const { initiator, responder, channelId, port } = await openChannel(devnode, a, b, { extra: { keep_running: 'true' } });
    const fsmI = dataOf(initiator.received[0]!)['fsm_id'] as string;
    responder.reset();
    await initiator.request('channels.system', { action: 'stop' });
    await initiator.closedPromise;
    await responder.waitInfo('peer_disconnected');
    expect(devnode.inspect(channelId, 'responder')?.state).toBe('open');
    const query = new URLSearchParams({ protocol: 'json-rpc', role: 'initiator', host: 'localhost', port: String(port), existing_channel_id: channelId, existing_fsm_id: fsmI });
    const back = await TestClient.connect(devnode, query.toString(), a);
    await back.waitMethod('channels.update');
    await responder.waitInfo('open');
    await devnode.idle();
    expect(responder.received.map(d)).toEqual(['channels.info peer_disconnected', 'channels.info channel_reestablished', 'channels.info open']);
  });
});

describe('chain rejection of a mutually signed tx (§9.4)', () => {
  it('falls back on both sides with conflict code 5 when the deposit cannot be paid', async () => {
    devnode = await startDevnode({ port: 0, balance: 10n ** 17n });
    const [a, b] = accountsOf(devnode);
    const { initiator, responder } = await openChannel(devnode, a, b);
    initiator.notify('channels.deposit', { amount: 10n ** 17n });
    await initiator.signNext('deposit_tx', false);
    await responder.signNext('deposit_ack', false);
    expect(dataOf(await initiator.waitMethod('channels.conflict'))).toMatchObject({ error_code: 5n, error_msg: 'rejected on-chain', round: 1n });
    expect(dataOf(await responder.waitMethod('channels.conflict'))).toMatchObject({ error_code: 5n, round: 1n });
  });
});

describe('sockets and report flags', () => {
  it('a reconnect replaces a socket that is still attached', async () => {
    devnode = await startDevnode({ port: 0 });
    const [a, b] = accountsOf(devnode);
    const { responder, channelId, port } = await openChannel(devnode, a, b);
    const fsmR = dataOf(responder.received[0]!)['fsm_id'] as string;
    const query = new URLSearchParams({ protocol: 'json-rpc', role: 'responder', port: String(port), existing_channel_id: channelId, existing_fsm_id: fsmR });
    const second = await TestClient.connect(devnode, query.toString(), b);
    await second.waitInfo('fsm_up');
    await responder.closedPromise;
    expect(second.closed).toBe(false);
  });

  it('report_info=false silences channels.info but not sign requests', async () => {
    devnode = await startDevnode({ port: 0 });
    const [a, b] = accountsOf(devnode);
    const port = freshPort();
    const initiator = await TestClient.connect(devnode, channelQuery('initiator', { initiator: a.address, responder: b.address, port, extra: { report_info: 'false' } }), a);
    const responder = await TestClient.connect(devnode, channelQuery('responder', { initiator: a.address, responder: b.address, port }), b);
    await initiator.signNext('initiator_sign');
    await responder.signNext('responder_sign');
    await initiator.waitMethod('channels.update');
    await responder.waitInfo('open');
    expect(initiator.received.map(d).filter((x) => x.startsWith('channels.info'))).toEqual([]);
    expect(initiator.received.map(d)).toContain('channels.sign.initiator_sign');
  });
});
