/**
 * Generalized accounts end to end (issue 17, PROTOCOL.md §2.9): two `Channel` clients on the
 * devnode over WebSockets, with a GA initiator, a GA responder and both. The GA accounts are
 * attached on the devnode's chain with the test auth contract (examples/contracts/
 * ga_auth.aes: the owner's signature over tx hash ++ nonce), sign with `gaSigner`, and the
 * devnode authorizes every layer by running the auth function. Balances are checked off
 * chain after each step and on chain after the close, fees included: a GA account pays the
 * inner tx's fee where it is the payer, plus each of its meta txs' fee and the gas its auth
 * function used, which the test computes with the same VM (`runGaAuth`).
 */
import { readFileSync } from 'node:fs';
import {
  computeChannelId,
  decode,
  hash,
  authId,
  unwrapSignedTx,
  type Encoded,
  type GaMetaLayer,
  type TxOf,
  Tag,
} from '@aechannel/codec';
import type { Devnode, DevnodeAccount } from '@aechannel/devnode';
import { attachGaContract, encodeCallData, runGaAuth, emptyTrees, type Aci } from '@aechannel/fate';
import { memorySigner } from '@aechannel/signer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Channel, type ChannelClientEvent } from '../src/Channel.js';
import { gaAttachTx, gaAuthSigner, type GaAuthContract } from '../src/examples/generalizedAccount.js';
import { AE, closeSoloAndSettle, expectBalances, openPair, startTestDevnode, synced, type Pair } from './helpers.js';

const fixture = JSON.parse(readFileSync(new URL('../../../examples/contracts/ga_auth.json', import.meta.url), 'utf8')) as { bytecode: Encoded<'cb'>; aci: unknown[] };
const contract: GaAuthContract = { code: fixture.bytecode, aci: fixture.aci };

let devnode: Devnode;
beforeAll(async () => {
  devnode = await startTestDevnode({ accounts: 14 });
});
afterAll(async () => {
  await devnode.stop();
});

async function attach(account: DevnodeAccount): Promise<void> {
  const nonce = (devnode.chain.getAccount(account.address)?.nonce ?? 0n) + 1n;
  const signed = await memorySigner(account.secretKey).signTransaction(gaAttachTx({ owner: account.address, nonce, contract }), { networkId: devnode.networkId });
  await devnode.chain.post(signed);
  await devnode.idle();
  expect(devnode.chain.gaOf(account.address)).toBeDefined();
}

/**
 * The gas the test auth function uses on chain for one authorization: the same for every
 * small nonce (the stored nonce stays a one-byte FATE integer), computed with the VM.
 */
async function authGasOnChain(owner: DevnodeAccount): Promise<bigint> {
  const aci = fixture.aci as unknown as Aci;
  const authFun = hash(new TextEncoder().encode('authorize'));
  const { trees, contract: ct } = attachGaContract(emptyTrees(), {
    owner: owner.address, nonce: 1n, code: decode(fixture.bytecode, 'cb'), authFun, ctVersion: 0x80003n,
    callData: encodeCallData(aci, 'GaAuth', 'init', [owner.address]), gas: 50_000n, gasPrice: 1n,
  });
  const txHash = new Uint8Array(32).fill(3);
  const message = new Uint8Array(64);
  message.set(txHash);
  message[63] = 5;
  const sig = await memorySigner(owner.secretKey).signBytes(message);
  const run = runGaAuth({ trees, gaId: owner.address, contract: ct, authFun, authData: encodeCallData(aci, 'GaAuth', 'authorize', [5n, sig]), abiVersion: 3n, gas: 50_000n, gasPrice: 1n, fee: 1n, auth: { txHash } });
  expect(run.ok).toBe(true);
  return run.gasUsed;
}

const waitFor = <T extends ChannelClientEvent['type']>(events: ChannelClientEvent[], type: T): Promise<void> =>
  new Promise((resolve) => {
    const check = () => (events.some((e) => e.type === type) ? resolve() : setTimeout(check, 5));
    check();
  });


/** Every GA meta layer of an on-chain tx, by account: what each generalized account paid for it besides gas. */
const metaFees = (tx: Encoded<'tx'>): Map<string, bigint> => new Map(unwrapSignedTx(tx).layers.map((l: GaMetaLayer) => [l.gaId, l.fee]));

describe.each([
  { name: 'a GA initiator', ga: { initiator: true, responder: false }, accounts: [0, 1] as [number, number], solo: [6, 7] as [number, number] },
  { name: 'a GA responder', ga: { initiator: false, responder: true }, accounts: [2, 3] as [number, number], solo: [8, 9] as [number, number] },
  { name: 'two GA participants', ga: { initiator: true, responder: true }, accounts: [4, 5] as [number, number], solo: [10, 11] as [number, number] },
])('Channel with $name on the devnode', ({ ga, accounts, solo: soloAccounts }) => {
  it('opens, transfers both ways, deposits, withdraws and closes mutually; balances and fees right', async () => {
    const [ia, ra] = [devnode.accounts[accounts[0]]!, devnode.accounts[accounts[1]]!];
    if (ga.initiator) await attach(ia);
    if (ga.responder) await attach(ra);
    const gasOf = await authGasOnChain(ia);
    const generalized = [...(ga.initiator ? [ia.address] : []), ...(ga.responder ? [ra.address] : [])];
    const signerOf = (account: DevnodeAccount, isGa: boolean) => (isGa ? gaAuthSigner({ address: account.address, secretKey: account.secretKey, aci: fixture.aci }) : memorySigner(account.secretKey));
    const chainBefore = { i: devnode.chain.getBalance(ia.address), r: devnode.chain.getBalance(ra.address) };
    const pair = await openPair(devnode, {
      accounts,
      initiator: { signer: signerOf(ia, ga.initiator), generalizedAccounts: generalized },
      responder: { signer: signerOf(ra, ga.responder), generalizedAccounts: generalized },
    });
    const { initiator, responder, initiatorId, responderId } = pair;
    const onChainTxs: Encoded<'tx'>[] = [];
    const create = initiator.latestState!;
    onChainTxs.push(create);
    const createTx = unwrapSignedTx(create).tx as TxOf<typeof Tag.ChannelCreateTx>;
    // §4, §5.6: a GA initiator's create has nonce 0 and the channel id comes from its auth id
    if (ga.initiator) {
      expect(createTx.nonce).toBe(0n);
      const layer = unwrapSignedTx(create).layers.find((l) => l.gaId === initiatorId)!;
      expect(initiator.channelId).toBe(computeChannelId(initiatorId, authId(initiatorId, layer.authData), responderId));
    } else {
      expect(initiator.channelId).toBe(computeChannelId(initiatorId, createTx.nonce, responderId));
    }
    expect(responder.channelId).toBe(initiator.channelId);
    expect(unwrapSignedTx(create).layers.map((l) => l.gaId).sort()).toEqual([...generalized].sort());
    await expectBalances(pair, 10n * AE, 10n * AE);

    await initiator.transfer(responderId, 3n * AE);
    await responder.transfer(initiatorId, AE);
    await expectBalances(pair, 8n * AE, 12n * AE);
    expect(unwrapSignedTx(initiator.latestState!).layers).toHaveLength(generalized.length);

    await initiator.deposit(2n * AE);
    onChainTxs.push(initiator.latestState!);
    await responder.withdraw(AE);
    onChainTxs.push(responder.latestState!);
    await expectBalances(pair, 10n * AE, 11n * AE);
    const deposit = unwrapSignedTx(onChainTxs[1]!).tx as TxOf<typeof Tag.ChannelDepositTx>;
    const withdraw = unwrapSignedTx(onChainTxs[2]!).tx as TxOf<typeof Tag.ChannelWithdrawTx>;
    if (ga.initiator) expect(deposit.nonce).toBe(0n);
    if (ga.responder) expect(withdraw.nonce).toBe(0n);

    const closedTx = new Promise<Encoded<'tx'>>((resolve) => initiator.on('onChainTx', (e) => { if (e.txType === 'channel_close_mutual_tx' && e.tx !== null) resolve(e.tx); }));
    await initiator.shutdown();
    const close = await closedTx;
    onChainTxs.push(close);
    await waitFor(pair.events.initiator, 'statusChanged');
    await devnode.idle();
    const closeTx = unwrapSignedTx(close).tx as TxOf<typeof Tag.ChannelCloseMutualTx>;
    expect(closeTx.initiatorAmountFinal + closeTx.responderAmountFinal + closeTx.fee).toBe(21n * AE);
    expect(devnode.chain.getChannel(initiator.channelId!)?.closedAt).toBeDefined();

    // On chain: amounts in and out, the fees of the txs each pays, and for a GA account its
    // meta txs' fees and the gas of its auth function (the same on every tx) at 1e9.
    const paidByGa = (account: Encoded<'ak'>): bigint =>
      onChainTxs.reduce((sum, tx) => {
        const fee = metaFees(tx).get(account);
        return fee === undefined ? sum : sum + fee + gasOf * 1_000_000_000n;
      }, 0n);
    const expectedI = chainBefore.i - createTx.initiatorAmount - createTx.fee - deposit.amount - deposit.fee + closeTx.initiatorAmountFinal - paidByGa(initiatorId);
    const expectedR = chainBefore.r - createTx.responderAmount + withdraw.amount - withdraw.fee + closeTx.responderAmountFinal - paidByGa(responderId);
    expect(devnode.chain.getBalance(initiatorId)).toBe(expectedI);
    expect(devnode.chain.getBalance(responderId)).toBe(expectedR);
    if (ga.initiator) expect(paidByGa(initiatorId)).toBeGreaterThan(0n);
    // sanity of the bookkeeping: the basic side pays no meta fee
    if (!ga.responder) expect(paidByGa(responderId)).toBe(0n);
  });

  it('the generalized participant closes solo and settles after the lock period (nonce 0, its layer on both txs); balances and fees right', async () => {
    const [ia, ra] = [devnode.accounts[soloAccounts[0]]!, devnode.accounts[soloAccounts[1]]!];
    if (ga.initiator) await attach(ia);
    if (ga.responder) await attach(ra);
    const gasOf = await authGasOnChain(ia);
    const generalized = [...(ga.initiator ? [ia.address] : []), ...(ga.responder ? [ra.address] : [])];
    const signerOf = (account: DevnodeAccount, isGa: boolean) => (isGa ? gaAuthSigner({ address: account.address, secretKey: account.secretKey, aci: fixture.aci }) : memorySigner(account.secretKey));
    const pair = await openPair(devnode, {
      accounts: soloAccounts,
      lockPeriod: 3n,
      initiator: { signer: signerOf(ia, ga.initiator), generalizedAccounts: generalized, watcher: false },
      responder: { signer: signerOf(ra, ga.responder), generalizedAccounts: generalized, watcher: false },
    });
    const closer = ga.initiator ? pair.initiator : pair.responder;
    const closerId = ga.initiator ? pair.initiatorId : pair.responderId;
    const other = ga.initiator ? pair.responder : pair.initiator;
    await pair.initiator.transfer(pair.responderId, 4n * AE);
    await synced(pair);
    const before = { closer: devnode.chain.getBalance(closerId) };
    const soloTxs: Encoded<'tx'>[] = [];
    closer.on('onChainTx', (e) => { if ((e.txType === 'channel_close_solo_tx' || e.txType === 'channel_settle_tx') && e.tx !== null && !soloTxs.includes(e.tx)) soloTxs.push(e.tx); });
    await closeSoloAndSettle(devnode, closer, other);
    await devnode.idle();
    const channel = devnode.chain.getChannel(closer.channelId!);
    expect(channel?.closedAt).toBeDefined();
    const solo = soloTxs.map((tx) => unwrapSignedTx(tx));
    expect(solo.map((u) => u.tx.tag).sort()).toEqual([Tag.ChannelCloseSoloTx, Tag.ChannelSettleTx]);
    for (const u of solo) {
      expect(u.layers.map((l) => l.gaId)).toEqual([closerId]);
      expect(u.signatures).toEqual([]);
      expect((u.tx as { nonce: bigint }).nonce).toBe(0n);
    }
    const settle = solo.find((u) => u.tx.tag === Tag.ChannelSettleTx)!.tx as TxOf<typeof Tag.ChannelSettleTx>;
    const closeSolo = solo.find((u) => u.tx.tag === Tag.ChannelCloseSoloTx)!.tx as TxOf<typeof Tag.ChannelCloseSoloTx>;
    expect(settle.initiatorAmountFinal).toBe(6n * AE);
    expect(settle.responderAmountFinal).toBe(14n * AE);
    const meta = solo.reduce((sum, u) => sum + u.layers[0]!.fee + gasOf * 1_000_000_000n, 0n);
    const final = ga.initiator ? settle.initiatorAmountFinal : settle.responderAmountFinal;
    expect(devnode.chain.getBalance(closerId)).toBe(before.closer - closeSolo.fee - settle.fee - meta + final);
  });
});

describe('a GA initiator after a restart', () => {
  it('leaves, and both sides reestablish from their stores (the record proves itself with the GA layer and the auth-id channel id) and continue', async () => {
    const [ia, ra] = [devnode.accounts[12]!, devnode.accounts[13]!];
    await attach(ia);
    const generalized = [ia.address];
    const pair = await openPair(devnode, {
      accounts: [12, 13],
      initiator: { signer: gaAuthSigner({ address: ia.address, secretKey: ia.secretKey, aci: fixture.aci }), generalizedAccounts: generalized },
      responder: { generalizedAccounts: generalized },
    });
    const { initiator, responder, initiatorId, responderId } = pair;
    await initiator.transfer(responderId, 11n);
    const channelId = initiator.channelId!;
    await initiator.leave();
    responder.dispose();
    // The restarted application's auth-data provider carries its nonce on (here: far ahead);
    // the channel's off-chain authorizations are checked against the store of the create.
    const [i2, r2] = await Promise.all([
      Channel.reestablish({
        store: pair.initiatorStore, channelId, url: devnode.url, host: '127.0.0.1', timeoutMs: 10_000,
        signer: gaAuthSigner({ address: ia.address, secretKey: ia.secretKey, aci: fixture.aci, firstNonce: 100n }),
      }),
      Channel.reestablish({ store: pair.responderStore, channelId, signer: memorySigner(ra.secretKey), url: devnode.url, timeoutMs: 10_000 }),
    ]);
    expect(i2.round).toBe(2n);
    expect(unwrapSignedTx(i2.latestState!).layers.map((l) => l.gaId)).toEqual([initiatorId]);
    await i2.transfer(responderId, 1n);
    await r2.transfer(initiatorId, 2n);
    await synced({ initiator: i2, responder: r2 });
    expect(i2.localBalances).toEqual({ [initiatorId]: 10n * AE - 10n, [responderId]: 10n * AE + 10n });
    expect(await r2.balances()).toEqual(i2.localBalances);
    i2.dispose();
    r2.dispose();
  });
});
