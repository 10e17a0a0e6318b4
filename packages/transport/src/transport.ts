/**
 * The `Transport` contract (architecture.md, "@aechannel/transport").
 *
 * A transport carries already-parsed JSON values between a client and a node: `send`
 * writes one value as one text frame (bigint-safe, PROTOCOL.md §1.3 and §6.1), and every
 * incoming frame is parsed bigint-safe and delivered as a `message` event and through the
 * async iterator.
 *
 * Lifecycle: a transport starts connecting as soon as it is created (like a WebSocket);
 * there is no separate `connect` call. `readyState` moves
 * `connecting -> open -> closing -> closed` (or `connecting -> closed` when the link
 * never opens). `open` fires at most once, `close` exactly once, always asynchronously,
 * so listeners attached right after creation see every event. `opened` resolves on open
 * and rejects (`TRANSPORT_CONNECT_FAILED` or `TRANSPORT_ABORTED`) when the link closes
 * first; `closed` always resolves with the close event.
 *
 * Errors never throw out of the event machinery: a frame that is not JSON or a listener
 * that throws becomes an `error` event and the transport keeps working. A frame over the
 * transport's `maxFrameBytes` is refused (`TRANSPORT_FRAME_TOO_LARGE`) and the link is
 * closed with 1009: the message is lost, so going on would hide that. Nobody listening to
 * `error` is fine (unlike Node's EventEmitter).
 */
import type { JsonValue } from '@aechannel/codec';
import type { TransportError } from './errors.js';

/** Where a transport is in its lifecycle. */
export type TransportReadyState = 'connecting' | 'open' | 'closing' | 'closed';

/** What a `close` event reports (the fields of a WebSocket `CloseEvent`). */
export interface TransportCloseEvent {
  /** WebSocket close code: 1000 normal, 1006 abnormal (no close frame), 4000-4999 application. */
  code: number;
  /** Close reason text (may be empty). */
  reason: string;
  /** `true` when the closing handshake completed; `false` when the link was lost. */
  wasClean: boolean;
}

/** The events every transport emits, with their payloads. */
export interface TransportEvents {
  /** The link is open; `send` works from now on. */
  open: undefined;
  /** One incoming frame, parsed bigint-safe. */
  message: JsonValue;
  /** The link is closed; fired exactly once, last. */
  close: TransportCloseEvent;
  /** A problem that did not (by itself) close the link, or that explains a close. */
  error: TransportError;
}

/** A listener for event `K` of event map `E`. */
export type TransportListener<E, K extends keyof E> = (payload: E[K]) => void;

/** Options of {@link Transport.messages}. */
export interface TransportMessagesOptions {
  /** Ends the iteration: a pending `next()` rejects with `TRANSPORT_ABORTED`. */
  signal?: AbortSignal | undefined;
}

/**
 * A bidirectional link carrying JSON values, with events and an async iterator.
 * Factories: `webSocketTransport`, `createMemoryTransportPair`, `replayTransport`;
 * wrappers: `withKeepalive`, `withReconnect`.
 */
export interface Transport<E extends TransportEvents = TransportEvents> {
  /** Current lifecycle state. */
  readonly readyState: TransportReadyState;
  /** Resolves when the link opens; rejects with `TRANSPORT_CONNECT_FAILED` / `TRANSPORT_ABORTED` when it closes first. */
  readonly opened: Promise<void>;
  /** Resolves with the close event once the link is closed. Never rejects. */
  readonly closed: Promise<TransportCloseEvent>;
  /**
   * Sends one JSON value as one text frame (integers as `bigint` are written exactly).
   * @throws {AechannelError} `TRANSPORT_NOT_OPEN` unless `readyState` is `open`;
   *   `TRANSPORT_INVALID_MESSAGE` when the value cannot be written as JSON
   */
  send(message: JsonValue): void;
  /**
   * Subscribes to an event.
   * @returns a function that removes the listener (calling it twice is harmless)
   */
  on<K extends keyof E>(event: K, listener: TransportListener<E, K>): () => void;
  /**
   * Starts the closing handshake. Does nothing when already closing or closed.
   * @param code - 1000 (default) or 3000-4999
   * @param reason - at most 123 bytes of UTF-8
   * @throws {AechannelError} `TRANSPORT_INVALID_OPTIONS` for any other code or a longer reason
   */
  close(code?: number, reason?: string): void;
  /** Drops the link at once without a closing handshake; the close event has code 1006 and `wasClean: false`. */
  terminate(): void;
  /**
   * An async iterator over incoming messages, from the moment it is created until the
   * transport closes (the iteration then ends after the buffered messages). Each call
   * returns an independent iterator with its own (unbounded) buffer.
   */
  messages(options?: TransportMessagesOptions): AsyncIterableIterator<JsonValue>;
  /** Same as `messages()`. */
  [Symbol.asyncIterator](): AsyncIterableIterator<JsonValue>;
}

/**
 * Default largest incoming frame of a client transport: 4 MiB. The node's largest
 * messages (an off-chain state with contract trees, a sign request carrying contract
 * code) are far below it; the recorded traffic stays under 3 KB a frame. A larger frame is
 * refused and the link closed with 1009.
 */
export const DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024;
