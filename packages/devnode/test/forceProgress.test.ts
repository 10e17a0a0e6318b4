/**
 * Force progress (PROTOCOL.md §9.13, CONTRACTS.md §3): the tx the FSM builds, the sign flow,
 * the simulated chain's checks and processing, and how both FSMs follow the result.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildSignedTx,
  decode,
  decodeSignedTx,
  deserializeObject,
  encode,
  feeGas,
  fixFee,
  serializeObject,
  Tag,
  txHash,
  type Encoded,
  type TxOf,
} from '@aechannel/codec';
import { applyUpdate, createdContractId, stateHash, treesFromStateTrees, type ChannelTrees } from '@aechannel/fate';
import { startDevnode, type Devnode, type DevnodeAccount } from '@aechannel/devnode';
import { poiOf } from '../src/contracts.js';
import { dataOf, describe as d, openChannel, type Json, type TestClient } from './helpers/testClient.js';
import { cd, counter } from './helpers/counter.js';

type ForceProgressTx = TxOf<typeof Tag.ChannelForceProgressTx>;

let devnode: Devnode | undefined;
afterEach(async () => {
  await devnode?.stop();
  devnode = undefined;
});

async function round(starter: TestClient, acknowledger: TestClient, method: string, params: Json): Promise<Encoded<'tx'>> {
  starter.notify(method, params);
  await starter.signNext('update', false);
  await acknowledger.signNext('update_ack', false);
  const [s] = await Promise.all([starter.waitMethod('channels.update'), acknowledger.waitMethod('channels.update')]);
  return dataOf(s)['state'] as Encoded<'tx'>;
}

/** A channel with a counter (round 2) and one off-chain tick by the responder (round 3). */
async function setup() {
  devnode = await startDevnode({ port: 0 });
  const [a, b] = devnode.accounts as [DevnodeAccount, DevnodeAccount];
  const channel = await openChannel(devnode, a, b, { via: 'memory' });
  const { initiator, responder } = channel;
  await round(initiator, responder, 'channels.update.new_contract', { code: counter.bytecode, call_data: cd('init(42)'), vm_version: 8n, abi_version: 3n, deposit: 10n });
  const ct = createdContractId(a.address, 2n);
  const latest = await round(responder, initiator, 'channels.update.call_contract', { contract_id: ct, call_data: cd('tick(1)'), abi_version: 3n, amount: 0n });
  return { devnode, a, b, ct, latest, ...channel };
}

/** Mines a block every few ms (manual mode) until `done` resolves. */
async function mineUntil<T>(devnode: Devnode, done: Promise<T>): Promise<T> {
  let finished = false;
  void done.finally(() => {
    finished = true;
  });
  for (let i = 0; i < 200 && !finished; i += 1) {
    await new Promise((r) => setTimeout(r, 5));
    if (!finished) devnode.chain.mine(1);
  }
  return done;
}

const onChain = (client: TestClient, info: string): Promise<Json> =>
  client.waitFor((m) => m['method'] === 'channels.on_chain_tx' && dataOf(m)['info'] === info);

function fpParams(ct: Encoded<'ct'>, extra: Json = {}): Json {
  return { contract_id: ct, abi_version: 3n, amount: 0n, call_data: cd('tick(5)'), gas_price: 1_000_000_000n, ...extra };
}

describe('force progress (§9.13, CONTRACTS.md §3)', () => {
  it('builds the tx of §3.1, posts it, and both FSMs adopt the forced state (consumed_forced_progress)', async () => {
    const { devnode, b, ct, latest, initiator, responder, channelId } = await setup();
    const before = devnode.chain.getBalance(b.address);
    const ok = await responder.request('channels.force_progress', fpParams(ct, { gas: 100_000n }));
    expect(ok['result']).toBe('ok');
    const request = await responder.signRequest('force_progress_tx');
    expect(request.data['updates']).toEqual([
      { op: 'OffChainCallContract', caller_id: b.address, contract_id: ct, abi_version: 3n, amount: 0n, gas: 100_000n, gas_price: 1_000_000_000n, call_data: cd('tick(5)'), call_stack: [] },
    ]);
    const tx = decodeSignedTx(request.signedTx).tx as ForceProgressTx;
    expect(tx.tag).toBe(Tag.ChannelForceProgressTx);
    expect(tx.fromId).toBe(b.address);
    expect(tx.round).toBe(4n);
    // Payload: the latest co-signed off-chain tx (round 3 is not on chain).
    expect(encode(tx.payload, 'tx')).toBe(latest);
    // Off-chain trees: the latest state, calls tree included.
    const trees: ChannelTrees = treesFromStateTrees(tx.offChainTrees);
    expect(stateHash(trees)).toBe((decodeSignedTx(latest).tx as { stateHash: string }).stateHash);
    // State hash: the call applied to those trees.
    const update = deserializeObject(tx.update);
    expect(update.tag).toBe(Tag.ChannelOffChainUpdateCallContract);
    const applied = applyUpdate(trees, update as never, { round: 4n, reserve: 2n, chain: devnode.chain.view(), rules: 'ceres' } as never);
    expect(tx.stateHash).toBe(stateHash(applied.trees));
    // Fee: fix-point with base gas 450 000 at the request's gas price.
    expect(tx.fee).toBe(feeGas(tx) * 1_000_000_000n);

    await responder.request('channels.force_progress_sign', { signed_tx: await responder.sign(request.signedTx) });
    const [mine, peer] = await Promise.all([onChain(responder, 'consumed_forced_progress'), onChain(initiator, 'consumed_forced_progress')]);
    expect(dataOf(mine)['type']).toBe('channel_force_progress_tx');
    expect(dataOf(peer)['tx']).toBe(dataOf(mine)['tx']);
    const hash = txHash(dataOf(mine)['tx'] as Encoded<'tx'>);
    const channel = devnode.chain.getChannel(channelId)!;
    expect(channel.round).toBe(4n);
    expect(channel.stateHash).toBe(tx.stateHash);
    expect(channel.soloRound).toBe(4n);
    const receipt = devnode.chain.forceProgressReceipt(hash)!;
    expect(receipt.applied).toBe(true);
    expect(receipt.call.returnType).toBe('ok');
    expect(receipt.call.contractId).toBe(encode(decode(hash, 'th'), 'ct'));
    expect(receipt.call.gasUsed).toBe(applied.calls[0]!.gasUsed);
    // The poster pays fee + gas used × gas price.
    expect(before - devnode.chain.getBalance(b.address)).toBe(tx.fee + receipt.call.gasUsed * 1_000_000_000n);
    // Both FSMs archived the forced call and continue from the forced state.
    for (const client of [initiator, responder]) {
      const call = (await client.request('channels.get.contract_call', { contract_id: ct, caller_id: b.address, round: 4n }))['result'] as Json;
      expect(call['return_value']).toBe(encode(Uint8Array.of(2 * 48), 'cb'));
    }
    const next = await round(initiator, responder, 'channels.update.call_contract', { contract_id: ct, call_data: cd('get()'), abi_version: 3n, amount: 0n });
    expect((decodeSignedTx(next).tx as { round: bigint }).round).toBe(5n);
    // A snapshot of the off-chain round after the forced one is accepted on chain.
    responder.notify('channels.snapshot_solo', {});
    await responder.signNext('snapshot_solo_tx');
    await onChain(initiator, 'channel_changed');
    expect(devnode.chain.getChannel(channelId)!.round).toBe(5n);
    expect(devnode.chain.getChannel(channelId)!.soloRound).toBe(0n);
  });

  it('chains force progresses: the second has an empty payload and keeps the first forced round as solo_round', async () => {
    const { devnode, ct, initiator, responder, channelId } = await setup();
    for (const [client, expectedRound] of [[responder, 4n], [initiator, 5n]] as const) {
      client.notify('channels.force_progress', fpParams(ct));
      const signed = await client.signNext('force_progress_tx');
      const tx = decodeSignedTx(signed).tx as ForceProgressTx;
      expect(tx.round).toBe(expectedRound);
      // The second one builds on the forced state, which is on chain: no payload.
      expect(tx.payload.length === 0).toBe(expectedRound === 5n);
      await Promise.all([onChain(initiator, 'consumed_forced_progress'), onChain(responder, 'consumed_forced_progress')]);
      expect(devnode.chain.getChannel(channelId)!.round).toBe(expectedRound);
    }
    expect(devnode.chain.getChannel(channelId)!.soloRound).toBe(4n);
    const value = (await initiator.request('channels.dry_run.call_contract', { contract_id: ct, call_data: cd('get()'), abi_version: 3n, amount: 0n }))['result'] as Json;
    expect(value['return_value']).toBe(encode(Uint8Array.of(2 * 53), 'cb'));
    // Snapshot needs an off-chain tx: the latest state is a forced one (1012).
    expect(d(await initiator.request('channels.snapshot_solo', {}))).toBe('error 2 [1012]');
  });

  it('reports can_snapshot for a force progress based on an older state', async () => {
    const { devnode, ct, initiator, responder, channelId } = await setup();
    await responder.request('channels.force_progress', fpParams(ct));
    const request = await responder.signRequest('force_progress_tx');
    const signed = await responder.sign(request.signedTx);
    // The client does not post it through its FSM; the channel moves on off-chain.
    expect(d(await responder.request('channels.force_progress_sign', { error: 7n }))).toBe('result ok');
    await responder.waitInfo('aborted_update');
    await round(initiator, responder, 'channels.update.call_contract', { contract_id: ct, call_data: cd('get()'), abi_version: 3n, amount: 0n });
    await round(initiator, responder, 'channels.update.call_contract', { contract_id: ct, call_data: cd('get()'), abi_version: 3n, amount: 0n });
    await devnode.chain.post(signed);
    const [x, y] = await Promise.all([onChain(initiator, 'can_snapshot'), onChain(responder, 'can_snapshot')]);
    expect(dataOf(x)['tx']).toBe(signed);
    expect(dataOf(y)['type']).toBe('channel_force_progress_tx');
    expect(devnode.chain.getChannel(channelId)!.round).toBe(4n);
    // The remedy: a snapshot of the newer co-signed state (round 5).
    initiator.notify('channels.snapshot_solo', {});
    await initiator.signNext('snapshot_solo_tx');
    await onChain(responder, 'channel_changed');
    expect(devnode.chain.getChannel(channelId)!.round).toBe(5n);
  });

  it('reports can_slash for a force progress on an older state while closing', async () => {
    const { devnode, a, b, ct, latest, initiator, responder, channelId } = await setup();
    // A force progress on round 3, signed but kept by the client.
    await responder.request('channels.force_progress', fpParams(ct));
    const fp = await responder.sign((await responder.signRequest('force_progress_tx')).signedTx);
    expect(d(await responder.request('channels.force_progress_sign', { error: 7n }))).toBe('result ok');
    await round(initiator, responder, 'channels.update.call_contract', { contract_id: ct, call_data: cd('get()'), abi_version: 3n, amount: 0n });
    // The initiator closes on round 3 behind its FSM's back (an old state).
    const trees = treesFromStateTrees((decodeSignedTx(fp).tx as ForceProgressTx).offChainTrees);
    const close = fixFee({
      tag: Tag.ChannelCloseSoloTx,
      version: 1,
      channelId,
      fromId: a.address,
      payload: decode(latest, 'tx'),
      poi: decode(poiOf(trees, [a.address, b.address], [ct]), 'pi'),
      ttl: 0n,
      fee: 0n,
      nonce: devnode.chain.getAccount(a.address)!.nonce + 1n,
    } as TxOf<typeof Tag.ChannelCloseSoloTx>);
    await devnode.chain.post(await initiator.sign(buildSignedTx(serializeObject(close), [])));
    await Promise.all([onChain(initiator, 'can_slash'), onChain(responder, 'can_slash')]);
    initiator.reset();
    responder.reset();
    // Now the stale force progress: applied on chain, and both FSMs hold a newer state.
    await devnode.chain.post(fp);
    const [x] = await Promise.all([onChain(initiator, 'can_slash'), onChain(responder, 'can_slash')]);
    expect(dataOf(x)['tx']).toBe(fp);
    expect(devnode.chain.getChannel(channelId)!.round).toBe(4n);
  });

  it('while closing: a force progress resets the lock, and settle pays the forced balances', async () => {
    const { devnode, a, b, ct, initiator, responder, channelId } = await setup();
    devnode.chain.setBlockMode('manual');
    initiator.notify('channels.close_solo', {});
    const close = await initiator.signNext('close_solo_sign');
    // The close solo PoI proves the contract too, and its hash is the state hash.
    expect((decodeSignedTx(close).tx as { poi: Uint8Array }).poi.length).toBeGreaterThan(0);
    await mineUntil(devnode, Promise.all([initiator.waitInfo('closing'), responder.waitInfo('closing')]));
    const lockedBefore = devnode.chain.getChannel(channelId)!.lockedUntil;
    devnode.chain.mine(3);
    responder.notify('channels.force_progress', fpParams(ct, { amount: 3n }));
    await responder.signNext('force_progress_tx');
    await mineUntil(devnode, Promise.all([onChain(initiator, 'consumed_forced_progress'), onChain(responder, 'consumed_forced_progress')]));
    const channel = devnode.chain.getChannel(channelId)!;
    expect(channel.round).toBe(4n);
    expect(channel.lockedUntil).toBeGreaterThan(lockedBefore);
    expect(channel.responderAmount).toBe(40_000_000_000_001n - 3n);
    devnode.chain.setBlockMode('instant');
    const beforeA = devnode.chain.getBalance(a.address);
    initiator.notify('channels.settle', {});
    const settle = decodeSignedTx(await initiator.signNext('settle_sign')).tx as { initiatorAmountFinal: bigint; responderAmountFinal: bigint; fee: bigint };
    await Promise.all([initiator.waitInfo('closed_confirmed'), responder.waitInfo('closed_confirmed')]);
    expect(settle.responderAmountFinal).toBe(40_000_000_000_001n - 3n);
    expect(devnode.chain.getBalance(a.address) - beforeA).toBe(settle.initiatorAmountFinal - settle.fee);
    expect(b.address).not.toBe(a.address);
  });
});

describe('on-chain checks of a force progress (CONTRACTS.md §3.2, §3.3)', () => {
  async function signedFp() {
    const s = await setup();
    await s.responder.request('channels.force_progress', fpParams(s.ct));
    const request = await s.responder.signRequest('force_progress_tx');
    expect(d(await s.responder.request('channels.force_progress_sign', { error: 7n }))).toBe('result ok');
    const tx = decodeSignedTx(request.signedTx).tx as ForceProgressTx;
    const resign = async (changed: ForceProgressTx): Promise<Encoded<'tx'>> => s.responder.sign(buildSignedTx(serializeObject(changed), []));
    return { ...s, tx, resign };
  }

  it('refuses trees that are not the base state, a wrong round, a foreign caller and an oversized gas', async () => {
    const { devnode, tx, resign, a } = await signedFp();
    const reason = async (changed: ForceProgressTx): Promise<unknown> => {
      try {
        await devnode.chain.post(await resign(changed));
        return 'accepted';
      } catch (error) {
        return (error as { context?: { reason?: string } }).context?.reason;
      }
    };
    const trees = treesFromStateTrees(tx.offChainTrees);
    const other = { ...trees, accounts: trees.accounts.set([...trees.accounts.keys()][0]!, { version: 1, nonce: 0n, balance: 1n }) };
    const { packTrees } = await import('@aechannel/fate');
    expect(await reason({ ...tx, offChainTrees: decode(packTrees(other), 'ss') })).toBe('invalid_poi_hash');
    expect(await reason({ ...tx, round: 5n })).toBe('the round does not follow the base state');
    const update = deserializeObject(tx.update) as { caller: Encoded<'ak'> };
    expect(await reason({ ...tx, update: serializeObject({ ...(update as object), caller: a.address } as never) })).toBe('the caller is not the poster');
    const big = deserializeObject(tx.update) as object;
    expect(await reason({ ...tx, update: serializeObject({ ...big, gas: 6_000_000n } as never) })).toBe('gas limit above the block gas limit');
  });

  it('charges a force progress whose state hash is wrong but leaves the channel as it was', async () => {
    const { devnode, tx, resign, b, channelId } = await signedFp();
    const before = devnode.chain.getBalance(b.address);
    const hash = await devnode.chain.post(await resign({ ...tx, stateHash: encode(new Uint8Array(32), 'st') }));
    await new Promise((r) => setTimeout(r, 20));
    const receipt = devnode.chain.forceProgressReceipt(hash);
    expect(receipt?.applied).toBe(false);
    expect(devnode.chain.getChannel(channelId)!.round).toBe(1n);
    expect(before - devnode.chain.getBalance(b.address)).toBe(tx.fee + receipt!.call.gasUsed * 1_000_000_000n);
  });
});
