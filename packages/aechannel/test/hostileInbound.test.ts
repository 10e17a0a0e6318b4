/**
 * Issue 11 acceptance: a fuzz suite (fast-check, a bounded number of runs) over the
 * devnode's inbound frames and over the client's inbound frames. Both sides must survive
 * any sequence of hostile frames without a crash, an unhandled rejection or an internal
 * error; every request with an id is answered (devnode) and every operation the
 * application started settles (client); and the heap goes back to where it was once the
 * hostile traffic is over.
 *
 * The heap is measured after full garbage collections (`gc` exposed through `v8` flags),
 * once before the hostile traffic (after a warm-up round, so caches and compiled code are
 * already there) and once after; the traffic is many times the tolerance, so keeping even
 * a part of it would show.
 */
import { isAechannelError, parseJson, stringifyJson, type Encoded, type JsonValue } from '@aechannel/codec';
import { startDevnode, type Devnode, type DevnodeAccount } from '@aechannel/devnode';
import { memorySigner, type Signer } from '@aechannel/signer';
import { createMemoryTransportPair, type MemoryLink } from '@aechannel/transport';
import fc from 'fast-check';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Channel, type TransportFactory } from '../src/Channel.js';
import { freshPort, smallChannelOptions } from './helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap in use (JS heap and array buffers) after full collections. */
async function settledHeap(): Promise<number> {
  for (let i = 0; i < 4; i += 1) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

/** How much the heap may have grown after the hostile traffic (state of the runs: blocks, rounds). */
const HEAP_TOLERANCE = 8 * 1024 * 1024;
const MiB = 1024 * 1024;

/** Unhandled rejections and uncaught exceptions while a test runs. */
function watchProcess(): { problems: unknown[]; stop(): void } {
  const problems: unknown[] = [];
  const onProblem = (error: unknown): void => {
    problems.push(error);
  };
  process.on('unhandledRejection', onProblem);
  process.on('uncaughtException', onProblem);
  return {
    problems,
    stop() {
      process.off('unhandledRejection', onProblem);
      process.off('uncaughtException', onProblem);
    },
  };
}

const until = async (predicate: () => boolean, ms: number): Promise<boolean> => {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return true;
};

// ---------------------------------------------------------------------------------------
// The devnode's inbound frames
// ---------------------------------------------------------------------------------------

type Json = { [key: string]: JsonValue };

/** The reply method of a sign request tag (PROTOCOL.md §7.4). */
const replyMethodOf = (tag: string): string =>
  ({ slash_tx: 'slash_sign', snapshot_solo_tx: 'snapshot_solo_sign' })[tag] ?? tag;

/**
 * A raw client of the devnode over a WebSocket (test code; no channel logic): it counts
 * the replies per request id and, given a signer, co-signs whatever the node asks it to,
 * so hostile requests run their whole course.
 */
class RawClient {
  readonly socket: WebSocket;
  readonly replies = new Map<string, number>();
  readonly infos: string[] = [];
  /** Errors with `id: null` that echo nothing: frames refused as a whole (a request without id that fails echoes itself). */
  nullIdErrors = 0;
  closeCode: number | undefined;
  readonly opened: Promise<void>;

  constructor(url: string, signer?: Signer, networkId?: string) {
    this.socket = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
    this.socket.on('error', () => undefined);
    this.socket.on('close', (code) => (this.closeCode = code));
    this.socket.on('message', (data) => {
      const frame = parseJson(data.toString());
      for (const m of (Array.isArray(frame) ? frame : [frame]) as Json[]) {
        if (Object.hasOwn(m, 'id') && (Object.hasOwn(m, 'result') || Object.hasOwn(m, 'error'))) {
          if (m['id'] === null) {
            const request = (m['error'] as Json | undefined)?.['request'];
            if (typeof request === 'object' && request !== null && Object.keys(request).length === 0) this.nullIdErrors += 1;
          } else this.replies.set(idKey(m['id']!), (this.replies.get(idKey(m['id']!)) ?? 0) + 1);
        }
        const method = m['method'];
        const data = ((m['params'] as Json | undefined)?.['data'] ?? {}) as Json;
        if (method === 'channels.info') this.infos.push(String(data['event']));
        if (signer !== undefined && typeof method === 'string' && method.startsWith('channels.sign.')) {
          const tag = method.slice('channels.sign.'.length);
          void signer.signTransaction(data['signed_tx'] as Encoded<'tx'>, { networkId: networkId! }).then(
            (signed) => this.send(stringifyJson({ jsonrpc: '2.0', method: `channels.${replyMethodOf(tag)}`, params: { signed_tx: signed } })),
            () => undefined,
          );
        }
      }
    });
  }

  send(text: string): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(text);
  }
}

const idKey = (id: JsonValue): string => `${typeof id}:${String(id)}`;

function channelQuery(role: 'initiator' | 'responder', a: Encoded<'ak'>, b: Encoded<'ak'>, port: number, extra: Record<string, string> = {}): string {
  return new URLSearchParams({
    protocol: 'json-rpc',
    role,
    initiator_id: a,
    responder_id: b,
    initiator_amount: '1000000000000000',
    responder_amount: '1000000000000000',
    push_amount: '0',
    channel_reserve: '1',
    lock_period: '3',
    port: String(port),
    keep_running: 'true',
    ...(role === 'initiator' ? { host: 'localhost' } : {}),
    ...extra,
  }).toString();
}

/** Requests that end the connection or the channel are left out: what is checked is that every request is answered. */
const methods = [
  'channels.update.new',
  'channels.update',
  'channels.update_ack',
  'channels.deposit',
  'channels.withdraw',
  'channels.deposit_tx',
  'channels.deposit_ack',
  'channels.withdraw_tx',
  'channels.withdraw_ack',
  'channels.initiator_sign',
  'channels.responder_sign',
  'channels.shutdown_sign_ack',
  'channels.get.balances',
  'channels.get.poi',
  'channels.get.offchain_state',
  'channels.get.contract',
  'channels.get.contract_call',
  'channels.dry_run.call_contract',
  'channels.update.new_contract',
  'channels.clean_contract_calls',
  'channels.message',
  'channels.assume_minimum_depth',
  'channels.snapshot_solo',
  'channels.history.fetch',
  'channels.system',
  'channels.nope',
];

interface Frame {
  text: string;
  /** Request ids the node must answer. */
  ids: JsonValue[];
  /** Replies with `id: null` the node must send (frames refused for a JSON limit or a batch over 100). */
  nullIdErrors: number;
}

/** Builds the frames of one run from the accounts and a counter for unique ids. */
function frameArbitrary(accounts: Encoded<'ak'>[], nextId: () => number): fc.Arbitrary<() => Frame> {
  const amount = fc.oneof(fc.bigInt({ min: -5n, max: 1000n }), fc.constant(10n ** 30n), fc.constant<JsonValue>(1.5), fc.constant<JsonValue>('12'));
  const text = fc.oneof(fc.string({ maxLength: 20 }), fc.nat({ max: 30_000 }).map((n) => 'w'.repeat(n)));
  const leaf: fc.Arbitrary<JsonValue> = fc.oneof(
    fc.constantFrom<JsonValue>(...accounts, 'ak_1', 'tx_+AB', 'th_x', 'ch_1', 'ba_', null, true, 'ping'),
    amount,
    text,
  );
  const value: fc.Arbitrary<JsonValue> = fc.letrec<{ v: JsonValue }>((tie) => ({
    v: fc.oneof({ depthSize: 'small', maxDepth: 3 }, leaf, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 4 }), tie('v'), { maxKeys: 3 })),
  })).v;
  const params = fc.dictionary(
    fc.constantFrom('from', 'to', 'amount', 'accounts', 'signed_tx', 'error', 'info', 'meta', 'tx_hash', 'fee', 'gas_price', 'nonce', 'n', 'type', 'action', 'pubkey', 'block_hash'),
    value,
    { maxKeys: 5 },
  );
  const idKind = fc.constantFrom('bigint', 'huge', 'string', 'none');
  const request = fc.record({ method: fc.oneof(fc.constantFrom(...methods), fc.string({ maxLength: 30 })), params, idKind });
  const build = (r: { method: string; params: Json; idKind: string }): { value: Json; id: JsonValue | undefined } => {
    // `stop` would end the connection: everything else goes (PROTOCOL.md §7.6).
    const p = r.method === 'channels.system' && r.params['action'] === 'stop' ? { ...r.params, action: 'ping' } : r.params;
    const n = nextId();
    const id = r.idKind === 'bigint' ? BigInt(n) : r.idKind === 'huge' ? 10n ** 25n + BigInt(n) : r.idKind === 'string' ? `fz-${n}` : undefined;
    // Within the frame limit (256 KiB) with room for a batch: frames over it are another test.
    const fits = stringifyJson(p).length < 40 * 1024;
    return { value: { jsonrpc: '2.0', method: r.method, params: fits ? p : {}, ...(id === undefined ? {} : { id }) }, id };
  };
  return fc.oneof(
    // one request
    { weight: 6, arbitrary: request.map((r) => () => {
      const { value: v, id } = build(r);
      return { text: stringifyJson(v), ids: id === undefined ? [] : [id], nullIdErrors: 0 };
    }) },
    // a batch (§6.1), sometimes over the 100-item limit
    { weight: 2, arbitrary: fc.tuple(fc.array(request, { minLength: 1, maxLength: 4 }), fc.boolean()).map(([items, over]) => () => {
      const built = items.map(build);
      if (!over) return { text: stringifyJson(built.map((b) => b.value)), ids: built.flatMap((b) => (b.id === undefined ? [] : [b.id])), nullIdErrors: 0 };
      const many = Array.from({ length: 101 }, () => ({ jsonrpc: '2.0', id: 1n, method: 'channels.system', params: { action: 'ping' } }));
      return { text: stringifyJson(many), ids: [], nullIdErrors: 1 };
    }) },
    // not JSON-RPC: ignored (§7.1)
    { weight: 2, arbitrary: fc.oneof(fc.string({ maxLength: 40 }), value.map((v) => stringifyJson(v))).map((t) => () => ({ text: t, ids: [], nullIdErrors: 0 })) },
    // over a JSON limit: a number of 101 to 5000 digits, or nesting of 65 to 5000 levels
    { weight: 1, arbitrary: fc.tuple(fc.boolean(), fc.integer({ min: 101, max: 5000 })).map(([number, n]) => () => {
      const id = nextId();
      const inner = number ? '7'.repeat(n) : `${'['.repeat(n)}${']'.repeat(n)}`;
      return { text: `{"jsonrpc":"2.0","id":${id},"method":"channels.update.new","params":{"amount":${inner}}}`, ids: [], nullIdErrors: 1 };
    }) },
  );
}

describe('the devnode under hostile inbound frames', () => {
  let devnode: Devnode;
  const internalErrors: unknown[] = [];
  let initiator: RawClient;
  let responder: RawClient;
  let waiting: RawClient;
  let accounts: DevnodeAccount[];

  beforeAll(async () => {
    devnode = await startDevnode({ port: 0, onError: (e) => internalErrors.push(e) });
    accounts = [...devnode.accounts];
    const [a, b, c, d] = accounts as [DevnodeAccount, DevnodeAccount, DevnodeAccount, DevnodeAccount];
    const port = freshPort();
    initiator = new RawClient(`${devnode.url}?${channelQuery('initiator', a.address, b.address, port)}`, memorySigner(a.secretKey), devnode.networkId);
    responder = new RawClient(`${devnode.url}?${channelQuery('responder', a.address, b.address, port)}`, memorySigner(b.secretKey), devnode.networkId);
    // A responder whose initiator never comes: its node FSM answers from `awaiting_open`.
    waiting = new RawClient(`${devnode.url}?${channelQuery('responder', c.address, d.address, freshPort())}`);
    await Promise.all([initiator.opened, responder.opened, waiting.opened]);
    expect(await until(() => initiator.infos.includes('open') && responder.infos.includes('open'), 20_000)).toBe(true);
  });

  afterAll(async () => {
    for (const client of [initiator, responder, waiting]) client?.socket.terminate();
    await devnode?.stop();
  });

  it('answers every request with an id, crashes never, and its heap returns to the baseline', async () => {
    const watch = watchProcess();
    let counter = 0;
    const nextId = (): number => (counter += 1);
    const addresses = accounts.slice(0, 4).map((x) => x.address);
    const targets = [initiator, responder, waiting];
    const sent = new Map<RawClient, { ids: JsonValue[]; nullIdErrors: number }>(targets.map((t) => [t, { ids: [], nullIdErrors: 0 }]));
    const send = (target: RawClient, frame: Frame): void => {
      const expected = sent.get(target)!;
      expected.ids.push(...frame.ids);
      expected.nullIdErrors += frame.nullIdErrors;
      target.send(frame.text);
    };
    /** Every expected reply is in, exactly once (waits for postponed requests to run). */
    const allAnswered = (): boolean =>
      targets.every((t) => {
        const expected = sent.get(t)!;
        return t.nullIdErrors === expected.nullIdErrors && expected.ids.every((id) => t.replies.get(idKey(id)) === 1);
      });
    const run = async (frames: (() => Frame)[], pick: number[]): Promise<void> => {
      frames.forEach((make, i) => send(targets[pick[i % pick.length]! % targets.length]!, make()));
      const done = await until(allAnswered, 15_000);
      if (!done) {
        const missing = targets.map((t) => sent.get(t)!.ids.filter((id) => t.replies.get(idKey(id)) !== 1).map(String));
        expect.fail(`unanswered requests: ${JSON.stringify(missing)}; null-id errors ${targets.map((t) => `${t.nullIdErrors}/${sent.get(t)!.nullIdErrors}`)}`);
      }
    };
    const frames = fc.array(frameArbitrary(addresses, nextId), { minLength: 1, maxLength: 6 });
    const picks = fc.array(fc.nat({ max: 2 }), { minLength: 1, maxLength: 6 });

    // Warm-up (not measured), then the baseline.
    await run(fc.sample(frames, { numRuns: 5, seed: 1 }).flat(), [0, 1, 2]);
    await devnode.idle();
    const baseline = await settledHeap();

    await fc.assert(fc.asyncProperty(frames, picks, run), { numRuns: 40 });
    // The bulk: 120 frames of 200 KiB (a channels.message too large for §7.6: -32000, echoed shortened).
    const big = (): Frame => {
      const id = `big-${nextId()}`;
      return { text: stringifyJson({ jsonrpc: '2.0', id, method: 'channels.message', params: { to: addresses[1]!, info: 'b'.repeat(200 * 1024) } }), ids: [id], nullIdErrors: 0 };
    };
    for (let i = 0; i < 120; i += 1) send(targets[i % 3]!, big());
    expect(await until(allAnswered, 30_000)).toBe(true);

    await devnode.idle();
    const after = await settledHeap();
    watch.stop();
    expect(watch.problems).toEqual([]);
    expect(internalErrors).toEqual([]);
    // No connection was closed by the node: every frame was within its limits.
    expect(targets.map((t) => t.closeCode)).toEqual([undefined, undefined, undefined]);
    expect(after - baseline, `heap grew from ${(baseline / MiB).toFixed(1)} to ${(after / MiB).toFixed(1)} MiB`).toBeLessThan(HEAP_TOLERANCE);
  }, 180_000);

  it('closes only the connection that sends a frame over the limit; the channel goes on', async () => {
    const [, , c, d] = accounts as DevnodeAccount[];
    const victim = new RawClient(`${devnode.url}?${channelQuery('responder', c!.address, d!.address, freshPort())}`);
    await victim.opened;
    victim.send(`["${'o'.repeat(256 * 1024)}"]`);
    expect(await until(() => victim.closeCode !== undefined, 10_000)).toBe(true);
    expect(victim.closeCode).toBe(1009);
    const id = 'after-oversize';
    initiator.send(stringifyJson({ jsonrpc: '2.0', id, method: 'channels.get.balances', params: { accounts: [accounts[0]!.address] } }));
    expect(await until(() => initiator.replies.get(idKey(id)) === 1, 10_000)).toBe(true);
    expect(internalErrors).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------
// The client's inbound frames
// ---------------------------------------------------------------------------------------

/**
 * A fake node in front of the in-process devnode: the channel talks to the devnode
 * through an in-memory link into which the test injects frames of its own, as a hostile
 * (or broken) node would send them.
 */
function hostileNode(devnode: Devnode): { factory: TransportFactory; inject(text: string): void } {
  let current: MemoryLink | undefined;
  const factory: TransportFactory = (url, { signal }) => {
    const upstream = devnode.connect(url);
    const { client, server, link } = createMemoryTransportPair({ signal });
    current = link;
    let toUpstream = upstream.opened;
    server.on('message', (m) => {
      toUpstream = toUpstream.then(() => {
        if (upstream.readyState === 'open') upstream.send(m);
      }, () => undefined);
    });
    upstream.on('message', (m) => {
      if (server.readyState === 'open') server.send(m);
    });
    upstream.on('close', (e) => {
      if (e.code === 1000 || (e.code >= 3000 && e.code < 5000)) server.close(e.code, e.reason);
      else link.cut();
    });
    server.on('close', () => upstream.close());
    return client;
  };
  return { factory, inject: (text) => current?.inject('serverToClient', text) };
}

/** Frames a node could send a client (PROTOCOL.md §8), with hostile contents. */
function nodeFrameArbitrary(accounts: Encoded<'ak'>[], recordedTx: Encoded<'tx'>): fc.Arbitrary<string> {
  const tx = fc.constantFrom<JsonValue>(recordedTx, 'tx_+AB', 'tx_', '', 'tx_' + 'A'.repeat(4000), null, 5n);
  const data = fc.record(
    {
      event: fc.constantFrom<JsonValue>('open', 'died', 'closing', 'closed_confirmed', 'fsm_up', 'channel_reestablished', 'leave', 'own_funding_locked', 'funding_created', 'shutdown', 'peer_disconnected', 'x'),
      info: fc.constantFrom<JsonValue>('can_slash', 'solo_closing', 'channel_changed', 'deposit_signed', 'closing', 'x'),
      state: tx,
      signed_tx: tx,
      tx,
      updates: fc.constantFrom<JsonValue>([], [{ op: 'OffChainTransfer', from: accounts[0]!, to: accounts[1]!, amount: 5n }], 'x', null),
      fsm_id: fc.constantFrom<JsonValue>('ba_x', 'ba_' + 'A'.repeat(44), null),
      round: fc.oneof(fc.bigInt({ min: -2n, max: 10n }), fc.constant<JsonValue>(10n ** 40n)),
      error_code: fc.bigInt({ min: -1n, max: 70000n }),
      message: fc.string({ maxLength: 20 }),
      from: fc.constantFrom<JsonValue>(...accounts, 'ak_1'),
      to: fc.constantFrom<JsonValue>(...accounts, 'ak_1'),
      type: fc.constantFrom<JsonValue>('channel_create_tx', 'channel_close_solo_tx', 'x'),
    },
    { requiredKeys: [] },
  );
  const notification = fc.record({
    method: fc.constantFrom(
      'channels.info',
      'channels.update',
      'channels.sign.update_ack',
      'channels.sign.update',
      'channels.sign.deposit_ack',
      'channels.sign.withdraw_ack',
      'channels.sign.shutdown_sign_ack',
      'channels.sign.initiator_sign',
      'channels.conflict',
      'channels.error',
      'channels.message',
      'channels.on_chain_tx',
      'channels.leave',
      'channels.system.pong',
      'channels.get.balances.reply',
      'channels.x',
    ),
    data,
    channelId: fc.constantFrom<JsonValue>(null, 'ch_x', 'ch_2MJU325LQVfAu36vjGvdVpVgiCDbjRsMAjHZc7ahzuLZHTjWYS'),
  });
  const response = fc.record({
    id: fc.oneof(fc.bigInt({ min: -576460752303423500n, max: -576460752303422000n }), fc.bigInt({ min: 0n, max: 50n }), fc.constant<JsonValue>(null), fc.string({ maxLength: 4 })),
    body: fc.oneof(
      fc.constantFrom<JsonValue>('ok', [], {}, null).map((result) => ({ result })),
      fc.record({ code: fc.bigInt({ min: -33000n, max: 3n }), message: fc.string({ maxLength: 10 }), data: fc.constantFrom<JsonValue>(null, [], [{ code: 1001n, message: 'x' }]) }).map((error) => ({ error })),
    ),
  });
  const one = fc.oneof(
    notification.map(({ method, data: d, channelId }) => ({ jsonrpc: '2.0', version: 1n, method, params: { channel_id: channelId, data: d } }) as JsonValue),
    response.map(({ id, body }) => ({ jsonrpc: '2.0', version: 1n, id, channel_id: null, ...body }) as JsonValue),
  );
  return fc.oneof(
    { weight: 6, arbitrary: one.map((v) => stringifyJson(v)) },
    { weight: 1, arbitrary: fc.array(one, { minLength: 1, maxLength: 4 }).map((v) => stringifyJson(v)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 1, arbitrary: fc.integer({ min: 101, max: 20_000 }).map((n) => `{"jsonrpc":"2.0","method":"channels.update","params":{"data":{"round":${'9'.repeat(n)}}}}`) },
    { weight: 1, arbitrary: fc.integer({ min: 65, max: 20_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`) },
    { weight: 1, arbitrary: fc.nat({ max: 300_000 }).map((n) => stringifyJson({ jsonrpc: '2.0', version: 1n, method: 'channels.message', params: { channel_id: null, data: { from: accounts[1]!, to: accounts[0]!, info: 'm'.repeat(n) } } })) },
  );
}

describe('the client under hostile inbound frames', () => {
  let devnode: Devnode;

  beforeAll(async () => {
    devnode = await startDevnode({ listen: false });
  });
  afterAll(async () => {
    await devnode?.stop();
  });

  async function openPair(node: ReturnType<typeof hostileNode>): Promise<[Channel, Channel]> {
    const a = devnode.accounts[0]!;
    const b = devnode.accounts[1]!;
    const common = { ...smallChannelOptions(devnode, 0, 1), initiatorAmount: 10n ** 15n, responderAmount: 10n ** 15n, reconnect: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 } };
    return Promise.all([
      Channel.open({ ...common, role: 'initiator', host: 'localhost', signer: memorySigner(a.secretKey), transport: node.factory }),
      Channel.open({ ...common, role: 'responder', signer: memorySigner(b.secretKey), transport: (url) => devnode.connect(url) }),
    ]);
  }

  it('never crashes, settles every operation, and its heap returns to the baseline', async () => {
    const watch = watchProcess();
    const node = hostileNode(devnode);
    let [initiator, responder] = await openPair(node);
    const accounts = [devnode.accounts[0]!.address, devnode.accounts[1]!.address];
    const recorded = initiator.latestState!;
    let reopened = 0;
    const outcomes: string[] = [];

    const run = async (frames: string[]): Promise<void> => {
      if (initiator.finished || initiator.status !== 'open') {
        // A hostile frame may end a channel or move it out of `open` (a forged `died` or
        // `closing`): go on with a fresh one, so that later runs meet an open channel.
        initiator.dispose();
        responder.dispose();
        [initiator, responder] = await openPair(node);
        reopened += 1;
      }
      // An operation in flight while the frames arrive, and one after them: both settle.
      const during = initiator.ping({ timeoutMs: 3_000 }).then(() => 'ok', (e: unknown) => (isAechannelError(e) ? e.code : `untyped: ${String(e)}`));
      for (const text of frames) node.inject(text);
      const afterwards = initiator.balances(undefined, { timeoutMs: 3_000 }).then(() => 'ok', (e: unknown) => (isAechannelError(e) ? e.code : `untyped: ${String(e)}`));
      for (const outcome of await Promise.all([during, afterwards])) {
        expect(outcome).not.toMatch(/^untyped/);
        outcomes.push(outcome);
      }
    };
    const frames = fc.array(nodeFrameArbitrary(accounts, recorded), { minLength: 1, maxLength: 8 });

    await run(fc.sample(frames, { numRuns: 3, seed: 2 }).flat());
    const baseline = await settledHeap();
    await fc.assert(fc.asyncProperty(frames, run), { numRuns: 60 });
    // The bulk: 40 messages of 1 MiB each from the "peer" (§8.5).
    for (let i = 0; i < 40; i += 1) {
      node.inject(stringifyJson({ jsonrpc: '2.0', version: 1n, method: 'channels.message', params: { channel_id: null, data: { from: accounts[1]!, to: accounts[0]!, info: 'q'.repeat(MiB) } } }));
    }
    await run(['{}']);
    initiator.dispose();
    responder.dispose();
    await devnode.idle();
    // The last pair is gone too, so the baseline (one open pair) is an upper bound.
    const after = await settledHeap();
    watch.stop();
    expect(watch.problems).toEqual([]);
    expect(outcomes.filter((o) => o === 'ok').length).toBeGreaterThan(0);
    expect(after - baseline, `heap grew from ${(baseline / MiB).toFixed(1)} to ${(after / MiB).toFixed(1)} MiB (${reopened} pairs reopened)`).toBeLessThan(HEAP_TOLERANCE);
  }, 180_000);

  it('closes the link on a frame over its limit (4 MiB by default) and reconnects; the channel goes on', async () => {
    const node = hostileNode(devnode);
    const [initiator, responder] = await openPair(node);
    const events: string[] = [];
    const recovered = new Promise<void>((resolve) => initiator.on('recovered', () => resolve()));
    initiator.on('reconnected', () => events.push('reconnected'));
    node.inject(stringifyJson({ jsonrpc: '2.0', version: 1n, method: 'channels.message', params: { channel_id: null, data: { info: 'z'.repeat(4 * MiB) } } }));
    await recovered;
    await initiator.transfer(responder.address, 1n, { timeoutMs: 20_000 });
    expect(initiator.round).toBe(2n);
    expect(events).toEqual(['reconnected']);
    initiator.dispose();
    responder.dispose();
  });
});
