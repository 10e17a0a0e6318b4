/**
 * Error codes of `@aechannel/transport` and the helper that builds them.
 *
 * Every failure is an {@link AechannelError} with a stable `TRANSPORT_*` code. Problems
 * with incoming data (a frame that is not JSON, a JSON value that is not JSON-RPC, a
 * response nobody asked for, an oversized frame) are *reported* as `error` events and
 * never thrown into user code; only local misuse (bad parameters, `send` on a closed
 * transport) throws, synchronously, at the call that made the mistake.
 */
import { AechannelError, type AechannelErrorOptions } from '@aechannel/codec';

/** Every error code this package reports. Codes are never renamed. */
export type TransportErrorCode =
  /** A channel URL parameter is missing or ill-typed (context: `parameter`, `key`, `reason`). */
  | 'TRANSPORT_INVALID_PARAMS'
  /** A URL cannot be parsed or used (context: `url`). */
  | 'TRANSPORT_INVALID_URL'
  /** An option of a factory or wrapper is out of range (context: `option`). */
  | 'TRANSPORT_INVALID_OPTIONS'
  /** `send` was called while the transport is not open (context: `readyState`). */
  | 'TRANSPORT_NOT_OPEN'
  /** The value given to `send` cannot be written as JSON. */
  | 'TRANSPORT_INVALID_MESSAGE'
  /** The link closed before it opened (context: `code`, `reason`, `wasClean`). */
  | 'TRANSPORT_CONNECT_FAILED'
  /** The socket reported an error (the cause holds what the platform gave). */
  | 'TRANSPORT_SOCKET_ERROR'
  /** An incoming frame is not JSON (context: `length`). */
  | 'TRANSPORT_INVALID_JSON'
  /** An incoming frame is larger than `maxFrameBytes`; the link closes with 1009 (context: `size`, undefined when refused at the header, `limit`). */
  | 'TRANSPORT_FRAME_TOO_LARGE'
  /** A listener threw; the exception is the cause (context: `event`). */
  | 'TRANSPORT_LISTENER_FAILED'
  /** No WebSocket implementation is available in this runtime. */
  | 'TRANSPORT_WEBSOCKET_UNAVAILABLE'
  /** The operation was aborted through an `AbortSignal` (cause: the signal's reason). */
  | 'TRANSPORT_ABORTED'
  /** The transport closed while a request was pending (context: the close event). */
  | 'TRANSPORT_CLOSED'
  /** A JSON value is not a JSON-RPC 2.0 message (context: `message`). */
  | 'TRANSPORT_INVALID_RPC_MESSAGE'
  /** A JSON-RPC response carries an id no pending request has (context: `id`, `message`). */
  | 'TRANSPORT_RPC_UNKNOWN_ID'
  /** The node answered with a JSON-RPC error object (see {@link JsonRpcError}). */
  | 'TRANSPORT_RPC_ERROR'
  /** A JSON-RPC request got no response in time (context: `method`, `id`, `timeoutMs`). */
  | 'TRANSPORT_RPC_TIMEOUT'
  /** No frame arrived within the keepalive timeout (context: `timeoutMs`). */
  | 'TRANSPORT_PONG_TIMEOUT'
  /** The reconnect policy gave up (context: `attempts`, `lastClose`). */
  | 'TRANSPORT_RECONNECT_FAILED'
  /** A replayed connection received a client message the recording does not have. */
  | 'TRANSPORT_REPLAY_UNEXPECTED_SEND';

/** An error reported or thrown by this package. */
export type TransportError = AechannelError<TransportErrorCode>;

/** Builds a {@link TransportError}. */
export function transportError<C extends object = Record<string, unknown>>(
  code: TransportErrorCode,
  shortMessage: string,
  options: AechannelErrorOptions<C> = {},
): AechannelError<TransportErrorCode, C> {
  return new AechannelError<TransportErrorCode, C>(code, shortMessage, options);
}

/** The error used when an `AbortSignal` ends an operation. */
export function abortedError(signal: AbortSignal, what: string): TransportError {
  return transportError('TRANSPORT_ABORTED', `${what} was aborted.`, { cause: signal.reason });
}
