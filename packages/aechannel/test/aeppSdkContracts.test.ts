/**
 * Interop on contracts: an `@aeternity/aepp-sdk` v14 `Channel` (the initiator) and our
 * `Channel` (the responder) in one channel on the devnode. The SDK creates and calls a
 * contract; our client recomputes each of its rounds with the VM before co-signing (the
 * SDK signs what it is given). Our client calls too, and the SDK co-signs. Every result
 * the SDK reads back (call objects, a dry run, the contract's store) equals what our
 * client computed or reads from its own trees.
 */
import { Channel as SdkChannel, MemoryAccount } from '@aeternity/aepp-sdk';
import { decodeSignedTx, type Encoded } from '@aechannel/codec';
import type { Devnode } from '@aechannel/devnode';
import { createdContractId } from '@aechannel/fate';
import { memorySigner } from '@aechannel/signer';
import { afterEach, describe, expect, it } from 'vitest';
import { Channel, type ChannelClientEvent } from '../src/Channel.js';
import { encodeCallData } from '../src/contractAci.js';
import { COUNTER } from './fixtures/contracts.js';
import { freshPort, startTestDevnode, until } from './helpers.js';

type SdkChannelInstance = Awaited<ReturnType<typeof SdkChannel.initialize>>;

let devnode: Devnode | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await devnode?.stop();
  devnode = undefined;
});

const stateHashOf = (tx: string): string => (decodeSignedTx(tx as Encoded<'tx'>).tx as { stateHash: string }).stateHash;

describe('@aeternity/aepp-sdk Channel and our Channel in one channel, with a contract', () => {
  it('the SDK creates and calls, ours verifies and co-signs; ours calls, the SDK co-signs; every result the SDK reads equals ours', async () => {
    devnode = await startTestDevnode();
    const [a, b] = devnode.accounts;
    const sdkAccount = new MemoryAccount(a!.secretKey);
    const networkId = devnode.networkId;
    const sign = (tx: `tx_${string}`) => sdkAccount.signTransaction(tx, { networkId });
    const port = freshPort();
    const shared = { initiatorId: a!.address, responderId: b!.address, initiatorAmount: 10n ** 18n, responderAmount: 10n ** 18n, channelReserve: 2n, lockPeriod: 10n, port };
    const events: ChannelClientEvent[] = [];
    const oursPromise = Channel.open({ ...shared, url: devnode.url, networkId, role: 'responder', signer: memorySigner(b!.secretKey), onEvent: (e) => events.push(e), timeoutMs: 20_000 });
    const sdk: SdkChannelInstance = await SdkChannel.initialize({
      url: devnode.url,
      role: 'initiator',
      host: 'localhost',
      ...shared,
      initiatorAmount: shared.initiatorAmount,
      responderAmount: shared.responderAmount,
      channelReserve: 2,
      lockPeriod: 10,
      pushAmount: 0,
      sign: (_tag: string, tx: `tx_${string}`) => sign(tx),
    } as never);
    const ours = await oursPromise;
    cleanups.push(() => sdk.disconnect(), () => ours.dispose());

    // The SDK creates the counter (init(5), deposit 10): our client recomputes the round with the VM and co-signs.
    const created = await sdk.createContract({ code: COUNTER.code, callData: encodeCallData(COUNTER.aci, 'init', [5n]), deposit: 10, vmVersion: 8, abiVersion: 3 }, sign);
    expect(created.accepted).toBe(true);
    const ct = createdContractId(a!.address, 2n);
    expect(created.address).toBe(ct);
    await until(() => ours.round === 2n);
    // The state both signed is the one our client computed on its own trees.
    expect(stateHashOf(ours.latestState!)).toBe(stateHashOf(created.signedTx as string));
    ours.setContractAci(ct, COUNTER.aci);

    // The SDK calls add(3) with 2 aettos: our client sees it decoded.
    const called = await sdk.callContract({ amount: 2, callData: encodeCallData(COUNTER.aci, 'add', [3n]), contract: ct, abiVersion: 3 }, sign);
    expect(called.accepted).toBe(true);
    await until(() => ours.round === 3n);
    const sdkRound = events.find((e): e is Extract<ChannelClientEvent, { type: 'contractCall' }> => e.type === 'contractCall' && e.round === 3n);
    expect(sdkRound).toMatchObject({ own: false, result: { function: 'add', returnType: 'ok', value: 8n, caller: a!.address } });
    expect(stateHashOf(ours.latestState!)).toBe(stateHashOf(called.signedTx as string));

    // Our client calls add(4); the SDK co-signs.
    const mine = await ours.callContract(ct, { function: 'add', args: [4n] });
    expect(mine.call).toMatchObject({ returnType: 'ok', value: 12n, round: 4n });
    await until(() => sdk.round() === 4);

    // What the SDK reads back equals what our client computed.
    const sdkView = await sdk.getContractCall({ caller: b!.address, contract: ct, round: 4 });
    expect(sdkView.returnType).toBe(mine.call.returnType);
    expect(sdkView.returnValue).toBe(mine.call.returnValue);
    expect(String(sdkView.gasUsed)).toBe(String(mine.call.gasUsed));
    const sdkOwn = await sdk.getContractCall({ caller: a!.address, contract: ct, round: 3 });
    expect(String(sdkOwn.gasUsed)).toBe(String(sdkRound!.result.gasUsed));
    expect(sdkOwn.returnValue).toBe(sdkRound!.result.returnValue);
    // ... and our client checks the node's copy of the SDK's round against its own record.
    expect(await ours.getContractCall(ct, { round: 3n, caller: a!.address })).toMatchObject({ verified: true, call: { value: 8n } });

    // A dry run: the SDK's equals ours (value and gas).
    const sdkDry = await sdk.callContractStatic({ amount: 0, callData: encodeCallData(COUNTER.aci, 'get', []), contract: ct, abiVersion: 3 });
    const ourDry = await ours.dryRunContract(ct, { function: 'get' });
    expect(ourDry).toMatchObject({ verified: true, call: { value: 12n } });
    expect(sdkDry.returnValue).toBe(ourDry.call.returnValue);
    expect(String(sdkDry.gasUsed)).toBe(String(ourDry.call.gasUsed));

    // The contract's store as the SDK reads it equals the one in our client's own trees.
    const sdkState = await sdk.getContractState(ct);
    const ourState = await ours.getContract(ct);
    expect(sdkState.contractState).toEqual(ourState.store);
    expect(sdkState.contract.ownerId).toBe(ourState.owner);
    expect(ourState.state).toEqual({ value: 12n, owner: a!.address });
    expect(events.filter((e) => e.type === 'security' || e.type === 'peerUpdateRefused')).toEqual([]);
  });
});
