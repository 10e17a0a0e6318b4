/**
 * Off-chain contracts in the devnode (CONTRACTS.md §2, PROTOCOL.md §7.2, §7.5, §9.3): both
 * FSMs run every create and call through the FATE VM; the results are checked against an
 * independent re-run of the same updates with `@aechannel/fate`.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  decode,
  decodeSignedTx,
  encode,
  poiStateHash,
  Tag,
  unpackCallsTree,
  verifyPoi,
  type ChannelOffChainUpdate,
  type Encoded,
  type JsonValue,
} from '@aechannel/codec';
import {
  applyUpdates,
  callObjectToJson,
  createdContractId,
  stateHash,
  treesFromBalances,
  treesFromStateTrees,
  type ChannelTrees,
} from '@aechannel/fate';
import { startDevnode, type Devnode, type DevnodeAccount, type StartDevnodeOptions } from '@aechannel/devnode';
import { dataOf, describe as d, openChannel, reestablishQuery, TestClient, type Json } from './helpers/testClient.js';
import { cd, counter } from './helpers/counter.js';


let devnode: Devnode | undefined;
afterEach(async () => {
  await devnode?.stop();
  devnode = undefined;
});

async function setup(options: Partial<StartDevnodeOptions> = {}) {
  devnode = await startDevnode({ port: 0, ...options });
  const [a, b] = devnode.accounts as [DevnodeAccount, DevnodeAccount];
  const channel = await openChannel(devnode, a, b, { via: 'memory' });
  // The reference: the same updates re-run with the VM from the initial state.
  const reference = {
    trees: treesFromBalances({ [a.address]: 70_000_000_000_000n - 1n, [b.address]: 40_000_000_000_000n + 1n }) as ChannelTrees,
    round: 1n,
  };
  return { devnode, a, b, ...channel, reference };
}

/** Runs one co-signed update round; returns the new state's signed tx and the updates of the sign request. */
async function round(starter: TestClient, acknowledger: TestClient, method: string, params: Json): Promise<{ state: Encoded<'tx'>; updates: Json[] }> {
  starter.notify(method, params);
  const request = await starter.signRequest('update');
  await starter.request('channels.update', { signed_tx: await starter.sign(request.signedTx) });
  const ack = await acknowledger.signRequest('update_ack');
  await acknowledger.request('channels.update_ack', { signed_tx: await acknowledger.sign(ack.signedTx) });
  const [s1, s2] = await Promise.all([starter.waitMethod('channels.update'), acknowledger.waitMethod('channels.update')]);
  expect(dataOf(s1)['state']).toBe(dataOf(s2)['state']);
  return { state: dataOf(s1)['state'] as Encoded<'tx'>, updates: request.data['updates'] as Json[] };
}

function stateHashOfTx(signed: Encoded<'tx'>): string {
  return (decodeSignedTx(signed).tx as { stateHash: string }).stateHash;
}

describe('contract rounds (§9.3, CONTRACTS.md §2.2, §2.3)', () => {
  it('creates a contract (initiator) and calls it (responder), as the VM computes', async () => {
    const { a, b, initiator, responder, reference } = await setup();
    const create = await round(initiator, responder, 'channels.update.new_contract', {
      code: counter.bytecode,
      call_data: cd('init(42)'),
      vm_version: 8n,
      abi_version: 3n,
      deposit: 10n,
    });
    expect(create.updates).toEqual([
      { op: 'OffChainNewContract', owner: a.address, vm_version: 8n, abi_version: 3n, code: counter.bytecode, deposit: 10n, call_data: cd('init(42)') },
    ]);
    const ct = createdContractId(a.address, 2n);
    const createUpdate: ChannelOffChainUpdate = {
      tag: Tag.ChannelOffChainUpdateCreateContract,
      version: 1,
      owner: a.address,
      ctVersion: (8n << 16n) | 3n,
      code: decode(counter.bytecode, 'cb'),
      deposit: 10n,
      callData: decode(cd('init(42)'), 'cb'),
    };
    let ref = applyUpdates(reference.trees, [createUpdate], { round: 2n, reserve: 2n, rules: 'ceres' });
    expect(stateHashOfTx(create.state)).toBe(stateHash(ref.trees));

    const call = await round(responder, initiator, 'channels.update.call_contract', { contract_id: ct, call_data: cd('tick(5)'), abi_version: 3n, amount: 7n });
    expect(call.updates).toEqual([
      {
        op: 'OffChainCallContract',
        caller_id: b.address,
        contract_id: ct,
        abi_version: 3n,
        amount: 7n,
        gas: 1_000_000n,
        gas_price: 1n,
        call_data: cd('tick(5)'),
        call_stack: [],
      },
    ]);
    const callUpdate: ChannelOffChainUpdate = {
      tag: Tag.ChannelOffChainUpdateCallContract,
      version: 1,
      caller: b.address,
      contract: ct,
      abiVersion: 3n,
      amount: 7n,
      gas: 1_000_000n,
      gasPrice: 1n,
      callData: decode(cd('tick(5)'), 'cb'),
      callStack: [],
    };
    const refCall = applyUpdates(ref.trees, [callUpdate], { round: 3n, reserve: 2n, rules: 'ceres' });
    ref = refCall;
    expect(stateHashOfTx(call.state)).toBe(stateHash(ref.trees));

    // Both FSMs archived the call; the result is the VM's.
    const expected = JSON.parse(JSON.stringify(callObjectToJson(refCall.calls[0]!), (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)));
    for (const client of [initiator, responder]) {
      const reply = await client.request('channels.get.contract_call', { contract_id: ct, caller_id: b.address, round: 3n });
      const result = JSON.parse(JSON.stringify(reply['result'], (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)));
      expect(result).toEqual(expected);
      expect(result.return_type).toBe('ok');
      // 47 = 42 + 5, a FATE small integer: one byte 2 × 47.
      expect(result.return_value).toBe(encode(Uint8Array.of(2 * 47), 'cb'));
    }
    // Balances: the amount moved to the contract account.
    const balances = await responder.request('channels.get.balances', { accounts: [b.address, ct.replace('ct_', 'ak_')] });
    expect((balances['result'] as Json[]).map((x) => x['balance'])).toEqual([40_000_000_000_001n - 7n, 17n]);
  });
});

async function withCounter(options: Partial<StartDevnodeOptions> = {}) {
  const s = await setup(options);
  await round(s.initiator, s.responder, 'channels.update.new_contract', {
    code: counter.bytecode,
    call_data: cd('init(42)'),
    vm_version: 8n,
    abi_version: 3n,
    deposit: 10n,
  });
  return { ...s, ct: createdContractId(s.a.address, 2n) };
}

const waitOnChain = (client: TestClient, info: string): Promise<Json> =>
  client.waitFor((m) => m['method'] === 'channels.on_chain_tx' && dataOf(m)['info'] === info);

describe('contract queries (§7.5, CONTRACTS.md §2.7)', () => {
  it('get.contract, dry_run, clean_contract_calls, get.offchain_state and get.poi with contracts', async () => {
    const { a, b, initiator, responder, ct } = await withCounter();
    const contract = (await responder.request('channels.get.contract', { pubkey: ct }))['result'] as Json;
    expect(contract['contract']).toMatchObject({ id: ct, owner_id: a.address, vm_version: 8n, abi_version: 3n, active: true, deposit: 10n, referrer_ids: [] });
    // Store register 1 holds the state (42 as FATE int 0x54), register 0 the store-map metadata.
    expect(contract['contract_state']).toEqual({ [encode(Uint8Array.of(0, 0), 'ck')]: encode(Uint8Array.of(0x2f, 0), 'cv'), [encode(Uint8Array.of(0, 1), 'ck')]: encode(Uint8Array.of(0x54), 'cv') });
    expect(d(await responder.request('channels.get.contract', { pubkey: createdContractId(b.address, 9n) }))).toBe('error 3 [100]');

    // A dry run is round latest + 1 and changes nothing.
    const before = dataOf(await initiator.request('channels.get.offchain_state', {}).then((r) => ({ params: { data: r['result'] } }) as Json));
    const dry = (await responder.request('channels.dry_run.call_contract', { contract_id: ct, call_data: cd('tick(1)'), abi_version: 3n, amount: 0n }))['result'] as Json;
    expect(dry).toMatchObject({ caller_id: b.address, caller_nonce: 3n, height: 3n, return_type: 'ok', return_value: encode(Uint8Array.of(2 * 43), 'cb'), gas_price: 1n });
    const after = (await initiator.request('channels.get.offchain_state', {}))['result'] as Json;
    expect(after['signed_tx']).toBe(before['signed_tx']);

    // The offchain state: ss_ holds the trees of the latest state, cs_ the archive.
    const trees = treesFromStateTrees(after['trees'] as Encoded<'ss'>);
    expect(stateHash(trees)).toBe(stateHashOfTx(after['signed_tx'] as Encoded<'tx'>));
    expect(unpackCallsTree(after['calls'] as Encoded<'cs'>)).toHaveLength(1);
    expect(d(await initiator.request('channels.clean_contract_calls', {}))).toBe('result object');
    expect(unpackCallsTree(((await initiator.request('channels.get.offchain_state', {}))['result'] as Json)['calls'] as Encoded<'cs'>)).toHaveLength(0);
    expect(d(await initiator.request('channels.get.contract_call', { contract_id: ct, caller_id: a.address, round: 2n }))).toBe('error 3 [1004]');
    // The peer's archive is its own.
    expect((await responder.request('channels.get.contract_call', { contract_id: ct, caller_id: a.address, round: 2n }))['result']).toMatchObject({ return_type: 'ok', gas_price: 0n });

    // PoI: the contract in the accounts and contracts trees (object, store marker, store keys).
    const pi = ((await responder.request('channels.get.poi', { accounts: [a.address], contracts: [ct] }))['result'] as Json)['poi'] as Encoded<'pi'>;
    expect(poiStateHash(pi)).toBe(stateHash(trees));
    const proven = verifyPoi(pi);
    expect(Object.keys(proven.accounts).sort()).toEqual([a.address, ct.replace('ct_', 'ak_')].sort());
    expect(proven.entries.contracts.map((e) => e.key.length).sort()).toEqual([32, 33, 35, 35]);
    expect(proven.entries.calls).toEqual([]);
    expect(d(await responder.request('channels.get.poi', { contracts: [createdContractId(b.address, 9n)] }))).toBe('error 3 [100]');
    expect(d(await responder.request('channels.get.poi', { accounts: ['ak_1'], contracts: ['ct_1'] }))).toBe('error 3 [1005,1006]');
  });
});

describe('the node\'s errors for contract requests (CONTRACTS.md §2.7)', () => {
  it('rejects bad encodings, numbers, balances, init, ABI/VM and unknown contracts; a bad call is a failed call', async () => {
    const { a, b, initiator, responder, ct } = await withCounter();
    const create = (params: Json) =>
      initiator.request('channels.update.new_contract', { code: counter.bytecode, call_data: cd('init(42)'), vm_version: 8n, abi_version: 3n, deposit: 1n, ...params });
    const call = (params: Json) => responder.request('channels.update.call_contract', { contract_id: ct, call_data: cd('get()'), abi_version: 3n, amount: 0n, ...params });
    expect(d(await create({ code: 'ABCDEFG' }))).toBe('error 3 [1009]');
    expect(d(await create({ deposit: '1' }))).toBe('error 3 [1008]');
    expect(d(await create({ deposit: 70_000_000_000_000n }))).toBe('error 3 [1001]');
    expect(d(await create({ call_data: cd('get()') }))).toBe('error 3 [1007]');
    expect(d(await create({ vm_version: 7n, abi_version: 1n }))).toBe('error 3 [1020]');
    expect(d(await initiator.request('channels.update.new_contract', { code: counter.bytecode }))).toBe('error -32601');
    expect(d(await call({ contract_id: 'ABCDEFG' }))).toBe('error 3 [1006]');
    expect(d(await call({ call_data: 'ABCDEFG' }))).toBe('error 3 [1009]');
    expect(d(await call({ amount: '1' }))).toBe('error 3 [1008]');
    expect(d(await call({ abi_version: 1n }))).toBe('error 3 [1019]');
    expect(d(await call({ amount: 40_000_000_000_000n }))).toBe('error 3 [1001]');
    expect(d(await call({ contract_id: createdContractId(b.address, 9n) }))).toBe('error -32603');
    expect(d(await responder.request('channels.dry_run.call_contract', { contract_id: createdContractId(b.address, 9n), call_data: cd('get()'), abi_version: 3n, amount: 0n }))).toBe('error -32603');
    // Nothing was proposed by any of these (the four sign requests: opening and the create).
    expect(initiator.received.concat(responder.received).filter((m) => String(m['method']).startsWith('channels.sign.'))).toHaveLength(4);

    // Calldata that is not a call (valid cb_): the round goes through as a failed call (gas all used).
    await round(responder, initiator, 'channels.update.call_contract', { contract_id: ct, call_data: encode(Uint8Array.of(1, 2, 3), 'cb'), abi_version: 3n, amount: 0n });
    const failed = (await initiator.request('channels.get.contract_call', { contract_id: ct, caller_id: b.address, round: 3n }))['result'] as Json;
    expect(failed).toMatchObject({ return_type: 'error', gas_used: 1_000_000n, return_value: encode(new TextEncoder().encode('bad_call_data'), 'cb') });
    // A revert is a co-signed round too; the amount goes back to the caller.
    await round(responder, initiator, 'channels.update.call_contract', { contract_id: ct, call_data: cd('check(0)'), abi_version: 3n, amount: 0n });
    const reverted = (await responder.request('channels.get.contract_call', { contract_id: ct, caller_id: b.address, round: 4n }))['result'] as Json;
    expect(reverted['return_type']).toBe('revert');
    expect(a.address).not.toBe(b.address);
  });
});

describe('operations forbidden off chain (CONTRACTS.md §2.8)', () => {
  it('make the call fail as the VM says: a co-signed round with an error call that used all its gas', async () => {
    const forbidden = JSON.parse(readFileSync(new URL('./fixtures/forbidden.json', import.meta.url), 'utf8')) as { bytecode: Encoded<'cb'>; calldata: Record<string, Encoded<'cb'>> };
    const { a, b, initiator, responder } = await setup();
    await round(initiator, responder, 'channels.update.new_contract', { code: forbidden.bytecode, call_data: forbidden.calldata['init()'] as Encoded<'cb'>, vm_version: 8n, abi_version: 3n, deposit: 0n });
    const ct = createdContractId(a.address, 2n);
    await round(responder, initiator, 'channels.update.call_contract', { contract_id: ct, call_data: forbidden.calldata['register()'] as Encoded<'cb'>, abi_version: 3n, amount: 0n });
    const call = (await initiator.request('channels.get.contract_call', { contract_id: ct, caller_id: b.address, round: 3n }))['result'] as Json;
    expect(call['return_type']).toBe('error');
    expect(call['gas_used']).toBe(1_000_000n);
    expect(new TextDecoder().decode(decode(call['return_value'] as Encoded<'cb'>, 'cb'))).toMatch(/not allowed off chain/);
  });
});

describe('the pinned environment (CONTRACTS.md §2.8, PROTOCOL.md §10.3)', () => {
  it('gives a contract the height of the pinned block, the same on both FSMs', async () => {
    const { devnode, initiator, responder, ct, b } = await withCounter();
    devnode.chain.setBlockMode('manual');
    devnode.chain.mine(3);
    const top = devnode.chain.height;
    const dryTop = (await responder.request('channels.dry_run.call_contract', { contract_id: ct, call_data: cd('height()'), abi_version: 3n, amount: 0n }))['result'] as Json;
    expect(dryTop['return_value']).toBe(encode(Uint8Array.of(Number(top) * 2), 'cb'));
    // An explicit block_hash of an older block: both FSMs execute against it and agree.
    const events = devnode.chain.mine(1);
    const older = events[0]!.hash;
    const olderHeight = events[0]!.height;
    devnode.chain.mine(2);
    await round(responder, initiator, 'channels.update.call_contract', { contract_id: ct, call_data: cd('height()'), abi_version: 3n, amount: 0n, block_hash: older });
    const result = (await initiator.request('channels.get.contract_call', { contract_id: ct, caller_id: b.address, round: 3n }))['result'] as Json;
    expect(result['return_value']).toBe(encode(Uint8Array.of(Number(olderHeight) * 2), 'cb'));
  });
});

describe('rules', () => {
  it('refuses an unknown compat preset', async () => {
    await expect(startDevnode({ port: 0, listen: false, compat: 'early-lima' as never })).rejects.toMatchObject({ code: 'DEVNODE_INVALID_OPTION' });
  });

  it('early-iris (the recordings\' node) runs the Lima gas schedule, ceres today\'s', async () => {
    const gasOf = async (options: Partial<StartDevnodeOptions>) => {
      const { responder, ct, b } = await withCounter(options);
      const r = (await responder.request('channels.dry_run.call_contract', { contract_id: ct, call_data: cd('get()'), abi_version: 3n, amount: 0n }))['result'] as Json;
      await devnode?.stop();
      devnode = undefined;
      expect(r['caller_id']).toBe(b.address);
      return r['gas_used'];
    };
    const ceres = await gasOf({});
    const early = await gasOf({ protocol: 'iris', compat: 'early-iris' });
    expect(ceres).not.toBe(early);
    expect(ceres).toBeGreaterThan(early as bigint);
  });
});

describe('contracts across leave and reestablish (§9.7)', () => {
  it('keeps the trees and the calls archive; the next call continues the state', async () => {
    const { devnode, b, initiator, responder, ct, channelId, port } = await withCounter();
    await round(responder, initiator, 'channels.update.call_contract', { contract_id: ct, call_data: cd('tick(1)'), abi_version: 3n, amount: 0n });
    const fsmI = dataOf(initiator.received[0]!)['fsm_id'] as string;
    const fsmR = dataOf(responder.received[0]!)['fsm_id'] as string;
    expect((await initiator.request('channels.leave', {}))['result']).toBe('ok');
    await Promise.all([initiator.closedPromise, responder.closedPromise]);
    const query = (role: 'initiator' | 'responder', fsmId: string) => reestablishQuery(role, port, channelId, fsmId);
    const [a2, b2] = devnode.accounts as [DevnodeAccount, DevnodeAccount];
    const r2 = await TestClient.connect(devnode, query('responder', fsmR), b2, 'memory');
    await r2.waitInfo('fsm_up');
    const i2 = await TestClient.connect(devnode, query('initiator', fsmI), a2, 'memory');
    await Promise.all([i2.waitMethod('channels.update'), r2.waitMethod('channels.update')]);
    expect((await i2.request('channels.get.contract_call', { contract_id: ct, caller_id: b.address, round: 3n }))['result']).toMatchObject({ return_type: 'ok' });
    await round(r2, i2, 'channels.update.call_contract', { contract_id: ct, call_data: cd('tick(1)'), abi_version: 3n, amount: 0n });
    const got = (await i2.request('channels.dry_run.call_contract', { contract_id: ct, call_data: cd('get()'), abi_version: 3n, amount: 0n }))['result'] as Json;
    expect(got['return_value']).toBe(encode(Uint8Array.of(2 * 44), 'cb'));
  });
});

describe('bad contract input never breaks the devnode', () => {
  it('answers random code, calldata and parameters with a reply; no internal error', async () => {
    const errors: unknown[] = [];
    const { devnode, initiator, responder, ct } = await withCounter({ onError: (e) => errors.push(e) });
    const code = decode(counter.bytecode, 'cb');
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      // the real code with a few bytes changed
      fc.array(fc.tuple(fc.nat({ max: code.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }).map((edits) => {
        const c = Uint8Array.from(code);
        for (const [i, v] of edits) c[i] = v;
        return c;
      }),
    );
    await fc.assert(
      fc.asyncProperty(bytes, bytes, fc.bigInt({ min: -2n, max: 12n }), fc.bigInt({ min: -1n, max: 5n }), async (c, data, vm, amount) => {
        const replies = await Promise.all([
          initiator.request('channels.update.new_contract', { code: encode(c, 'cb'), call_data: encode(data, 'cb'), vm_version: vm, abi_version: 3n, deposit: amount }),
          responder.request('channels.dry_run.call_contract', { contract_id: ct, call_data: encode(data, 'cb'), abi_version: 3n, amount }),
        ]);
        for (const reply of replies) expect(reply['result'] !== undefined || reply['error'] !== undefined).toBe(true);
        if (replies[0]!['result'] === 'ok') {
          await initiator.signRequest('update');
          expect(d(await initiator.request('channels.update', { error: 1n }))).toBe('result ok');
          await initiator.waitInfo('aborted_update');
        }
        await devnode.idle();
      }),
      { numRuns: 40 },
    );
    expect(errors).toEqual([]);
  });
});
