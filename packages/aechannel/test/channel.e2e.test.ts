/**
 * End to end over real WebSockets against the devnode: every Channel method, both roles,
 * with balances checked after each step (local state, the node's view, and the chain).
 */
import { getPoiBalances, isAechannelError, txHash, unpackTx, type Encoded } from '@aechannel/codec';
import type { Devnode } from '@aechannel/devnode';
import { callbackSigner, createSignerRefusedError, memorySigner } from '@aechannel/signer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Channel, type PeerUpdateRequest } from '../src/Channel.js';
import { defaultPeerUpdatePolicy } from '../src/peerUpdatePolicy.js';
import { AE, closeSoloAndSettle, expectBalances, nextEvent, openPair, reestablishPair, startTestDevnode, synced, until } from './helpers.js';

let devnode: Devnode;
beforeAll(async () => {
  devnode = await startTestDevnode();
});
afterAll(async () => {
  await devnode.stop();
});


describe('Channel over the devnode', () => {
  it('opens as initiator and responder with the pushed amount', async () => {
    const pair = await openPair(devnode, { pushAmount: 3n });
    expect(pair.initiator.status).toBe('open');
    expect(pair.responder.status).toBe('open');
    expect(pair.initiator.channelId).toBe(pair.responder.channelId);
    expect(pair.initiator.round).toBe(1n);
    await expectBalances(pair, 10n * AE - 3n, 10n * AE + 3n);
    // the chain holds the channel with the locked amount
    const onChain = devnode.chain.getChannel(pair.initiator.channelId!);
    expect(onChain).toBeDefined();
    // what was persisted is the co-signed create tx
    const record = pair.initiatorStore.entries().get(pair.initiator.channelId!);
    expect(record).toContain(pair.initiator.latestState);
    pair.initiator.dispose();
    pair.responder.dispose();
  });

  it('transfers in both directions and requests coins, round by round', async () => {
    // The responder's application agrees to pay invoices (the default policy refuses requests for coins).
    const invoice = (request: PeerUpdateRequest): boolean =>
      request.updates.some((u) => typeof u === 'object' && u !== null && !Array.isArray(u) && u['op'] === 'OffChainMeta' && String(u['data']).startsWith('invoice')) ||
      defaultPeerUpdatePolicy(request);
    const pair = await openPair(devnode, { responder: { onPeerUpdate: invoice } });
    const { initiator, responder, initiatorId, responderId } = pair;
    const a = await initiator.transfer(responderId, 100n);
    expect(a.round).toBe(2n);
    expect(a.balances).toEqual({ [initiatorId]: 10n * AE - 100n, [responderId]: 10n * AE + 100n });
    await expectBalances(pair, 10n * AE - 100n, 10n * AE + 100n);

    const b = await responder.transfer(initiatorId, 40n);
    expect(b.round).toBe(3n);
    await expectBalances(pair, 10n * AE - 60n, 10n * AE + 60n);

    // the initiator asks the responder for 10 (from = peer)
    const c = await initiator.transfer(initiatorId, 10n, { from: responderId, meta: ['invoice 7'] });
    expect(c.round).toBe(4n);
    await expectBalances(pair, 10n * AE - 50n, 10n * AE + 50n);

    // a zero transfer is a valid update
    const d = await responder.transfer(initiatorId, 0n);
    expect(d.round).toBe(5n);
    await expectBalances(pair, 10n * AE - 50n, 10n * AE + 50n);
    expect(pair.initiatorStore.entries().get(initiator.channelId!)).toContain(d.state);
    expect(pair.responderStore.entries().get(initiator.channelId!)).toContain(d.state);
    initiator.dispose();
    responder.dispose();
  });

  it('deposits and withdraws (both roles) with on-chain balances following', async () => {
    const pair = await openPair(devnode, { accounts: [2, 3] });
    const { initiator, responder, initiatorId, responderId } = pair;
    const chainBefore = devnode.chain.getBalance(initiatorId);
    const dep = await initiator.deposit(2n * AE);
    expect(dep.round).toBe(2n);
    await expectBalances(pair, 12n * AE, 10n * AE);
    const chainAfter = devnode.chain.getBalance(initiatorId);
    expect(chainBefore - chainAfter).toBeGreaterThan(2n * AE); // amount plus the fee
    expect(chainBefore - chainAfter - 2n * AE).toBeLessThan(AE / 1000n);

    const responderChainBefore = devnode.chain.getBalance(responderId);
    const wd = await responder.withdraw(3n * AE);
    expect(wd.round).toBe(3n);
    await expectBalances(pair, 12n * AE, 7n * AE);
    const responderChainAfter = devnode.chain.getBalance(responderId);
    expect(responderChainAfter - responderChainBefore).toBeGreaterThan(3n * AE - AE / 1000n);
    expect(responderChainAfter - responderChainBefore).toBeLessThan(3n * AE);

    await responder.deposit(1n * AE);
    await initiator.withdraw(1n * AE);
    await expectBalances(pair, 11n * AE, 8n * AE);
    expect(initiator.round).toBe(5n);
    initiator.dispose();
    responder.dispose();
  });

  it('answers queries: balances of any account, PoI, off-chain state, ping, messages', async () => {
    const pair = await openPair(devnode, { accounts: [4, 5] });
    const { initiator, responder, initiatorId, responderId } = pair;
    await initiator.transfer(responderId, 5n);
    expect(await initiator.balances([responderId])).toEqual({ [responderId]: 10n * AE + 5n });
    const poi = await responder.poi();
    expect(getPoiBalances(poi)).toEqual({ [initiatorId]: 10n * AE - 5n, [responderId]: 10n * AE + 5n });
    const offchain = await initiator.state();
    expect(offchain.signedTx).toBe(initiator.latestState);
    expect(offchain.halfSignedTx).toBe('');
    expect(offchain.trees.startsWith('ss_')).toBe(true);
    await initiator.ping();
    await responder.ping({ timeoutMs: 5000 });

    const received = nextEvent(responder, 'message');
    await initiator.sendMessage(responderId, 'hello responder');
    const message = await received;
    expect(message).toMatchObject({ from: initiatorId, to: responderId, info: 'hello responder' });
    const back = nextEvent(initiator, 'message');
    await responder.sendMessage(initiatorId, 'hi');
    expect((await back).info).toBe('hi');
    initiator.dispose();
    responder.dispose();
  });

  it('snapshots the latest off-chain state on chain (and refuses when there is nothing new)', async () => {
    const pair = await openPair(devnode, { accounts: [6, 7] });
    const { initiator, responder, responderId } = pair;
    await expect(initiator.snapshot()).rejects.toSatisfy((e) => isAechannelError(e, 'CHANNEL_COMMAND_REJECTED'));
    await initiator.transfer(responderId, 7n);
    const changed = nextEvent(responder, 'onChainTx', (e) => e.txType === 'channel_snapshot_solo_tx');
    const { tx } = await initiator.snapshot();
    const decoded = unpackTx(tx);
    expect(decoded.tag).toBe(11);
    expect((await changed).info).toBe('channel_changed');
    const onChain = devnode.chain.getChannel(initiator.channelId!);
    expect(onChain?.round).toBe(2n);
    // still usable afterwards
    await responder.transfer(pair.initiatorId, 2n);
    await expectBalances(pair, 10n * AE - 5n, 10n * AE + 5n);
    initiator.dispose();
    responder.dispose();
  });

  it('lets the policy refuse a peer update: the starter gets a conflict, nothing changes', async () => {
    let refuse = true;
    const seen: bigint[] = [];
    const pair = await openPair(devnode, {
      accounts: [8, 9],
      responder: {
        onPeerUpdate: (request) => {
          seen.push(request.round);
          return refuse ? 200 : true;
        },
      },
    });
    const { initiator, responder, responderId } = pair;
    const refused = nextEvent(responder, 'peerUpdateRefused');
    const error = await initiator.transfer(responderId, 50n).catch((e: unknown) => e);
    expect(isAechannelError(error, 'CHANNEL_CONFLICT')).toBe(true);
    expect((error as { context: { conflictCode: bigint | undefined } }).context.conflictCode).toBe(200n);
    expect((await refused).code).toBe(200);
    await expectBalances(pair, 10n * AE, 10n * AE);
    refuse = false;
    await initiator.transfer(responderId, 50n);
    await expectBalances(pair, 10n * AE - 50n, 10n * AE + 50n);
    expect(seen).toEqual([1n, 1n]);
    initiator.dispose();
    responder.dispose();
  });

  it('answers the node with the abort code of a signer that refuses (SIGNER_REFUSED abortCode)', async () => {
    const responderKey = devnode.accounts[5]!.secretKey;
    const inner = memorySigner(responderKey);
    let refuse = true;
    const signer = callbackSigner(inner.address, async (request) => {
      if (refuse && request.type === 'transaction' && request.context?.kind === 'update_ack') {
        throw createSignerRefusedError({ abortCode: 4242, reason: 'not this one' });
      }
      return inner.signBytes(request.message);
    });
    const pair = await openPair(devnode, { accounts: [4, 5], responder: { signer } });
    const { initiator, responder, responderId } = pair;
    const error = await initiator.transfer(responderId, 7n).catch((e: unknown) => e);
    expect(isAechannelError(error, 'CHANNEL_CONFLICT')).toBe(true);
    expect((error as { context: { conflictCode: bigint | undefined } }).context.conflictCode).toBe(4242n);
    await expectBalances(pair, 10n * AE, 10n * AE);
    refuse = false;
    await initiator.transfer(responderId, 7n);
    await expectBalances(pair, 10n * AE - 7n, 10n * AE + 7n);
    initiator.dispose();
    responder.dispose();
  });

  it('closes mutually: both end closed and the chain pays out the final balances minus the fee', async () => {
    const pair = await openPair(devnode, { accounts: [0, 2] });
    const { initiator, responder, initiatorId, responderId } = pair;
    await initiator.transfer(responderId, AE);
    const before = { i: devnode.chain.getBalance(initiatorId), r: devnode.chain.getBalance(responderId) };
    const closedI = initiator.waitForStatus('closed', { timeoutMs: 10_000 });
    const closedR = responder.waitForStatus('closed', { timeoutMs: 10_000 });
    const { tx } = await responder.shutdown();
    expect(tx.startsWith('tx_')).toBe(true);
    await Promise.all([closedI, closedR]);
    const gainI = devnode.chain.getBalance(initiatorId) - before.i;
    const gainR = devnode.chain.getBalance(responderId) - before.r;
    expect(gainI + gainR).toBeLessThan(20n * AE);
    expect(gainI + gainR).toBeGreaterThan(20n * AE - AE / 1000n);
    expect(gainI).toBeLessThanOrEqual(9n * AE);
    expect(gainI).toBeGreaterThan(9n * AE - AE / 1000n);
    expect(devnode.chain.getChannel(initiator.channelId!)?.closedAt).toBeDefined();
    await expect(initiator.transfer(responderId, 1n)).rejects.toSatisfy((e) => isAechannelError(e, 'CHANNEL_CLOSED') || isAechannelError(e, 'CHANNEL_COMMAND_REJECTED'));
    // the node fsm stops after closed_confirmed (§9.8): the channel ends and releases everything
    await initiator.waitForStatus('died', { timeoutMs: 5000 });
    // (the node closes the socket a moment after died: a stop is still answered until then)
    await until(() => initiator.finished);
  });

  it('closes solo and settles by hand (watcher off) after the lock period', async () => {
    const pair = await openPair(devnode, { accounts: [1, 3], lockPeriod: 3n, initiator: { watcher: false }, responder: { watcher: false } });
    const { initiator, responder, initiatorId, responderId } = pair;
    await responder.transfer(initiatorId, 2n * AE);
    const before = { i: devnode.chain.getBalance(initiatorId), r: devnode.chain.getBalance(responderId) };
    await closeSoloAndSettle(devnode, initiator, responder);
    const gainI = devnode.chain.getBalance(initiatorId) - before.i;
    const gainR = devnode.chain.getBalance(responderId) - before.r;
    expect(gainR).toBe(8n * AE);
    expect(gainI).toBeGreaterThan(12n * AE - AE / 100n);
    expect(gainI).toBeLessThan(12n * AE);
  });

  it('closeSolo resolves once the close is on chain (status closing), not when the node took the signed tx (issue 16)', async () => {
    const pair = await openPair(devnode, { accounts: [7, 8], initiator: { watcher: false }, responder: { watcher: false } });
    const { initiator, responder } = pair;
    devnode.chain.setBlockMode('manual');
    try {
      let resolved = false;
      const closing = initiator.closeSolo().then((result) => {
        resolved = true;
        return result;
      });
      // the node holds the signed close solo (it answered ok and posted it), nothing is mined yet
      await until(() => devnode.chain.mempool().some((p) => p.signedTx.length > 0 && unpackTx(p.signedTx).tag === 11));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(initiator.status).toBe('open');
      expect(resolved).toBe(false);
      devnode.chain.mine(1);
      const { tx } = await closing;
      expect(initiator.status).toBe('closing');
      expect(devnode.chain.getChannel(initiator.channelId!)?.soloRound).toBeDefined();
      expect(devnode.chain.mempool().map((p) => p.signedTx)).not.toContain(tx);
    } finally {
      devnode.chain.setBlockMode('instant');
    }
    initiator.dispose();
    responder.dispose();
  });

  it('closeSolo rejects when the node reports that the chain refused the close (issue 16)', async () => {
    const pair = await openPair(devnode, { accounts: [8, 9], initiator: { watcher: false }, responder: { watcher: false } });
    const { initiator, responder } = pair;
    // an account that cannot pay the fee: the chain refuses the close solo (§10.4)
    const payer = devnode.accounts[8]!;
    const balance = devnode.chain.getBalance(payer.address);
    devnode.chain.fund(payer.address, -balance);
    const error = await initiator
      .closeSolo({ timeoutMs: 10_000 })
      .then(
        () => null,
        (e: unknown) => e,
      )
      .finally(() => devnode.chain.fund(payer.address, balance));
    expect(isAechannelError(error, 'CHANNEL_NODE_ERROR')).toBe(true);
    expect(initiator.status).toBe('open');
    initiator.dispose();
    responder.dispose();
  });

  it('leaves, and both sides reestablish from their stores and continue', async () => {
    const pair = await openPair(devnode, { accounts: [4, 6] });
    const { initiator, responder, initiatorId, responderId } = pair;
    await initiator.transfer(responderId, 11n);
    const channelId = initiator.channelId!;
    const peerGone = nextEvent(responder, 'peerDisconnected');
    const left = await initiator.leave();
    expect(left.state).toBe(initiator.latestState);
    expect(initiator.status).toBe('died');
    // the responder's node fsm keeps running (keep_running, §9.8) and waits for a reestablish
    await peerGone;
    // A restart: the old responder client is gone. Left running, it would reconnect when the
    // node hands its socket to the new client, and take the node fsm back from it.
    responder.dispose();
    const [i2, r2] = await reestablishPair(devnode, pair, channelId, [4, 6]);
    expect(i2.round).toBe(2n);
    // the initiator's node fsm was restored with a new fsm id; the responder's reattached
    expect(i2.fsmId).not.toBe(initiator.fsmId);
    expect(r2.fsmId).toBe(responder.fsmId);
    expect(i2.localBalances).toEqual({ [initiatorId]: 10n * AE - 11n, [responderId]: 10n * AE + 11n });
    await r2.transfer(initiatorId, 1n);
    await synced({ initiator: i2, responder: r2 });
    expect(i2.localBalances).toEqual({ [initiatorId]: 10n * AE - 10n, [responderId]: 10n * AE + 10n });
    expect(await r2.balances()).toEqual(i2.localBalances);
    i2.dispose();
    r2.dispose();
  });

  it('disconnects and reconnects by fsm id', async () => {
    const pair = await openPair(devnode, { accounts: [5, 7] });
    const { initiator, responder, initiatorId, responderId } = pair;
    await initiator.transfer(responderId, 3n);
    const channelId = initiator.channelId!;
    const fsmId = initiator.fsmId;
    await initiator.disconnect();
    expect(initiator.finished).toBe(true);
    const again = await Channel.reconnect({ store: pair.initiatorStore, channelId, signer: memorySigner(devnode.accounts[5]!.secretKey), url: devnode.url, timeoutMs: 10_000 });
    expect(again.fsmId).toBe(fsmId);
    expect(again.round).toBe(2n);
    await responder.transfer(initiatorId, 1n);
    await again.transfer(responderId, 1n);
    expect(await again.balances()).toEqual({ [initiatorId]: 10n * AE - 3n, [responderId]: 10n * AE + 3n });

    // resuming needs the latest co-signed state: from a store, or the snapshot itself
    const signer = memorySigner(devnode.accounts[7]!.secretKey);
    await expect(Channel.reconnect({ channelId, signer, url: devnode.url })).rejects.toSatisfy(
      (e) => isAechannelError(e, 'CHANNEL_INVALID_ARGUMENT') && (e.context as { argument?: unknown }).argument === 'store',
    );
    // the initiator's record with the responder's signer
    await expect(Channel.reestablish({ store: pair.initiatorStore, channelId, signer, url: devnode.url })).rejects.toSatisfy(
      (e) => isAechannelError(e, 'CHANNEL_INVALID_ARGUMENT') && (e.context as { argument?: unknown }).argument === 'signer',
    );
    await expect(Channel.reestablish({ store: pair.responderStore, channelId: 'ch_2AyHHNYjSLCJ7PSHVTpgxjbQhCBkKZqwcuKXByPvBVKbEoK92b' as Encoded<'ch'>, signer, url: devnode.url })).rejects.toSatisfy((e) =>
      isAechannelError(e, 'CHANNEL_STORE_NOT_FOUND'),
    );
    const saved = responder.persisted;
    await responder.disconnect();
    const fromSnapshot = await Channel.reconnect({ saved, channelId, signer, url: devnode.url, timeoutMs: 10_000 });
    expect(fromSnapshot.round).toBe(saved.round);
    await fromSnapshot.transfer(initiatorId, 2n);
    await synced({ initiator: again, responder: fromSnapshot });
    expect(again.localBalances).toEqual({ [initiatorId]: 10n * AE - 1n, [responderId]: 10n * AE + 1n });
    again.dispose();
    fromSnapshot.dispose();
  });

  it('validates arguments at the boundary with errors naming the argument', async () => {
    const pair = await openPair(devnode, { accounts: [8, 0] });
    const { initiator, responderId } = pair;
    const argumentOf = async (promise: Promise<unknown>) => {
      const error = await promise.catch((e: unknown) => e);
      expect(isAechannelError(error, 'CHANNEL_INVALID_ARGUMENT')).toBe(true);
      return (error as { context: { argument: string } }).context.argument;
    };
    expect(await argumentOf(initiator.transfer(responderId, -1n))).toBe('amount');
    expect(await argumentOf(initiator.transfer(responderId, 1 as unknown as bigint))).toBe('amount');
    expect(await argumentOf(initiator.transfer('ak_broken' as Encoded<'ak'>, 1n))).toBe('to');
    expect(await argumentOf(initiator.deposit(0n))).toBe('amount');
    expect(await argumentOf(initiator.withdraw(1n, { fee: -5n }))).toBe('options.fee');
    expect(await argumentOf(initiator.sendMessage(responderId, 7 as unknown as string))).toBe('info');
    expect(await argumentOf(initiator.ping({ timeoutMs: -1 }))).toBe('options.timeoutMs');
    expect(await argumentOf(initiator.balances(['nope' as Encoded<'ak'>]))).toBe('accounts[0]');
    // the channel is untouched
    expect(initiator.round).toBe(1n);
    await expect(
      Channel.open({
        url: devnode.url,
        networkId: devnode.networkId,
        signer: memorySigner(devnode.accounts[0]!.secretKey),
        role: 'initiator',
        initiatorId: devnode.accounts[0]!.address,
        responderId: devnode.accounts[1]!.address,
        initiatorAmount: 10n,
        responderAmount: 10n,
        channelReserve: 1n,
        lockPeriod: 5n,
        port: 1,
      }),
    ).rejects.toSatisfy((e) => isAechannelError(e, 'CHANNEL_INVALID_ARGUMENT') && (e.context as { argument?: unknown }).argument === 'host');
    // an over-the-reserve transfer is refused locally, a node error keeps the node's code
    await expect(initiator.transfer(responderId, 11n * AE)).rejects.toSatisfy((e) => isAechannelError(e, 'CHANNEL_COMMAND_REJECTED'));
    initiator.dispose();
    pair.responder.dispose();
  });

  it('honours per-call abort signals and timeouts', async () => {
    const pair = await openPair(devnode, { accounts: [9, 1] });
    const { initiator, responder, responderId } = pair;
    await expect(initiator.transfer(responderId, 1n, { signal: AbortSignal.abort() })).rejects.toSatisfy((e) => isAechannelError(e, 'CHANNEL_ABORTED'));
    expect(initiator.round).toBe(1n);
    devnode.faults.setReplyDelay(300);
    try {
      await expect(initiator.ping({ timeoutMs: 20 })).rejects.toSatisfy((e) => isAechannelError(e, 'CHANNEL_TIMEOUT'));
      const controller = new AbortController();
      const pending = initiator.balances(undefined, { signal: controller.signal });
      controller.abort();
      await expect(pending).rejects.toSatisfy((e) => isAechannelError(e, 'CHANNEL_ABORTED'));
    } finally {
      devnode.faults.setReplyDelay(0);
    }
    // still working afterwards
    await initiator.transfer(responderId, 1n);
    await expectBalances(pair, 10n * AE - 1n, 10n * AE + 1n);
    initiator.dispose();
    responder.dispose();
  });

  it('assumes minimum depth on request (manual blocks), then completes the deposit', async () => {
    const pair = await openPair(devnode, { accounts: [3, 9] });
    const { initiator, responder } = pair;
    devnode.chain.setBlockMode('manual');
    try {
      const posted = nextEvent(initiator, 'onChainTx', (e) => e.info === 'deposit_signed');
      const deposit = initiator.deposit(AE);
      const tx = (await posted).tx!;
      devnode.chain.mine(1); // included, but short of the minimum depth
      const hash = txHash(tx);
      await Promise.all([initiator.assumeMinimumDepth(hash), responder.assumeMinimumDepth(hash)]);
      const result = await deposit;
      expect(result.round).toBe(2n);
      await expectBalances(pair, 11n * AE, 10n * AE);
      await expect(initiator.assumeMinimumDepth('th_broken' as Encoded<'th'>)).rejects.toSatisfy((e) => isAechannelError(e, 'CHANNEL_INVALID_ARGUMENT'));
    } finally {
      devnode.chain.setBlockMode('instant');
    }
    initiator.dispose();
    responder.dispose();
  });

  it('stops the node fsm on request: both sides end', async () => {
    const pair = await openPair(devnode, { accounts: [6, 1], responder: { keepRunning: false } });
    const { initiator, responder } = pair;
    const responderDied = responder.waitForStatus('died', { timeoutMs: 5000 });
    await initiator.stop();
    await initiator.waitForStatus('died', { timeoutMs: 5000 });
    await responderDied;
    await until(() => initiator.finished && responder.finished);
    await expect(initiator.ping()).rejects.toSatisfy((e) => isAechannelError(e, 'CHANNEL_CLOSED'));
  });

  it('answers a stop asked after died while the socket is still open (issue 14: the node answers ok)', async () => {
    const pair = await openPair(devnode, { accounts: [6, 2], responder: { keepRunning: false } });
    const { initiator, responder } = pair;
    // the responder asks stop as soon as it sees died (the initiator's stop ended the channel)
    const stopAfterDied = new Promise<{ stopped: Promise<void> }>((resolve) => {
      responder.on('statusChanged', (event) => {
        if (event.status === 'died') resolve({ stopped: responder.stop({ timeoutMs: 5000 }) });
      });
    });
    await initiator.stop();
    await expect((await stopAfterDied).stopped).resolves.toBeUndefined();
    await until(() => initiator.finished && responder.finished);
  });

  it('rejects force progress with a typed error (the devnode runs no contracts)', async () => {
    const pair = await openPair(devnode, { accounts: [2, 8] });
    const error = await pair.initiator
      .forceProgress({ contractId: 'ct_11111111111111111111111111111111273Yts' as Encoded<'ct'>, abiVersion: 3n, amount: 0n, callData: 'cb_AAAAAAAAAA' as Encoded<'cb'>, gasPrice: 10n ** 9n })
      .catch((e: unknown) => e);
    expect(isAechannelError(error)).toBe(true);
    expect((error as { code: string }).code).toMatch(/^CHANNEL_/);
    expect(pair.initiator.round).toBe(1n);
    pair.initiator.dispose();
    pair.responder.dispose();
  });
});
