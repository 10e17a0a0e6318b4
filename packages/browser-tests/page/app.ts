/**
 * The web app under test: what a page that holds one side of a channel does. It is bundled
 * with esbuild for the browser with no flags beyond entry and output, importing the
 * library entries a web app imports (`aechannel`, `@aechannel/signer`,
 * `@aechannel/codec`), and runs in headless Chromium.
 *
 * It keeps its channel in an IndexedDB store (`createIndexedDbStore`) and its key either
 * in memory (a devnode account handed over by the test) or in WebCrypto as a
 * non-extractable key pair, which it keeps in IndexedDB too so the same key signs again
 * after a reload. The test drives it through `window.app` (see `PageApp`); every call
 * answers with a `PageResult` (bigints as decimal strings), so a failure reaches the test
 * with its error code.
 */
import { isAechannelError, type Encoded } from '@aechannel/codec';
import { memorySigner, webCryptoSigner, type Signer, type WebCryptoKeyPair } from '@aechannel/signer';
import {
  Channel,
  createFileStore,
  createIndexedDbStore,
  decodeChannelRecord,
  encodeChannelRecord,
  type ChannelClientEvent,
  type IndexedDbStore,
} from 'aechannel';

/** A call's answer as it crosses into the test: the value, or the error's code and message. */
export type PageResult<T> = { ok: true; value: T } | { ok: false; code: string; message: string };

/** Open parameters from the test (amounts as decimal strings). */
export interface PageOpenParams {
  url: string;
  networkId: string;
  role: 'initiator' | 'responder';
  initiatorId: Encoded<'ak'>;
  responderId: Encoded<'ak'>;
  initiatorAmount: string;
  responderAmount: string;
  channelReserve: string;
  lockPeriod: string;
  port: number;
}

/** What the page tells about its channel. */
export interface PageChannelView {
  channelId: Encoded<'ch'> | null;
  status: string;
  round: string;
  balances: Record<string, string>;
  latestState: Encoded<'tx'> | null;
  fsmId: Encoded<'ba'> | null;
}

const KEY_DATABASE = 'page-keys';
const store: IndexedDbStore = createIndexedDbStore();
let signer: Signer | undefined;
let channel: Channel | undefined;
const signed: string[] = [];
const events: { type: string; round?: string }[] = [];

const text = (value: unknown): unknown =>
  value === undefined ? null : (JSON.parse(JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item))) as unknown);

async function answer<T>(run: () => Promise<T> | T): Promise<PageResult<T>> {
  try {
    return { ok: true, value: text(await run()) as T };
  } catch (error) {
    const code = isAechannelError(error) ? error.code : error instanceof Error ? error.name : 'UNKNOWN';
    return { ok: false, code, message: error instanceof Error ? error.message : String(error) };
  }
}

/** Wraps the signer so the test sees which kinds of request this page signed. */
function recording(inner: Signer): Signer {
  return {
    address: inner.address,
    signTransaction: async (tx, options) => {
      const result = await inner.signTransaction(tx, options);
      signed.push(options.context?.kind ?? 'unknown');
      return result;
    },
    signBytes: (bytes, options) => inner.signBytes(bytes, options),
  };
}

function view(): PageChannelView {
  if (channel === undefined) throw new Error('no channel in this page');
  return {
    channelId: channel.channelId,
    status: channel.status,
    round: channel.round.toString(),
    balances: text(channel.localBalances) as Record<string, string>,
    latestState: channel.latestState,
    fsmId: channel.fsmId,
  };
}

function needSigner(): Signer {
  if (signer === undefined) throw new Error('no signer in this page');
  return signer;
}

const onEvent = (event: ChannelClientEvent): void => {
  events.push({ type: event.type, ...('round' in event && typeof event.round === 'bigint' ? { round: event.round.toString() } : {}) });
};

/**
 * One request in its own transaction on a database of this page: the key database (made
 * here), or the channel store's (a tamperer, or developer tools).
 */
function idbRequest<T>(database: string, objectStore: string, mode: IDBTransactionMode, call: (objects: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(database, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(objectStore);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const transaction = db.transaction(objectStore, mode);
      const request = call(transaction.objectStore(objectStore));
      transaction.oncomplete = () => {
        db.close();
        resolve(request.result);
      };
      transaction.onabort = () => {
        db.close();
        reject(transaction.error);
      };
    };
  });
}

const keyRequest = <T>(mode: IDBTransactionMode, call: (objects: IDBObjectStore) => IDBRequest<T>): Promise<T> => idbRequest(KEY_DATABASE, 'keys', mode, call);
const storeRequest = <T>(mode: IDBTransactionMode, call: (objects: IDBObjectStore) => IDBRequest<T>): Promise<T> => idbRequest(store.databaseName, 'entries', mode, call);

const codeOf = (error: unknown): string => (isAechannelError(error) ? error.code : String(error));

const app = {
  /** Signs with a secret key handed over by the test (a devnode account). */
  useMemoryKey: (secretKey: Encoded<'sk'>) =>
    answer(() => {
      signer = recording(memorySigner(secretKey));
      return signer.address;
    }),

  /**
   * Generates a non-extractable Ed25519 key pair in WebCrypto, keeps it in IndexedDB (a
   * `CryptoKey` is stored as is, still non-extractable) and signs with it.
   */
  createWebCryptoKey: () =>
    answer(async () => {
      const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair;
      await keyRequest('readwrite', (objects) => objects.put(pair, 'page'));
      signer = recording(await webCryptoSigner(pair));
      const exported = await crypto.subtle.exportKey('pkcs8', pair.privateKey).then(
        () => 'exported',
        (error: unknown) => (error instanceof Error ? error.name : String(error)),
      );
      return { address: signer.address, extractable: pair.privateKey.extractable, exportAttempt: exported };
    }),

  /** After a reload: the key pair kept in IndexedDB signs again. */
  loadWebCryptoKey: () =>
    answer(async () => {
      const pair = await keyRequest<WebCryptoKeyPair | undefined>('readonly', (objects) => objects.get('page') as IDBRequest<WebCryptoKeyPair | undefined>);
      if (pair === undefined) throw new Error('no key pair kept in IndexedDB');
      signer = recording(await webCryptoSigner(pair));
      return { address: signer.address, extractable: pair.privateKey.extractable };
    }),

  open: (params: PageOpenParams) =>
    answer(async () => {
      channel = await Channel.open({
        url: params.url,
        networkId: params.networkId,
        role: params.role,
        initiatorId: params.initiatorId,
        responderId: params.responderId,
        initiatorAmount: BigInt(params.initiatorAmount),
        responderAmount: BigInt(params.responderAmount),
        channelReserve: BigInt(params.channelReserve),
        lockPeriod: BigInt(params.lockPeriod),
        port: params.port,
        ...(params.role === 'initiator' ? { host: '127.0.0.1' } : {}),
        signer: needSigner(),
        store,
        timeoutMs: 30_000,
        onEvent,
      });
      return view();
    }),

  /** Resumes the channel from the IndexedDB store (after a reload). */
  reestablish: (channelId: Encoded<'ch'>, url: string) =>
    answer(async () => {
      channel = await Channel.reestablish({ store, channelId, url, signer: needSigner(), host: '127.0.0.1', timeoutMs: 30_000, onEvent });
      return view();
    }),

  /** What the store holds for a channel, read through the store (checksum) and decoded. */
  storedRound: (channelId: Encoded<'ch'>) =>
    answer(async () => {
      const value = await store.read(channelId);
      if (value === undefined) return null;
      return decodeChannelRecord(value, channelId).channel.round;
    }),

  transfer: (to: Encoded<'ak'>, amount: string) =>
    answer(async () => {
      if (channel === undefined) throw new Error('no channel in this page');
      const { round, balances } = await channel.transfer(to, BigInt(amount), { timeoutMs: 30_000 });
      return { round, balances };
    }),

  /** Starts a transfer and returns at once (the page may be reloaded before it ends). */
  startTransfer: (to: Encoded<'ak'>, amount: string) =>
    answer(() => {
      if (channel === undefined) throw new Error('no channel in this page');
      channel.transfer(to, BigInt(amount), { timeoutMs: 30_000 }).catch(() => {});
      return true;
    }),

  /** Mutual close, until the channel is closed on chain; with the close tx this page signed. */
  shutdown: () =>
    answer(async () => {
      if (channel === undefined) throw new Error('no channel in this page');
      const { tx } = await channel.shutdown({ timeoutMs: 30_000 });
      await channel.waitForStatus('closed', { timeoutMs: 30_000 });
      return { ...view(), closeTx: tx };
    }),

  /** Waits until the channel's round is at least `round` (a state resynced from the node). */
  waitForRound: (round: string) =>
    answer(async () => {
      const current = channel;
      if (current === undefined) throw new Error('no channel in this page');
      const target = BigInt(round);
      if (current.round < target) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`round ${current.round} after 30 s, expected ${target}`)), 30_000);
          const off = current.on('stateChanged', () => {
            if (current.round >= target) {
              clearTimeout(timer);
              off();
              resolve();
            }
          });
          const offResync = current.on('stateResynced', () => {
            if (current.round >= target) {
              clearTimeout(timer);
              offResync();
              resolve();
            }
          });
        });
      }
      return view();
    }),

  view: () => answer(view),

  /** The kinds of sign request this page signed so far, and the channel events it saw. */
  log: () => answer(() => ({ signed: [...signed], events: [...events] })),

  /**
   * The Store contract, in this browser's IndexedDB: what each check observed, for the
   * test to compare with what the contract says.
   */
  storeContract: () =>
    answer(async () => {
      const s = createIndexedDbStore({ databaseName: 'contract' });
      const missing = await s.read('ch_a');
      await s.write('ch_a', 'one');
      await s.write('ch_b', 'two');
      await s.write('ch_a', 'three');
      const readBack = await s.read('ch_a');
      const listed = await s.list();
      await s.delete('ch_a');
      await s.delete('ch_missing');
      const afterDelete = { read: await s.read('ch_a'), list: await s.list() };
      await Promise.all(Array.from({ length: 20 }, (_, i) => s.write('ch_order', String(i))));
      const order = await s.read('ch_order');
      const invalidKey = await s.write('../x', 'v').then(() => 'written', codeOf);
      const aborted = await s.write('ch_aborted', 'v', { signal: AbortSignal.abort() }).then(() => 'written', codeOf);
      const unicode = 'æternity ✓ 𝔘 \u0000 "quoted"';
      await s.write('ch_unicode', unicode);
      const unicodeBack = (await s.read('ch_unicode')) === unicode;
      s.close();
      return { missing: missing ?? null, readBack, listed, afterDelete: { read: afterDelete.read ?? null, list: afterDelete.list }, order, invalidKey, aborted, unicodeBack, abortedRead: (await createIndexedDbStore({ databaseName: 'contract' }).read('ch_aborted')) ?? null };
    }),

  /** Entries damaged in IndexedDB behind the store's back: each read must fail as corrupt. */
  storeTampering: () =>
    answer(async () => {
      await store.write('ch_tamper', 'round 7 balance 100');
      const envelope = (await storeRequest('readonly', (objects) => objects.get('ch_tamper'))) as string;
      const outcomes: Record<string, string> = {};
      const damages: Record<string, unknown> = {
        flipped: envelope.replace('balance 100', 'balance 900'),
        truncated: envelope.slice(0, 40),
        notAString: { round: 7 },
      };
      for (const [name, damaged] of Object.entries(damages)) {
        await storeRequest('readwrite', (objects) => objects.put(damaged, 'ch_tamper'));
        outcomes[name] = await store.read('ch_tamper').then((value) => `read ${String(value)}`, codeOf);
      }
      await store.delete('ch_tamper');
      // Files do not exist here: the file store fails with a typed error, not a broken bundle.
      outcomes['fileStore'] = await createFileStore('./.aechannel').write('ch_file', 'v').then(() => 'written', codeOf);
      return outcomes;
    }),

  /** Rewrites the stored channel record with a raised round (the store recomputes the checksum). */
  forgeStoredRound: (channelId: Encoded<'ch'>) =>
    answer(async () => {
      const value = await store.read(channelId);
      if (value === undefined) throw new Error('nothing stored');
      const record = decodeChannelRecord(value, channelId);
      await store.write(channelId, encodeChannelRecord({ ...record, channel: { ...record.channel, round: record.channel.round + 3n } }));
      return value;
    }),

  /** Puts a record back as it was. */
  restoreStored: (channelId: Encoded<'ch'>, value: string) => answer(() => store.write(channelId, value)),

  put: (key: string, value: string) => answer(() => store.write(key, value)),
  get: (key: string) => answer(async () => (await store.read(key)) ?? null),
};

/** The page's API, as the test sees it on `window.app`. */
export type PageApp = typeof app;

(globalThis as { app?: PageApp }).app = app;
document.title = 'aechannel page ready';
