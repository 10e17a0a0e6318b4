/**
 * Two connected in-memory transports, for tests and for embedding a node in-process
 * (STYLE.md: quinn's `Pair`).
 *
 * Each frame is written as JSON text by the sender and parsed by the receiver, exactly as
 * over a socket, so bigint handling, frame limits and malformed-frame reporting behave
 * the same. Delivery is asynchronous (one microtask) and ordered per direction. The
 * {@link MemoryLink} can hold, delay, drop or inject frames and cut the link.
 */
import { type JsonValue } from '@aechannel/codec';
import { createTransportCore, encodeFrame, type TransportCore } from './createTransportCore.js';
import { transportError } from './errors.js';
import { DEFAULT_MAX_FRAME_BYTES, type Transport, type TransportCloseEvent, type TransportEvents } from './transport.js';

/** Direction of a frame on the link. */
export type LinkDirection = 'clientToServer' | 'serverToClient';

/** A frame on the link, as hooks see it. */
export interface LinkFrame {
  direction: LinkDirection;
  /** The JSON text on the wire. */
  text: string;
}

/** Controls of the simulated link between the two ends. */
export interface MemoryLink {
  /** Queues frames (both directions, or one) until {@link MemoryLink.release}. The closing handshake queues behind them. */
  hold(direction?: LinkDirection): void;
  /** Delivers held frames in order and stops holding. */
  release(direction?: LinkDirection): void;
  /** Adds latency to frames sent from now on (timer-based; order is kept). */
  delay(ms: number, direction?: LinkDirection): void;
  /**
   * Drops frames for which `predicate` returns true (checked when sent).
   * @returns a function that removes the rule
   */
  drop(predicate: (frame: LinkFrame) => boolean): () => void;
  /** Delivers raw text (e.g. malformed JSON) as if the other end had sent it. */
  inject(direction: LinkDirection, text: string): void;
  /** Loses the link abruptly: both ends close with 1006, `wasClean: false`; frames in flight are lost. */
  cut(): void;
  /** Frames currently queued (held or in flight), per direction. */
  readonly queued: Readonly<Record<LinkDirection, number>>;
  /** Frames dropped by {@link MemoryLink.drop} rules so far. */
  readonly dropped: number;
}

/** Options of {@link createMemoryTransportPair}. */
export interface MemoryTransportPairOptions {
  /**
   * Largest frame each end accepts (default {@link DEFAULT_MAX_FRAME_BYTES}), the same for
   * both or per end (`{ client, server }`, e.g. a node's own limit on the server end). A
   * larger frame is refused as a socket refuses it: `TRANSPORT_FRAME_TOO_LARGE` at the
   * receiving end, then the link closes with 1009.
   */
  maxFrameBytes?: number | { client?: number | undefined; server?: number | undefined } | undefined;
  /** Aborting closes the pair (the client end closes with 1000, `aborted`). */
  signal?: AbortSignal | undefined;
  /** Timer used by {@link MemoryLink.delay} (injectable for tests). */
  setTimeout?: ((callback: () => void, ms: number) => unknown) | undefined;
}

/** The two ends and the link between them. */
export interface MemoryTransportPair {
  /** The client's end. */
  client: Transport;
  /** The node's (server's) end. */
  server: Transport;
  /** Link controls. */
  link: MemoryLink;
}

/** What {@link createMemoryTransportPair} returns. */
export type CreateMemoryTransportPairReturnType = MemoryTransportPair;

/** Errors {@link createMemoryTransportPair} throws or its ends report. */
export type CreateMemoryTransportPairErrorType =
  | 'TRANSPORT_INVALID_OPTIONS'
  | 'TRANSPORT_INVALID_JSON'
  | 'TRANSPORT_FRAME_TOO_LARGE'
  | 'TRANSPORT_NOT_OPEN'
  | 'TRANSPORT_CONNECT_FAILED';

type QueueItem = { kind: 'frame'; text: string; ready: boolean } | { kind: 'close'; event: TransportCloseEvent; ready: boolean };

/**
 * Creates two connected transports. Both open on the next microtask.
 * @param options - frame limit, abort signal, timer for delays
 * @returns `{ client, server, link }`
 * @throws {AechannelError} `TRANSPORT_INVALID_OPTIONS` for a bad `maxFrameBytes` (context `end`)
 * @example
 * const { client, server } = createMemoryTransportPair();
 * server.on('message', (request) => server.send({ jsonrpc: '2.0', id: 1n, result: 'ok' }));
 * await client.opened;
 * client.send({ jsonrpc: '2.0', id: 1n, method: 'channels.leave', params: {} });
 */
export function createMemoryTransportPair(options: MemoryTransportPairOptions = {}): MemoryTransportPair {
  const limits = typeof options.maxFrameBytes === 'object' ? options.maxFrameBytes : { client: options.maxFrameBytes, server: options.maxFrameBytes };
  const limitOf = (end: 'client' | 'server'): number => {
    const value = limits[end] ?? DEFAULT_MAX_FRAME_BYTES;
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw transportError('TRANSPORT_INVALID_OPTIONS', 'maxFrameBytes must be a positive integer.', {
        context: { option: 'maxFrameBytes', end, value },
      });
    }
    return value;
  };
  /** The limit of the end that receives frames going in `direction`. */
  const maxFrameBytes: Record<LinkDirection, number> = { clientToServer: limitOf('server'), serverToClient: limitOf('client') };
  const setTimer = options.setTimeout ?? ((callback: () => void, ms: number) => setTimeout(callback, ms));
  const directions: LinkDirection[] = ['clientToServer', 'serverToClient'];
  const queues: Record<LinkDirection, QueueItem[]> = { clientToServer: [], serverToClient: [] };
  const held: Record<LinkDirection, boolean> = { clientToServer: false, serverToClient: false };
  const latency: Record<LinkDirection, number> = { clientToServer: 0, serverToClient: 0 };
  const dropRules = new Set<(frame: LinkFrame) => boolean>();
  let dropped = 0;
  let down = false;

  const receiverOf = (direction: LinkDirection): TransportCore<TransportEvents> =>
    direction === 'clientToServer' ? server : client;
  const senderOf = (direction: LinkDirection): TransportCore<TransportEvents> =>
    direction === 'clientToServer' ? client : server;

  function pump(direction: LinkDirection): void {
    const queue = queues[direction];
    while (!down && !held[direction] && queue.length > 0 && queue[0]!.ready) {
      const item = queue.shift()!;
      if (item.kind === 'frame') receiverOf(direction).frame(item.text, maxFrameBytes[direction]);
      else {
        // The close frame reached the other end: both ends are now closed, cleanly.
        down = true;
        queues.clientToServer.length = 0;
        queues.serverToClient.length = 0;
        receiverOf(direction).closed(item.event);
        senderOf(direction).closed(item.event);
      }
    }
  }

  function enqueue(direction: LinkDirection, item: QueueItem): void {
    if (down) return;
    queues[direction].push(item);
    const ms = latency[direction];
    const ready = (): void => {
      item.ready = true;
      pump(direction);
    };
    if (ms > 0) setTimer(ready, ms);
    else queueMicrotask(ready);
  }

  function sendText(direction: LinkDirection, text: string): void {
    for (const rule of dropRules) {
      if (rule({ direction, text })) {
        dropped += 1;
        return;
      }
    }
    enqueue(direction, { kind: 'frame', text, ready: false });
  }

  function lose(): void {
    if (down) return;
    down = true;
    queues.clientToServer.length = 0;
    queues.serverToClient.length = 0;
    queueMicrotask(() => {
      const event = { code: 1006, reason: '', wasClean: false };
      client.closed(event);
      server.closed(event);
    });
  }

  const makeEnd = (direction: LinkDirection, signal?: AbortSignal): TransportCore<TransportEvents> =>
    createTransportCore(
      {
        send(message: JsonValue) {
          sendText(direction, encodeFrame(message));
        },
        close(code, reason) {
          enqueue(direction, { kind: 'close', event: { code, reason, wasClean: true }, ready: false });
        },
        terminate: lose,
      },
      { signal },
    );
  const client = makeEnd('clientToServer', options.signal);
  const server = makeEnd('serverToClient');

  queueMicrotask(() => {
    if (down) return;
    client.open();
    server.open();
  });

  const link: MemoryLink = {
    hold(direction) {
      for (const d of direction === undefined ? directions : [direction]) held[d] = true;
    },
    release(direction) {
      for (const d of direction === undefined ? directions : [direction]) {
        held[d] = false;
        pump(d);
      }
    },
    delay(ms, direction) {
      if (!(ms >= 0) || !Number.isFinite(ms)) {
        throw transportError('TRANSPORT_INVALID_OPTIONS', 'A delay must be a finite number of milliseconds >= 0.', {
          context: { option: 'ms', value: ms },
        });
      }
      for (const d of direction === undefined ? directions : [direction]) latency[d] = ms;
    },
    drop(predicate) {
      dropRules.add(predicate);
      return () => {
        dropRules.delete(predicate);
      };
    },
    inject(direction, text) {
      enqueue(direction, { kind: 'frame', text, ready: false });
    },
    cut: lose,
    get queued() {
      return { clientToServer: queues.clientToServer.length, serverToClient: queues.serverToClient.length };
    },
    get dropped() {
      return dropped;
    },
  };

  return { client: client.transport, server: server.transport, link };
}
