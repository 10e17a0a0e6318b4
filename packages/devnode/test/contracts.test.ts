/**
 * Off-chain contracts in the devnode (CONTRACTS.md §2, PROTOCOL.md §7.2, §7.5, §9.3): both
 * FSMs run every create and call through the FATE VM; the results are checked against an
 * independent re-run of the same updates with `@aechannel/fate`.
 */
import { readFileSync } from 'node:fs';
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
import { dataOf, describe as d, openChannel, type Json, type TestClient } from './helpers/testClient.js';

const counter = JSON.parse(readFileSync(new URL('./fixtures/counter.json', import.meta.url), 'utf8')) as {
  bytecode: Encoded<'cb'>;
  calldata: Record<string, Encoded<'cb'>>;
};
const cd = (call: string): Encoded<'cb'> => counter.calldata[call] as Encoded<'cb'>;

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
