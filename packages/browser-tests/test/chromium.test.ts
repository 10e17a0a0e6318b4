/**
 * The library in a real browser: a page (`page/app.ts`, bundled for the browser with no
 * flags) in Debian's headless Chromium holds one side of a channel, the devnode and the
 * other side (a Node `Channel`) run in this process, and the page talks to the devnode over
 * a WebSocket like any web app.
 *
 * - the IndexedDB store keeps the Store contract in the browser's own IndexedDB, refuses
 *   damaged entries and keeps what it wrote across a reload;
 * - a page opens a channel with a Node peer, transfers both ways and closes it mutually;
 * - a WebCrypto signer with a non-extractable key signs everything the page signs;
 * - a page reloaded in the middle of a channel reestablishes it from IndexedDB with the
 *   latest co-signed state (also when the reload cuts a transfer the peer then co-signs),
 *   refuses a forged record, continues and closes.
 */
import { decodeSignedTx, Tag, type Encoded } from '@aechannel/codec';
import { startDevnode, type Devnode } from '@aechannel/devnode';
import { memorySigner, verifyTransaction } from '@aechannel/signer';
import { Channel, type OpenChannelOptions, type PeerUpdatePolicy } from 'aechannel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageApp } from '../page/app.js';
import { APP_ENTRY, startBrowser, type BrowserHarness } from './chromium.js';

const AE = 10n ** 18n;
let devnode: Devnode;
let browser: BrowserHarness<PageApp>;
let nextPort = 30_000 + Math.floor(Math.random() * 20_000);

beforeAll(async () => {
  devnode = await startDevnode({ port: 0, accounts: 6 });
  browser = await startBrowser<PageApp>(APP_ENTRY);
});
afterAll(async () => {
  await browser?.close();
  await devnode?.stop();
});

/** Open parameters both sides share (amounts as the page takes them: decimal strings). */
function channelParams(initiatorId: Encoded<'ak'>, responderId: Encoded<'ak'>) {
  nextPort += 1;
  return {
    url: devnode.url,
    networkId: devnode.networkId,
    initiatorId,
    responderId,
    initiatorAmount: AE,
    responderAmount: AE,
    channelReserve: 1n,
    lockPeriod: 3n,
    port: nextPort,
  };
}

const forPage = (params: ReturnType<typeof channelParams>, role: 'initiator' | 'responder') => ({
  ...params,
  role,
  initiatorAmount: params.initiatorAmount.toString(),
  responderAmount: params.responderAmount.toString(),
  channelReserve: params.channelReserve.toString(),
  lockPeriod: params.lockPeriod.toString(),
});

function nodePeer(params: ReturnType<typeof channelParams>, role: 'initiator' | 'responder', secretKey: Encoded<'sk'>, extra: Partial<OpenChannelOptions> = {}): Promise<Channel> {
  return Channel.open({
    ...params,
    role,
    ...(role === 'initiator' ? { host: '127.0.0.1' } : {}),
    signer: memorySigner(secretKey),
    timeoutMs: 60_000,
    ...extra,
  } as OpenChannelOptions);
}

/** The final amounts of a close mutual tx. */
function payouts(closeTx: Encoded<'tx'>): { initiator: bigint; responder: bigint } {
  const { tx } = decodeSignedTx(closeTx);
  if (tx.tag !== Tag.ChannelCloseMutualTx) throw new Error(`not a close mutual tx: tag ${tx.tag}`);
  return { initiator: tx.initiatorAmountFinal, responder: tx.responderAmountFinal };
}

const strings = (balances: Record<string, bigint>): Record<string, string> =>
  Object.fromEntries(Object.entries(balances).map(([account, amount]) => [account, amount.toString()]));

describe('the IndexedDB store in Chromium', () => {
  it('keeps the Store contract in the browser’s IndexedDB', async () => {
    expect(await browser.call('storeContract')).toEqual({
      missing: null,
      readBack: 'three',
      listed: ['ch_a', 'ch_b'],
      afterDelete: { read: null, list: ['ch_b'] },
      order: '19',
      invalidKey: 'CHANNEL_STORE_INVALID_KEY',
      aborted: 'CHANNEL_ABORTED',
      unicodeBack: true,
      abortedRead: null,
    });
  });

  it('refuses entries damaged behind its back, and the file store fails with a typed error', async () => {
    expect(await browser.call('storeTampering')).toEqual({
      flipped: 'CHANNEL_STORE_CORRUPT',
      truncated: 'CHANNEL_STORE_CORRUPT',
      notAString: 'CHANNEL_STORE_CORRUPT',
      fileStore: 'CHANNEL_STORE_UNAVAILABLE',
    });
  });

  it('keeps a completed write across a page reload', async () => {
    await browser.call('put', 'ch_reload', 'written before the reload');
    await browser.reload();
    expect(await browser.call('get', 'ch_reload')).toBe('written before the reload');
  });
});

describe('a channel between a page and a Node peer', () => {
  it('opens through the devnode over a WebSocket, transfers both ways and closes mutually', async () => {
    const pageAccount = devnode.accounts[0]!;
    const nodeAccount = devnode.accounts[1]!;
    const pageAddress = await browser.call('useMemoryKey', pageAccount.secretKey);
    expect(pageAddress).toBe(pageAccount.address);
    const params = channelParams(pageAccount.address, nodeAccount.address);
    const [opened, peer] = await Promise.all([browser.call('open', forPage(params, 'initiator')), nodePeer(params, 'responder', nodeAccount.secretKey)]);
    expect(opened).toMatchObject({ status: 'open', round: '1', channelId: peer.channelId });
    const onChainAfterOpen = devnode.chain.getBalance(pageAccount.address);

    expect(await browser.call('transfer', nodeAccount.address, (AE / 10n).toString())).toEqual({
      round: '2',
      balances: { [pageAccount.address]: ((AE * 9n) / 10n).toString(), [nodeAccount.address]: ((AE * 11n) / 10n).toString() },
    });
    await peer.transfer(pageAccount.address, AE / 20n);
    const afterPeerTransfer = await browser.call('waitForRound', '3');
    expect(afterPeerTransfer.balances).toEqual(strings(peer.localBalances));
    expect(afterPeerTransfer.latestState).toBe(peer.latestState);

    const closed = await browser.call('shutdown');
    expect(closed.status).toBe('closed');
    await peer.waitForStatus('closed', { timeoutMs: 60_000 });
    expect(devnode.chain.getChannel(peer.channelId!)?.closedAt).toBeDefined();
    // The page's account got its final channel balance (the close fee came out of the channel).
    const { initiator } = payouts(closed.closeTx);
    expect(initiator).toBeLessThanOrEqual((AE * 19n) / 20n);
    expect(initiator).toBeGreaterThan((AE * 18n) / 20n);
    expect(devnode.chain.getBalance(pageAccount.address) - onChainAfterOpen).toBe(initiator);
    peer.dispose();
  });

  it('signs with a WebCrypto key that cannot be extracted', async () => {
    const key = await browser.call('createWebCryptoKey');
    expect(key.extractable).toBe(false);
    expect(key.exportAttempt).toBe('InvalidAccessError');
    const pageAddress = key.address as Encoded<'ak'>;
    devnode.chain.fund(pageAddress, 10n * AE);
    const nodeAccount = devnode.accounts[2]!;
    const params = channelParams(nodeAccount.address, pageAddress);
    const signedBefore = (await browser.call('log')).signed.length;

    const [peer, opened] = await Promise.all([nodePeer(params, 'initiator', nodeAccount.secretKey), browser.call('open', forPage(params, 'responder'))]);
    expect(opened.status).toBe('open');
    await browser.call('transfer', nodeAccount.address, '1000');
    await peer.transfer(pageAddress, 500n);
    await browser.call('waitForRound', '3');
    // Every co-signed state carries a valid signature of the page's WebCrypto key.
    const cosigned = await verifyTransaction(peer.latestState!, { networkId: devnode.networkId, signers: [nodeAccount.address, pageAddress] });
    expect(cosigned.valid).toBe(true);
    const { tx: closeTx } = await peer.shutdown({ timeoutMs: 60_000 });
    await peer.waitForStatus('closed', { timeoutMs: 60_000 });
    const closeSigned = await verifyTransaction(closeTx, { networkId: devnode.networkId, signers: [nodeAccount.address, pageAddress] });
    expect(closeSigned.valid).toBe(true);
    expect(devnode.chain.getChannel(peer.channelId!)?.closedAt).toBeDefined();
    // The page signed the create tx, its own transfer, the peer's transfer and the close.
    expect((await browser.call('log')).signed.slice(signedBefore)).toEqual(['responder_sign', 'update', 'update_ack', 'shutdown_sign_ack']);
    peer.dispose();
  });
});

describe('a page reloaded in the middle of a channel', () => {
  it('reestablishes from IndexedDB with the latest co-signed state, continues and closes', async () => {
    const key = await browser.call('createWebCryptoKey');
    const pageAddress = key.address as Encoded<'ak'>;
    devnode.chain.fund(pageAddress, 10n * AE);
    const nodeAccount = devnode.accounts[3]!;
    const params = channelParams(pageAddress, nodeAccount.address);
    let reloadBeforeCoSigning = false;
    const coSign: PeerUpdatePolicy = async () => {
      if (reloadBeforeCoSigning) {
        reloadBeforeCoSigning = false;
        // The page signed its transfer and is gone before it hears of the co-signature.
        await browser.reload();
      }
      return true;
    };
    const [opened, peer] = await Promise.all([
      browser.call('open', forPage(params, 'initiator')),
      nodePeer(params, 'responder', nodeAccount.secretKey, { keepRunning: true, onPeerUpdate: coSign }),
    ]);
    const channelId = opened.channelId!;
    const peerOnChainAfterOpen = devnode.chain.getBalance(nodeAccount.address);
    for (let i = 0; i < 3; i++) await browser.call('transfer', nodeAccount.address, '1000');
    const beforeReload = await browser.call('view');
    expect(beforeReload.round).toBe('4');
    expect(await browser.call('storedRound', channelId)).toBe('4');

    // Reload: a new page with nothing but IndexedDB.
    await browser.reload();
    expect(await browser.result('view')).toMatchObject({ ok: false });
    const loaded = await browser.call('loadWebCryptoKey');
    expect(loaded).toEqual({ address: pageAddress, extractable: false });
    expect(await browser.call('storedRound', channelId)).toBe('4');

    // A record that does not prove itself is refused before anything is sent.
    const genuine = await browser.call('forgeStoredRound', channelId);
    const refused = await browser.result('reestablish', channelId, devnode.url);
    expect(refused).toMatchObject({ ok: false, code: 'CHANNEL_STORE_CORRUPT' });
    await browser.call('restoreStored', channelId, genuine);

    const resumed = await browser.call('reestablish', channelId, devnode.url);
    expect(resumed).toMatchObject({ status: 'open', round: '4', balances: beforeReload.balances, latestState: peer.latestState });
    expect((await browser.call('transfer', nodeAccount.address, '1000')).round).toBe('5');

    // Reload inside a transfer: the peer co-signs round 6 after the page is gone.
    reloadBeforeCoSigning = true;
    await browser.call('startTransfer', nodeAccount.address, '1000');
    await expect.poll(() => peer.round, { timeout: 60_000 }).toBe(6n);
    await browser.call('loadWebCryptoKey');
    expect(await browser.call('storedRound', channelId)).toBe('5');
    await browser.call('reestablish', channelId, devnode.url);
    const caughtUp = await browser.call('waitForRound', '6');
    expect(caughtUp).toMatchObject({ round: '6', balances: strings(peer.localBalances), latestState: peer.latestState });
    expect(await browser.call('storedRound', channelId)).toBe('6');

    expect((await browser.call('transfer', nodeAccount.address, '1000')).round).toBe('7');
    const closed = await browser.call('shutdown');
    await peer.waitForStatus('closed', { timeoutMs: 60_000 });
    // Six transfers of 1000, none lost and none repeated across the two reloads.
    expect(peer.localBalances[nodeAccount.address]).toBe(AE + 6000n);
    expect(devnode.chain.getChannel(channelId)?.closedAt).toBeDefined();
    expect(devnode.chain.getBalance(nodeAccount.address) - peerOnChainAfterOpen).toBe(payouts(closed.closeTx).responder);
    peer.dispose();
  });
});
