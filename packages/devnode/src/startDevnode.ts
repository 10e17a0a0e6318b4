/**
 * `startDevnode`: the embedded node. It owns the WebSocket server on `/channel`, the
 * simulated chain, the event queue and the FSMs, and routes each client socket to its FSM.
 *
 * Connection handling follows §6: the query is parsed before any FSM exists; bad
 * parameters close the socket silently or after the open-time error envelope (§6.4);
 * `existing_channel_id` either reattaches the socket to a running FSM (reconnect, same
 * fsm id) or restores the channel from the devnode's state cache into a new FSM
 * (reestablish, new fsm id). Each text frame is one JSON-RPC request or a batch (§6.1);
 * unparsable frames and frames without `jsonrpc:"2.0"`/`method` are ignored (§7.1).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAechannelError, parseJson, stringifyJson, type Encoded, type JsonValue } from '@aechannel/codec';
import { createMemoryTransportPair, type Transport } from '@aechannel/transport';
import { WebSocketServer, type WebSocket } from 'ws';
import { createTransactionVerifier, type TransactionVerifier } from '@aechannel/signer';
import { SimChain, type BlockMode, type ChainAccount, type ChainChannel, type BlockEvent, type ForceProgressReceipt } from './chain.js';
import type { GaAuth } from './generalized.js';
import type { ChainView, FateRulesPreset } from '@aechannel/fate';
import { ChannelFsm, type CachedChannel, type ChannelConfig, type ClientSession, type FsmHost, type RequestContext } from './channelFsm.js';
import { systemClock, type DevnodeClock } from './clock.js';
import { compatPresets, resolveCompat, type CompatFlags, type CompatPreset } from './compat.js';
import { DevnodeError } from './errors.js';
import { newPaceState, paceAfterFrame, type PaceState } from './pacing.js';
import { EventQueue } from './eventQueue.js';
import { IdSource, deriveAccount, type DevnodeAccount } from './keys.js';
import { parseChannelParams, type OpenParams, type ReconnectParams, type Role } from './params.js';
import { PeerRegistry } from './peerRegistry.js';
import { errorReply, internalError, readRequest, rejected, type JsonObject, type RpcError } from './rpc.js';

/** Options of {@link startDevnode}. */
export interface StartDevnodeOptions {
  /** TCP port of the WebSocket server (default 3014; 0 picks a free port). */
  port?: number;
  /** Listen address (default `127.0.0.1`). */
  host?: string;
  /** Network id every signature is checked against (default `ae_devnet`). */
  networkId?: string;
  /**
   * Protocol variant: `ceres` (default) builds channel create tx v2 (with the two delegate
   * lists) and runs contracts with the Ceres rules; `iris` builds create tx v1 as in the
   * recordings and runs contracts with the Iris rules (the compat flag `earlyIrisContracts`,
   * preset `early-iris`, selects the rules of the contract recordings' node).
   */
  protocol?: 'ceres' | 'iris';
  /** Node-version behaviour of §11: a preset or individual flags (default `current`). */
  compat?: CompatPreset | Partial<CompatFlags>;
  /**
   * Block production: `'instant'` (default; a block per posted tx, and the confirmations any
   * FSM waits for right away), `'manual'` (only `chain.mine()`), or a number of ms between
   * blocks on the devnode clock.
   */
  blocks?: 'instant' | 'manual' | number | BlockMode;
  /** The clock for timers and interval mining (default: the wall clock). */
  clock?: DevnodeClock;
  /** Seed of the prefunded accounts and of fsm ids and block hashes (default `aechannel-devnode`). */
  seed?: string;
  /** Number of prefunded accounts (default 10). */
  accounts?: number;
  /** Balance of each prefunded account in aettos (default 10^24, a million AE). */
  balance?: bigint;
  /**
   * Simulated latency in ms of the devnode clock for FSM-to-FSM messages and mempool
   * acknowledgements (default 0: the next task). With a manual clock, in-flight messages
   * wait until the clock is advanced, which lets a test hold messages "on the wire".
   */
  latencyMs?: number;
  /** Fault knobs, all off by default. */
  faults?: {
    /** Delay every node → client frame by this many ms of the devnode clock. */
    replyDelayMs?: number;
  };
  /** Channel count limit (default 1000, as the node); more gives -32603 at open. */
  maxChannels?: number;
  /**
   * Largest client frame in bytes (default 256 KiB). A larger frame closes the connection
   * with 1009 (for a socket, `ws` refuses it at its header, so it is never read). The
   * protocol's largest client message, a `channels.message` with 65 000 bytes of info
   * (§7.6), fits even with its text escaped twice over; no recorded client frame reaches
   * 1 KB. The heaviest frames of this size to read (lists of numbers) take 10 to 30 ms, so
   * one client cannot hold the others up for long (see the README, "Limits").
   */
  maxFrameBytes?: number;
  /** Most requests in one batch (default 100); a longer batch gets one -32000 and none of it runs. */
  maxBatchItems?: number;
  /**
   * Unread bytes a client socket may leave queued (default 8 MiB). A client that keeps
   * sending while it does not read its replies is disconnected once its queue grows past
   * this, as a node drops a connection its writes cannot drain into.
   */
  maxBufferedBytes?: number;
  /** Set false to skip the socket server; use `connect()` only (default true). */
  listen?: boolean;
  /** Called with unexpected internal errors (default: ignored; the server keeps running). */
  onError?: (error: unknown) => void;
}

/** Handle on the simulated chain of a running devnode. */
export interface DevnodeChain {
  /** Current top height. */
  readonly height: bigint;
  /** The current block mode. */
  readonly blockMode: BlockMode;
  /** Mines `count` blocks (the first takes the mempool). */
  mine(count?: number): BlockEvent[];
  /** Switches between instant, interval and manual block production. */
  setBlockMode(mode: 'instant' | 'manual' | number | BlockMode): void;
  /** An account, or `undefined`. */
  getAccount(address: Encoded<'ak'>): ChainAccount | undefined;
  /** The balance of an account (0 for an unknown one). */
  getBalance(address: Encoded<'ak'>): bigint;
  /** Credits an account (creating it): a faucet. */
  fund(address: Encoded<'ak'>, amount: bigint): void;
  /** A channel object, or `undefined`. */
  getChannel(id: Encoded<'ch'>): ChainChannel | undefined;
  /** Every channel object. */
  channels(): ChainChannel[];
  /** Txs waiting in the mempool. */
  mempool(): { hash: Encoded<'th'>; signedTx: Encoded<'tx'> }[];
  /** Posts a signed tx (e.g. a client's own close solo); resolves to its hash. */
  post(signedTx: Encoded<'tx'>): Promise<Encoded<'th'>>;
  /** Subscribes to blocks. */
  onBlock(listener: (event: BlockEvent) => void): () => void;
  /** The receipt (call object) of an included force progress tx (CONTRACTS.md §3.3), if any. */
  forceProgressReceipt(hash: Encoded<'th'>): ForceProgressReceipt | undefined;
  /**
   * The environment a channel contract sees when pinned to a key block (CONTRACTS.md §2.8):
   * height, time, beneficiary, difficulty, network id; the current top without a hash.
   */
  view(blockHash?: Encoded<'kh'>): ChainView;
  /**
   * The auth contract and function of a generalized account (PROTOCOL.md §2.9; set by a
   * posted `ga_attach` tx, tag 80), or `undefined` for a basic account.
   */
  gaOf(address: Encoded<'ak'>): GaAuth | undefined;
}

/** Runtime fault knobs. */
export interface DevnodeFaults {
  /** Drops (closes from the node side) every client socket of `role` in channel `channelId`. */
  dropClient(channelId: Encoded<'ch'>, role: Role): void;
  /** Delays every node → client frame by `ms` (0 turns it off). */
  setReplyDelay(ms: number): void;
  /**
   * Makes the FSM of `role` in `channelId` treat the next peer proposal as crossing an update
   * of its own: both clients get `channels.conflict` (§9.5).
   */
  conflictNextUpdate(channelId: Encoded<'ch'>, role: Role): void;
}

/** A running devnode. */
export interface Devnode {
  /** `ws://<host>:<port>/channel` (empty when `listen` is false). */
  readonly url: string;
  /** The network id signatures are checked against. */
  readonly networkId: string;
  /** The prefunded accounts. */
  readonly accounts: readonly DevnodeAccount[];
  /** The simulated chain. */
  readonly chain: DevnodeChain;
  /** Fault knobs. */
  readonly faults: DevnodeFaults;
  /**
   * Opens an in-process client connection without a socket; the returned transport behaves
   * like a WebSocket client of `url` (the query carries the §6.2/§6.3 parameters).
   * @param url - a `/channel` URL or just its query string
   */
  connect(url: string): Transport;
  /**
   * Resolves once the devnode has no queued work and no socket of a died FSM is waiting out
   * its short grace before it closes (useful in tests before mining by hand).
   */
  idle(): Promise<void>;
  /** Number of peer messages and mempool acknowledgements still waiting out `latencyMs`. */
  inFlight(): number;
  /** Info on an FSM: its state name and fsm id (by channel and role), for tests and tools. */
  inspect(channelId: Encoded<'ch'>, role: Role): { state: string; fsmId: Encoded<'ba'> } | undefined;
  /** Closes every socket and the server. */
  stop(): Promise<void>;
}

class Session implements ClientSession {
  static #next = 0;
  readonly id = (Session.#next += 1);
  closed = false;
  fsm: ChannelFsm | undefined;
  /** Frames of this client queued and not yet handled (inbound flow control). */
  pending = 0;
  /** What this client's costly frames cost the devnode and it has not paid back yet (read pacing). */
  readonly pace: PaceState = newPaceState(performance.now());
  /** Stops reading from the client while `pending` is at its limit; resumes below it. */
  flow: { pause(): void; resume(): void } | undefined;
  constructor(
    private readonly write: (message: JsonObject) => void,
    private readonly end: () => void,
    private readonly delay: () => number,
    private readonly clock: DevnodeClock,
  ) {}

  send(message: JsonObject): void {
    if (this.closed) return;
    const ms = this.delay();
    if (ms > 0) {
      this.clock.setTimeout(() => {
        if (!this.closed) this.write(message);
      }, ms);
    } else this.write(message);
  }

  close(): void {
    if (this.closed) return;
    const ms = this.delay();
    const finish = (): void => {
      this.closed = true;
      this.end();
    };
    if (ms > 0) this.clock.setTimeout(finish, ms);
    else finish();
  }
}

/** The part of a client's TCP socket the devnode uses to send a task's frames together. */
interface HeldSocket {
  cork(): void;
  uncork(): void;
}

const key = (channelId: Encoded<'ch'>, role: Role): string => `${channelId}:${role}`;

/** Defaults of the limits on client input (see {@link StartDevnodeOptions}). */
const DEFAULT_MAX_FRAME_BYTES = 256 * 1024;
const DEFAULT_MAX_BATCH_ITEMS = 100;
const DEFAULT_MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/**
 * How long (wall-clock ms) the socket of a client whose FSM died stays open: a stop the
 * client sends on reading `died` is still answered ok (§9.8), then the socket closes.
 */
const DIED_CLOSE_GRACE_MS = 100;
/** Frames of one client that may wait in the queue before the devnode stops reading it. */
const MAX_PENDING_FRAMES = 1;
function positiveInteger(value: number | undefined, option: string, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v <= 0) {
    throw new DevnodeError('DEVNODE_INVALID_OPTION', `${option} must be a positive integer.`, { context: { option } });
  }
  return v;
}

const toBlockMode = (blocks: StartDevnodeOptions['blocks']): BlockMode => {
  if (blocks === undefined || blocks === 'instant') return { mode: 'instant' };
  if (blocks === 'manual') return { mode: 'manual' };
  if (typeof blocks === 'number') {
    if (!(blocks > 0)) throw new DevnodeError('DEVNODE_INVALID_OPTION', 'Block interval must be > 0 ms.', { context: { option: 'blocks' } });
    return { mode: 'interval', ms: blocks };
  }
  return blocks;
};

class DevnodeImpl implements FsmHost {
  readonly chain: SimChain;
  readonly queue: EventQueue;
  readonly clock: DevnodeClock;
  readonly ids: IdSource;
  readonly networkId: string;
  readonly verifier: TransactionVerifier = createTransactionVerifier({ capacity: 8192 });
  readonly compat: CompatFlags;
  readonly createTxVersion: 1 | 2;
  readonly fateRules: FateRulesPreset;
  readonly registry = new PeerRegistry();
  readonly running = new Map<string, ChannelFsm>();
  readonly fsms = new Set<ChannelFsm>();
  readonly cache = new Map<string, CachedChannel>();
  readonly sessions = new Set<Session>();
  readonly injectedConflicts = new Set<string>();
  replyDelayMs: number;
  readonly latencyMs: number;
  readonly maxChannels: number;
  readonly maxFrameBytes: number;
  readonly maxBatchItems: number;
  readonly maxBufferedBytes: number;
  stopped = false;

  /** Timers armed on the devnode clock and not yet fired or cleared; `stop()` clears them. */
  readonly #timers = new Set<{ handle: unknown }>();

  constructor(options: StartDevnodeOptions) {
    this.clock = this.#trackTimers(options.clock ?? systemClock());
    this.networkId = options.networkId ?? 'ae_devnet';
    if (typeof options.compat === 'string' && !Object.hasOwn(compatPresets, options.compat)) {
      throw new DevnodeError('DEVNODE_INVALID_OPTION', `Unknown compat preset ${String(options.compat)}.`, { context: { option: 'compat' } });
    }
    this.compat = resolveCompat(options.compat);
    this.createTxVersion = (options.protocol ?? 'ceres') === 'iris' ? 1 : 2;
    this.fateRules = this.compat.earlyIrisContracts ? 'early-iris' : this.createTxVersion === 1 ? 'iris' : 'ceres';
    this.ids = new IdSource(options.seed ?? 'aechannel-devnode');
    const onError = options.onError ?? ((): void => undefined);
    this.reportError = onError;
    this.queue = new EventQueue(onError, () => this.flushHeld());
    this.replyDelayMs = options.faults?.replyDelayMs ?? 0;
    this.maxChannels = options.maxChannels ?? 1000;
    this.maxFrameBytes = positiveInteger(options.maxFrameBytes, 'maxFrameBytes', DEFAULT_MAX_FRAME_BYTES);
    this.maxBatchItems = positiveInteger(options.maxBatchItems, 'maxBatchItems', DEFAULT_MAX_BATCH_ITEMS);
    this.maxBufferedBytes = positiveInteger(options.maxBufferedBytes, 'maxBufferedBytes', DEFAULT_MAX_BUFFERED_BYTES);
    this.latencyMs = options.latencyMs ?? 0;
    if (!(this.latencyMs >= 0)) throw new DevnodeError('DEVNODE_INVALID_OPTION', 'latencyMs must be >= 0.', { context: { option: 'latencyMs' } });
    this.chain = new SimChain({
      networkId: this.networkId,
      queue: this.queue,
      clock: this.clock,
      ids: this.ids,
      blockMode: toBlockMode(options.blocks),
      later: (task) => this.later(task),
      fateRules: this.fateRules,
      protocol: this.createTxVersion === 1 ? 5 : 6,
      verifier: this.verifier,
    });
  }

  /** Wraps the clock so that every timer the devnode arms can be cleared on `stop()`. */
  #trackTimers(clock: DevnodeClock): DevnodeClock {
    const timers = this.#timers;
    return {
      now: () => clock.now(),
      setTimeout(callback, ms) {
        const slot = { handle: undefined as unknown };
        slot.handle = clock.setTimeout(() => {
          timers.delete(slot);
          callback();
        }, ms);
        timers.add(slot);
        return slot;
      },
      clearTimeout(handle) {
        const slot = handle as { handle: unknown } | undefined;
        if (slot === undefined || !timers.delete(slot)) return;
        clock.clearTimeout(slot.handle);
      },
    };
  }

  /** Releases every FSM and timer (the sockets are closed by `stop()`). */
  dispose(): void {
    this.chain.stop();
    for (const fsm of [...this.fsms, ...this.running.values()]) fsm.dispose();
    this.fsms.clear();
    this.running.clear();
    this.injectedConflicts.clear();
    for (const slot of [...this.#timers]) this.clock.clearTimeout(slot);
    for (const [timer, grace] of this.#graceTimers) {
      clearTimeout(timer);
      grace.end();
    }
    this.#graceTimers.clear();
    this.inFlight = 0;
  }

  // FsmHost ------------------------------------------------------------------------------

  channelKnown(fsm: ChannelFsm): void {
    const id = fsm.channelId;
    if (id !== undefined) this.running.set(key(id, fsm.role), fsm);
  }

  terminated(fsm: ChannelFsm, cache: CachedChannel | undefined): void {
    this.fsms.delete(fsm);
    const id = fsm.channelId;
    if (id !== undefined && this.running.get(key(id, fsm.role)) === fsm) this.running.delete(key(id, fsm.role));
    if (cache !== undefined) this.cache.set(key(cache.channelId, cache.role), cache);
  }

  /** Tasks waiting out the simulated latency. */
  inFlight = 0;

  later(task: () => void | Promise<void>): void {
    if (this.stopped) return;
    if (this.latencyMs === 0) {
      this.queue.enqueue(task, { followUp: true });
      return;
    }
    this.inFlight += 1;
    this.clock.setTimeout(() => {
      this.inFlight -= 1;
      this.queue.enqueue(task);
    }, this.latencyMs);
  }

  closeSession(session: ClientSession): void {
    this.queue.enqueue(() => (session as Session).close());
  }

  /** Wall-clock grace timers of {@link closeSessionAfterDied}, each with its end; `dispose()` clears them. */
  readonly #graceTimers = new Map<ReturnType<typeof setTimeout>, { ended: Promise<void>; end: () => void }>();

  closeSessionAfterDied(session: ClientSession): void {
    // Wall-clock time, as the read pacing: socket I/O, not protocol time (the devnode clock
    // may be a manual one that never advances).
    let end = (): void => {};
    const ended = new Promise<void>((resolve) => {
      end = resolve;
    });
    const timer = setTimeout(() => {
      this.#graceTimers.delete(timer);
      this.closeSession(session);
      end();
    }, DIED_CLOSE_GRACE_MS);
    timer.unref?.();
    this.#graceTimers.set(timer, { ended, end });
  }

  /** No queued work and no socket waiting out its grace after died. */
  async idle(): Promise<void> {
    for (;;) {
      await this.queue.idle();
      if (this.#graceTimers.size === 0) return;
      await Promise.all([...this.#graceTimers.values()].map((grace) => grace.ended));
    }
  }

  readonly reportError: (error: unknown) => void;

  takeInjectedConflict(fsm: ChannelFsm): boolean {
    const id = fsm.channelId;
    return id !== undefined && this.injectedConflicts.delete(key(id, fsm.role));
  }

  // Sessions ------------------------------------------------------------------------------

  /** Client sockets holding the frames written since the last flush (corked): true while a socket holds only replies. */
  readonly #held = new Map<HeldSocket, boolean>();

  /**
   * Holds a client socket's frames until the running task ends (or its follow-up, the
   * FSM's message to its peer, when that runs next), so the frames one task writes to a
   * client (a reply and the sign request after it, an info and the request after it) leave
   * in one write and wake the client once. The order of frames is unchanged. A write
   * outside the queue's work is sent on the next turn.
   * @param socket - the client's socket
   * @param replyOnly - the frame is the answer to the client's own request (no notification)
   */
  hold(socket: HeldSocket, replyOnly: boolean): void {
    const known = this.#held.get(socket);
    if (known !== undefined) {
      if (known && !replyOnly) this.#held.set(socket, false);
      return;
    }
    if (this.#held.size === 0 && !this.queue.busy) setImmediate(() => this.flushHeld());
    socket.cork();
    this.#held.set(socket, replyOnly);
  }

  /**
   * Sends what the held sockets hold, in the order they were held, except that a socket
   * holding only answers to its client's requests (the `ok` to a signed reply) goes after
   * the others: the peer's sign request, the next step of the round, does not wait for it.
   * Each socket's frames keep their order.
   */
  flushHeld(): void {
    if (this.#held.size === 0) return;
    for (const [socket, replyOnly] of this.#held) if (!replyOnly) socket.uncork();
    for (const [socket, replyOnly] of this.#held) if (replyOnly) socket.uncork();
    this.#held.clear();
  }

  newSession(write: (message: JsonObject) => void, end: () => void): Session {
    const session = new Session(write, end, () => this.replyDelayMs, this.clock);
    this.sessions.add(session);
    return session;
  }

  sessionClosed(session: Session): void {
    if (session.closed && !this.sessions.has(session)) return;
    session.closed = true;
    this.sessions.delete(session);
    this.queue.enqueue(() => session.fsm?.clientClosed(session));
  }

  /**
   * A frame arrived on a session: text from a socket (parsed when its turn comes, so the
   * parsing is scheduled like every other piece of work) or a value already parsed by an
   * in-process link. While a frame of a client waits in the queue the devnode stops
   * reading that client (`flow`), so a fast sender queues in its own socket, not in the
   * devnode, and every other client's frames take their turn in between.
   */
  frame(session: Session, frame: { text: string } | { value: JsonValue }): void {
    session.pending += 1;
    if (session.pending >= MAX_PENDING_FRAMES) session.flow?.pause();
    this.queue.enqueue(async () => {
      const started = performance.now();
      const startedCpu = process.cpuUsage();
      try {
        if (session.closed) return;
        let value: JsonValue;
        if ('text' in frame) {
          try {
            value = parseJson(frame.text);
          } catch (error) {
            this.#unreadable(session, error);
            return;
          }
        } else value = frame.value;
        await this.#handleValue(session, value);
      } finally {
        session.pending -= 1;
        const cpu = process.cpuUsage(startedCpu);
        this.#resumeReading(session, Math.min(performance.now() - started, (cpu.user + cpu.system) / 1000));
      }
    });
  }

  /**
   * Reads the client again once its frame is handled, or after the pause its frames bought
   * (`pacing.ts`: costly frames beyond a small burst, a fifth of the devnode's time at most). A
   * frame's cost is the lesser of its wall time and the process's CPU time over it, so a
   * devnode preempted by other processes on a busy machine does not charge its client for
   * it. The pause is wall-clock time: this is I/O pacing, not protocol time (the devnode clock
   * may be a manual one).
   */
  #resumeReading(session: Session, costMs: number): void {
    const pause = paceAfterFrame(session.pace, costMs, performance.now());
    if (session.pending >= MAX_PENDING_FRAMES || session.flow === undefined) return;
    const flow = session.flow;
    if (pause === 0 || this.stopped) {
      flow.resume();
      return;
    }
    session.pending += 1; // (the pause counts as a frame in flight)
    const timer = setTimeout(() => {
      session.pending -= 1;
      if (session.pending < MAX_PENDING_FRAMES) flow.resume();
    }, pause);
    timer.unref?.();
  }

  /**
   * A frame that could not be parsed: over a JSON limit (number length, nesting) it is
   * answered with -32000 (§8.8 "Invalid request"); anything else that is not JSON is
   * ignored (§7.1).
   */
  unreadable(session: Session, error: unknown): void {
    this.queue.enqueue(() => this.#unreadable(session, error));
  }

  #unreadable(session: Session, error: unknown): void {
    if (!isAechannelError(error, 'CODEC_JSON_LIMIT_EXCEEDED') || session.closed) return;
    session.fsm?.refuseFrame(session);
  }

  async #handleValue(session: Session, value: JsonValue): Promise<void> {
    const fsm = session.fsm;
    if (fsm === undefined || session.closed) return;
    if (Array.isArray(value) && value.length > this.maxBatchItems) {
      fsm.refuseFrame(session);
      return;
    }
    if (Array.isArray(value)) {
      // §6.1: a batch; the replies given while the batch runs are collected, then one goes
      // out as an object, several as an array. A reply given later (an item postponed until
      // the FSM is back in `open`, §9.4) goes out as a frame of its own when it is ready:
      // the batch's frame has been sent by then. An item that fails unexpectedly is
      // answered with -32603 (see `batchItem`) and the following items still run.
      const replies: JsonObject[] = [];
      let collecting = true;
      const reply = (m: JsonObject): void => {
        if (collecting) replies.push(m);
        else session.send(m);
      };
      try {
        for (const item of value) {
          const request = readRequest(item);
          if (request === undefined) continue;
          await fsm.handleRequest({ request, session, reply, batchItem: true });
        }
      } finally {
        collecting = false;
        if (replies.length === 1) session.send(replies[0] as JsonObject);
        else if (replies.length > 1) session.send(replies as unknown as JsonObject);
      }
      return;
    }
    const request = readRequest(value);
    if (request === undefined) return;
    const ctx: RequestContext = { request, session, reply: (m) => session.send(m) };
    await fsm.handleRequest(ctx);
  }

  /** A client connected with `query`; decide per §6.4 and start or attach the FSM. */
  accept(session: Session, query: URLSearchParams): void {
    const parsed = parseChannelParams(query);
    if (parsed.outcome === 'silent-close') {
      session.close();
      return;
    }
    const refuse = (error: RpcError): void => {
      session.send(errorReply(null, null, error, {}));
      this.closeSession(session);
    };
    if (parsed.outcome === 'error') {
      refuse(parsed.error);
      return;
    }
    const params = parsed.params;
    if (params.kind === 'reconnect') {
      this.#reconnect(session, params, refuse);
      return;
    }
    if (this.fsms.size >= this.maxChannels * 2) {
      refuse(internalError());
      return;
    }
    const known = (id: Encoded<'ak'> | 'any'): boolean => id === 'any' || this.chain.getAccount(id) !== undefined;
    if (!known(params.initiatorId) || !known(params.responderId)) {
      refuse(rejected(1011));
      return;
    }
    const fsm = new ChannelFsm(this, params.role, this.#config(params), session);
    session.fsm = fsm;
    this.fsms.add(fsm);
    fsm.start();
  }

  #config(params: OpenParams): ChannelConfig {
    return {
      initiatorId: params.initiatorId === 'any' ? undefined : params.initiatorId,
      responderId: params.responderId,
      initiatorAmount: params.initiatorAmount,
      responderAmount: params.responderAmount,
      pushAmount: params.pushAmount,
      channelReserve: params.channelReserve,
      lockPeriod: params.lockPeriod,
      ttl: params.ttl ?? 0n,
      createFee: params.fee,
      createGasPrice: params.gasPrice,
      createNonce: params.nonce,
      ...this.#commonConfig(params),
    };
  }

  #commonConfig(params: OpenParams | ReconnectParams): Pick<
    ChannelConfig,
    | 'minimumDepthStrategy'
    | 'minimumDepth'
    | 'port'
    | 'timeouts'
    | 'report'
    | 'keepRunning'
    | 'msgForwarding'
    | 'logKeep'
    | 'bhDeltaNotNewerThan'
    | 'bhDeltaNotOlderThan'
    | 'bhDeltaPick'
  > {
    return {
      minimumDepthStrategy: params.minimumDepthStrategy,
      minimumDepth: params.minimumDepth,
      port: params.port,
      timeouts: params.timeouts,
      report: params.report,
      keepRunning: params.role === 'responder' ? params.keepRunning : false,
      msgForwarding: params.msgForwarding,
      logKeep: params.logKeep,
      bhDeltaNotNewerThan: params.bhDeltaNotNewerThan,
      bhDeltaNotOlderThan: params.bhDeltaNotOlderThan,
      bhDeltaPick: params.bhDeltaPick,
    };
  }

  #reconnect(session: Session, params: ReconnectParams, refuse: (error: RpcError) => void): void {
    const k = key(params.existingChannelId, params.role);
    const sameId = (a: Uint8Array): boolean => a.length === params.existingFsmId.length && a.every((x, i) => x === params.existingFsmId[i]);
    const running = this.running.get(k);
    if (running !== undefined && !running.terminated) {
      // §6.3 case 1: reconnect to the running FSM; the fsm id does not change.
      if (!sameId(running.fsmId)) {
        refuse(rejected(1016));
        return;
      }
      session.fsm = running;
      running.attach(session);
      return;
    }
    const cached = this.cache.get(k);
    if (cached === undefined || !sameId(cached.fsmId)) {
      refuse(rejected(1016));
      return;
    }
    // §6.3 case 2: reestablish from the cache with a new fsm id (the old one is invalidated).
    this.cache.delete(k);
    const config: ChannelConfig = { ...cached.config, ...this.#commonConfig(params) };
    if (params.minimumDepth === undefined && params.minimumDepthStrategy === undefined) {
      config.minimumDepth = cached.config.minimumDepth;
      config.minimumDepthStrategy = cached.config.minimumDepthStrategy;
    }
    const fsm = new ChannelFsm(this, params.role, config, session, { channelId: cached.channelId, latest: cached.latest, calls: cached.calls });
    session.fsm = fsm;
    this.fsms.add(fsm);
    fsm.start();
  }
}

/**
 * Starts a devnode: a WebSocket server on `/channel` speaking the node side of the channel
 * JSON-RPC API (PROTOCOL.md §6–§10), backed by a simulated chain with prefunded accounts.
 * @param options - see {@link StartDevnodeOptions}
 * @returns the running devnode
 * @throws {DevnodeError} `DEVNODE_INVALID_OPTION` for a bad option, `DEVNODE_LISTEN_FAILED`
 *   when the port cannot be bound
 * @example
 * import { startDevnode } from '@aechannel/devnode';
 * const devnode = await startDevnode({ port: 0 });
 * console.log(devnode.url, devnode.accounts[0].address);
 * await devnode.stop();
 */
export async function startDevnode(options: StartDevnodeOptions = {}): Promise<Devnode> {
  const count = options.accounts ?? 10;
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new DevnodeError('DEVNODE_INVALID_OPTION', 'accounts must be a non-negative integer.', { context: { option: 'accounts' } });
  }
  const balance = options.balance ?? 10n ** 24n;
  if (typeof balance !== 'bigint' || balance < 0n) {
    throw new DevnodeError('DEVNODE_INVALID_OPTION', 'balance must be a non-negative bigint.', { context: { option: 'balance' } });
  }
  const impl = new DevnodeImpl(options);
  const seed = options.seed ?? 'aechannel-devnode';
  const accounts = Array.from({ length: count }, (_, i) => deriveAccount(seed, i));
  for (const account of accounts) impl.chain.fund(account.address, balance);

  const host = options.host ?? '127.0.0.1';
  let url = '';
  let server: Server | undefined;
  let wss: WebSocketServer | undefined;
  const sockets = new Set<WebSocket>();
  if (options.listen !== false) {
    server = createServer((_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"reason":"The devnode serves only the channel WebSocket API at /channel"}');
    });
    // maxPayload: `ws` refuses a larger frame at its header and closes with 1009.
    wss = new WebSocketServer({ noServer: true, maxPayload: impl.maxFrameBytes });
    server.on('upgrade', (req, socket, head) => {
      const requestUrl = new URL(req.url ?? '/', 'ws://localhost');
      if (requestUrl.pathname !== '/channel' || impl.stopped) {
        socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
        return;
      }
      wss?.handleUpgrade(req, socket, head, (ws) => {
        sockets.add(ws);
        const session = impl.newSession(
          (message) => {
            if (ws.readyState !== ws.OPEN) return;
            impl.hold(socket, 'id' in message && !('method' in message));
            ws.send(stringifyJson(message));
            // A client that does not read: drop it once its replies pile up (README).
            if (ws.bufferedAmount > impl.maxBufferedBytes) ws.terminate();
          },
          () => ws.close(),
        );
        session.flow = { pause: () => ws.pause(), resume: () => ws.resume() };
        ws.on('message', (data, isBinary) => {
          if (isBinary) return; // §6.1: text frames only
          impl.frame(session, { text: data.toString() });
        });
        ws.on('close', () => {
          sockets.delete(ws);
          impl.sessionClosed(session);
        });
        ws.on('error', () => undefined);
        impl.queue.enqueue(() => impl.accept(session, requestUrl.searchParams));
      });
    });
    const port = options.port ?? 3014;
    await new Promise<void>((resolve, reject) => {
      const onError = (cause: unknown): void =>
        reject(new DevnodeError('DEVNODE_LISTEN_FAILED', `Cannot listen on ${host}:${port}.`, { cause, context: { host, port } }));
      server?.once('error', onError);
      server?.listen(port, host, () => {
        server?.off('error', onError);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    url = `ws://${host}:${address.port}/channel`;
  }

  const chain: DevnodeChain = {
    get height() {
      return impl.chain.height;
    },
    get blockMode() {
      return impl.chain.blockMode;
    },
    mine: (n = 1) => impl.chain.mine(n),
    setBlockMode: (mode) => impl.chain.setBlockMode(toBlockMode(mode)),
    getAccount: (address) => impl.chain.getAccount(address),
    getBalance: (address) => impl.chain.getAccount(address)?.balance ?? 0n,
    fund: (address, amount) => impl.chain.fund(address, amount),
    getChannel: (id) => impl.chain.getChannel(id),
    channels: () => impl.chain.channels(),
    mempool: () => impl.chain.mempool().map(({ hash, signedTx }) => ({ hash, signedTx })),
    post: (signedTx) => impl.chain.post(signedTx),
    onBlock: (listener) => impl.chain.onBlock(listener),
    forceProgressReceipt: (hash) => impl.chain.forceProgressReceipt(hash),
    view: (blockHash) => impl.chain.view(blockHash),
    gaOf: (address) => impl.chain.gaOf(address),
  };

  const faults: DevnodeFaults = {
    dropClient(channelId, role) {
      const fsm = impl.running.get(key(channelId, role));
      const client = fsm?.client as Session | undefined;
      if (client !== undefined) client.close();
    },
    setReplyDelay(ms) {
      impl.replyDelayMs = ms;
    },
    conflictNextUpdate(channelId, role) {
      impl.injectedConflicts.add(key(channelId, role));
    },
  };

  return {
    url,
    networkId: impl.networkId,
    accounts,
    chain,
    faults,
    connect(target: string): Transport {
      if (impl.stopped) throw new DevnodeError('DEVNODE_STOPPED', 'The devnode was stopped.');
      let query: URLSearchParams;
      try {
        const parsed = new URL(target.includes('://') ? target : `ws://localhost/channel?${target.replace(/^\?/, '')}`);
        if (parsed.pathname !== '/channel') throw new Error('path');
        query = parsed.searchParams;
      } catch (cause) {
        throw new DevnodeError('DEVNODE_INVALID_URL', `Not a /channel URL: ${target}`, { cause, context: { url: target } });
      }
      const pair = createMemoryTransportPair({ maxFrameBytes: { server: impl.maxFrameBytes } });
      const session = impl.newSession(
        (message) => {
          if (pair.server.readyState === 'open') pair.server.send(message as JsonValue);
        },
        () => pair.server.close(),
      );
      pair.server.on('message', (value) => impl.frame(session, { value }));
      pair.server.on('error', (error) => impl.unreadable(session, error.cause));
      pair.server.on('close', () => impl.sessionClosed(session));
      void pair.server.opened.then(
        () => impl.queue.enqueue(() => impl.accept(session, query)),
        () => impl.sessionClosed(session),
      );
      return pair.client;
    },
    idle: () => impl.idle(),
    inFlight: () => impl.inFlight,
    inspect(channelId, role) {
      const fsm = impl.running.get(key(channelId, role));
      return fsm === undefined ? undefined : { state: fsm.state, fsmId: fsm.fsmIdEncoded };
    },
    async stop() {
      if (impl.stopped) return;
      impl.stopped = true;
      impl.replyDelayMs = 0; // close at once, not after the reply delay
      for (const session of [...impl.sessions]) session.close();
      impl.dispose();
      for (const ws of sockets) ws.terminate();
      wss?.close();
      if (server !== undefined) {
        const s = server;
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    },
  };
}
