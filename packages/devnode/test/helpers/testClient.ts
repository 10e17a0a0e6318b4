/**
 * A tiny raw JSON-RPC channel client for tests (test-only code): it connects to a devnode
 * over a WebSocket or in-process, keeps every node message in a queue, and can answer sign
 * requests with a `@aechannel/signer` memory signer. No channel logic of its own.
 */
import type { Encoded, JsonValue } from '@aechannel/codec';
import type { Devnode, DevnodeAccount } from '@aechannel/devnode';
import { memorySigner, type Signer } from '@aechannel/signer';
import { webSocketTransport, type Transport } from '@aechannel/transport';

export type Json = { [key: string]: JsonValue };

/** Channel open parameters for {@link channelQuery}. */
export interface OpenOptions {
  initiator: Encoded<'ak'>;
  responder: Encoded<'ak'>;
  port: number | bigint;
  initiatorAmount?: bigint;
  responderAmount?: bigint;
  pushAmount?: bigint;
  channelReserve?: bigint;
  lockPeriod?: bigint;
  extra?: Record<string, string>;
}

/** The query string of a new channel (§6.2). */
export function channelQuery(role: 'initiator' | 'responder', o: OpenOptions): string {
  const q = new URLSearchParams({
    protocol: 'json-rpc',
    role,
    initiator_id: o.initiator,
    responder_id: o.responder,
    initiator_amount: String(o.initiatorAmount ?? 70_000_000_000_000n),
    responder_amount: String(o.responderAmount ?? 40_000_000_000_000n),
    push_amount: String(o.pushAmount ?? 1n),
    channel_reserve: String(o.channelReserve ?? 2n),
    lock_period: String(o.lockPeriod ?? 10n),
    port: String(o.port),
    keep_running: 'false',
    ...(role === 'initiator' ? { host: 'localhost' } : {}),
    ...o.extra,
  });
  return q.toString();
}

/** The query string of a reestablish (§6.3): the channel and the fsm id the node handed out. */
export function reestablishQuery(role: 'initiator' | 'responder', port: number, channelId: string, fsmId: string): string {
  return new URLSearchParams({
    protocol: 'json-rpc',
    role,
    port: String(port),
    existing_channel_id: channelId,
    existing_fsm_id: fsmId,
    ...(role === 'initiator' ? { host: 'localhost' } : {}),
  }).toString();
}

let nextId = -576460752303423000n;

/** One test client connection. */
export class TestClient {
  readonly received: Json[] = [];
  /** Every frame as received (a batch reply is one array frame). */
  readonly frames: JsonValue[] = [];
  #waiters: { predicate: (m: Json) => boolean; resolve: (m: Json) => void; reject: (e: Error) => void }[] = [];
  #cursor = 0;
  closed = false;
  readonly closedPromise: Promise<void>;
  signer: Signer | undefined;

  constructor(
    readonly transport: Transport,
    readonly networkId: string,
    account?: DevnodeAccount,
  ) {
    if (account !== undefined) this.signer = memorySigner(account.secretKey);
    transport.on('message', (value) => {
      this.frames.push(value);
      if (typeof value !== 'object' || value === null) return;
      const list = Array.isArray(value) ? value : [value];
      for (const item of list) this.#push(item as Json);
    });
    this.closedPromise = transport.closed.then(() => {
      this.closed = true;
      for (const w of this.#waiters) w.reject(new Error('connection closed'));
      this.#waiters = [];
    });
  }

  /** Connects to a devnode: `ws` over a real socket, `memory` in-process. */
  static async connect(devnode: Devnode, query: string, account?: DevnodeAccount, via: 'ws' | 'memory' = 'ws'): Promise<TestClient> {
    const transport = via === 'ws' ? webSocketTransport(`${devnode.url}?${query}`) : devnode.connect(query);
    const client = new TestClient(transport, devnode.networkId, account);
    await transport.opened;
    return client;
  }

  #push(message: Json): void {
    this.received.push(message);
    const index = this.#waiters.findIndex((w) => w.predicate(message));
    if (index >= 0) {
      const [w] = this.#waiters.splice(index, 1);
      this.#cursor = this.received.length;
      w?.resolve(message);
    }
  }

  /** Forgets every message received so far. */
  reset(): void {
    this.received.length = 0;
    this.#cursor = 0;
  }

  /** The messages received since the last `next`/`waitFor` match. */
  get unread(): Json[] {
    return this.received.slice(this.#cursor);
  }

  /** Waits for the first message (from the cursor on) matching `predicate`; moves the cursor past it. */
  waitFor(predicate: (m: Json) => boolean, timeoutMs = 5000): Promise<Json> {
    for (let i = this.#cursor; i < this.received.length; i += 1) {
      const m = this.received[i] as Json;
      if (predicate(m)) {
        this.#cursor = i + 1;
        return Promise.resolve(m);
      }
    }
    if (this.closed) return Promise.reject(new Error('connection closed'));
    return new Promise<Json>((resolve, reject) => {
      const waiter = { predicate, resolve, reject };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`timeout waiting; unread: ${JSON.stringify(this.unread.map(describe))}`));
      }, timeoutMs);
      waiter.resolve = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
      this.#waiters.push(waiter);
    });
  }

  /** Waits for `channels.info` with this event. */
  waitInfo(event: string): Promise<Json> {
    return this.waitFor((m) => m['method'] === 'channels.info' && (m['params'] as Json)['data'] !== undefined && ((m['params'] as Json)['data'] as Json)['event'] === event);
  }

  /** Waits for a notification with this method. */
  waitMethod(method: string): Promise<Json> {
    return this.waitFor((m) => m['method'] === method);
  }

  send(message: Json): void {
    this.transport.send({ jsonrpc: '2.0', ...message });
  }

  /** Sends a request with an id; resolves to the reply (result or error). */
  async request(method: string, params: Json = {}): Promise<Json> {
    nextId += 1n;
    const id = nextId;
    const reply = this.waitFor((m) => m['id'] === id);
    this.send({ id, method, params });
    return reply;
  }

  /** Sends a notification-style request (no id). */
  notify(method: string, params: Json = {}): void {
    this.send({ method, params });
  }

  /** Waits for `channels.sign.<tag>` and returns its data. */
  async signRequest(tag?: string): Promise<{ tag: string; signedTx: Encoded<'tx'>; data: Json }> {
    const m = await this.waitFor((x) => typeof x['method'] === 'string' && (x['method'] as string).startsWith('channels.sign.') && (tag === undefined || x['method'] === `channels.sign.${tag}`));
    const data = (m['params'] as Json)['data'] as Json;
    return { tag: (m['method'] as string).slice('channels.sign.'.length), signedTx: data['signed_tx'] as Encoded<'tx'>, data };
  }

  /** Signs `tx` with this client's key. */
  sign(tx: Encoded<'tx'>): Promise<Encoded<'tx'>> {
    if (this.signer === undefined) throw new Error('no signer');
    return this.signer.signTransaction(tx, { networkId: this.networkId });
  }

  /** Waits for a sign request and answers it with a signature; returns the signed tx. */
  async signNext(tag?: string, withId = true): Promise<Encoded<'tx'>> {
    const request = await this.signRequest(tag);
    const signed = await this.sign(request.signedTx);
    const method = `channels.${replyMethodOf(request.tag)}`;
    if (withId) {
      const reply = await this.request(method, { signed_tx: signed });
      if (reply['result'] !== 'ok') throw new Error(`sign reply refused: ${JSON.stringify(describe(reply))}`);
    } else this.notify(method, { signed_tx: signed });
    return signed;
  }

  close(): void {
    this.transport.close();
  }
}

/** The reply method of a sign tag (§7.4). */
export function replyMethodOf(tag: string): string {
  switch (tag) {
    case 'close_solo_sign':
      return 'close_solo_sign';
    case 'slash_tx':
      return 'slash_sign';
    case 'settle_sign':
      return 'settle_sign';
    case 'snapshot_solo_tx':
      return 'snapshot_solo_sign';
    case 'force_progress_tx':
      return 'force_progress_sign';
    default:
      return tag;
  }
}

/** A short description of a node message for assertions and logs. */
export function describe(m: Json): string {
  if (typeof m['method'] === 'string') {
    const data = ((m['params'] as Json | undefined)?.['data'] ?? {}) as Json;
    const detail = data['event'] ?? data['info'] ?? (data['error_code'] !== undefined ? `code=${String(data['error_code'])}` : '');
    return `${m['method'] as string}${detail === '' ? '' : ` ${String(detail)}`}`;
  }
  if (m['error'] !== undefined) {
    const e = m['error'] as Json;
    const codes = Array.isArray(e['data']) ? (e['data'] as Json[]).map((d) => String(d['code'])).join(',') : '';
    return `error ${String(e['code'])}${codes === '' ? '' : ` [${codes}]`}`;
  }
  return `result ${typeof m['result'] === 'string' ? m['result'] : typeof m['result']}`;
}

/** Data of a notification. */
export const dataOf = (m: Json): Json => (m['params'] as Json)['data'] as Json;

let nextPort = 20_000;
/** A fresh responder port (a pairing key; nothing listens on it). */
export const freshPort = (): number => (nextPort += 1);

/** Connects both roles and drives the opening to `open` (§9.2). */
export async function openChannel(
  devnode: Devnode,
  initiatorAccount: DevnodeAccount,
  responderAccount: DevnodeAccount,
  options: Partial<OpenOptions> & { via?: 'ws' | 'memory' } = {},
): Promise<{ initiator: TestClient; responder: TestClient; channelId: Encoded<'ch'>; port: number }> {
  const port = Number(options.port ?? freshPort());
  const open: OpenOptions = { ...options, initiator: initiatorAccount.address, responder: responderAccount.address, port };
  const via = options.via ?? 'ws';
  const initiator = await TestClient.connect(devnode, channelQuery('initiator', open), initiatorAccount, via);
  const responder = await TestClient.connect(devnode, channelQuery('responder', open), responderAccount, via);
  await initiator.signNext('initiator_sign');
  await responder.signNext('responder_sign');
  await Promise.all([initiator.waitInfo('open'), responder.waitInfo('open')]);
  const update = await initiator.waitMethod('channels.update');
  await responder.waitMethod('channels.update');
  return { initiator, responder, channelId: (update['params'] as Json)['channel_id'] as Encoded<'ch'>, port };
}
