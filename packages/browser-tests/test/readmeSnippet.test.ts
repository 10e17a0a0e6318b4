/**
 * The browser snippet of the aechannel README ("In a browser") runs as written in headless
 * Chromium: its `appSigner` makes a non-extractable WebCrypto key and keeps it in
 * IndexedDB, its `startChannel` opens a channel with a Node peer through the devnode, and
 * after a reload the same two calls resume that channel from the IndexedDB store at the
 * latest co-signed state. Only a small page entry around the snippet is added (it exposes
 * the two functions to the test).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Encoded } from '@aechannel/codec';
import { startDevnode, type Devnode } from '@aechannel/devnode';
import { memorySigner } from '@aechannel/signer';
import { Channel } from 'aechannel';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PageResult } from '../page/app.js';
import { startBrowser, type BrowserHarness } from './chromium.js';

const readme = readFileSync(fileURLToPath(new URL('../../aechannel/README.md', import.meta.url)), 'utf8');
const section = readme.slice(readme.indexOf('## In a browser'));
const snippet = /```ts\n([\s\S]*?)```/.exec(section)?.[1] ?? '';

const dir = fileURLToPath(new URL('../.readme-snippet/', import.meta.url));
const entry = `${dir}entry.ts`;
const ENTRY = `
import type { Channel } from 'aechannel';
import { isAechannelError } from '@aechannel/codec';
import { appSigner, startChannel } from './snippet.js';

let channel: Channel | undefined;
const answer = async <T>(run: () => Promise<T>) => {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, code: isAechannelError(error) ? error.code : String(error), message: error instanceof Error ? error.message : String(error) };
  }
};
const view = (c: Channel) => ({ channelId: c.channelId, round: c.round.toString(), status: c.status, latestState: c.latestState });
(globalThis as { app?: unknown }).app = {
  address: () => answer(async () => (await appSigner()).address),
  start: (url: string, networkId: string, peer: \`ak_\${string}\`) =>
    answer(async () => view((channel = await startChannel(await appSigner(), url, networkId, peer)))),
  transfer: (to: \`ak_\${string}\`, amount: string) => answer(async () => (await channel!.transfer(to, BigInt(amount))).round.toString()),
  shutdown: () =>
    answer(async () => {
      await channel!.shutdown();
      await channel!.waitForStatus('closed');
      return view(channel!);
    }),
};
`;

type View = { channelId: Encoded<'ch'> | null; round: string; status: string; latestState: Encoded<'tx'> | null };
type ReadmeApp = {
  address: () => Promise<PageResult<Encoded<'ak'>>>;
  start: (url: string, networkId: string, peer: Encoded<'ak'>) => Promise<PageResult<View>>;
  transfer: (to: Encoded<'ak'>, amount: string) => Promise<PageResult<string>>;
  shutdown: () => Promise<PageResult<View>>;
};

let devnode: Devnode;
let browser: BrowserHarness<ReadmeApp>;
beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}snippet.ts`, snippet);
  writeFileSync(entry, ENTRY);
  devnode = await startDevnode({ port: 0, accounts: 2 });
  browser = await startBrowser<ReadmeApp>(entry);
});
afterAll(async () => {
  await browser?.close();
  await devnode?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('runs the README browser snippet: open on the first visit, resume from IndexedDB after a reload', async () => {
  // The peer opens with the parameters the snippet uses.
  for (const text of ["port: 3015", 'initiatorAmount: 10n ** 17n, responderAmount: 10n ** 17n, channelReserve: 1n, lockPeriod: 10n', "from 'aechannel'"]) {
    expect(snippet).toContain(text);
  }
  const peerAccount = devnode.accounts[0]!;
  const address = await browser.call('address');
  devnode.chain.fund(address, 10n ** 18n);
  const [first, peer] = await Promise.all([
    browser.call('start', devnode.url, devnode.networkId, peerAccount.address),
    Channel.open({
      url: devnode.url,
      networkId: devnode.networkId,
      role: 'responder',
      initiatorId: address,
      responderId: peerAccount.address,
      initiatorAmount: 10n ** 17n,
      responderAmount: 10n ** 17n,
      channelReserve: 1n,
      lockPeriod: 10n,
      port: 3015,
      keepRunning: true,
      signer: memorySigner(peerAccount.secretKey),
      timeoutMs: 60_000,
    }),
  ]);
  expect(first).toMatchObject({ channelId: peer.channelId, round: '1', status: 'open' });
  expect(await browser.call('transfer', peerAccount.address, '1000')).toBe('2');

  await browser.reload();
  expect(await browser.call('address')).toBe(address); // the same key, kept in IndexedDB
  const resumed = await browser.call('start', devnode.url, devnode.networkId, peerAccount.address);
  expect(resumed).toEqual({ channelId: peer.channelId, round: '2', status: 'open', latestState: peer.latestState });
  expect(await browser.call('transfer', peerAccount.address, '1000')).toBe('3');
  expect((await browser.call('shutdown')).status).toBe('closed');
  await peer.waitForStatus('closed', { timeoutMs: 60_000 });
  expect(peer.localBalances[peerAccount.address]).toBe(10n ** 17n + 2000n);
  peer.dispose();
});
