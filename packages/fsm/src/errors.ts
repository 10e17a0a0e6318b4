/**
 * Error codes of `@aechannel/fsm`. Every command settles either with a result or with an
 * `AechannelError` carrying one of these codes; `security` and `error` events carry them
 * too. Codes are never renamed.
 *
 * Errors are created only inside effects: the state never holds an error instance (it
 * stays plain data).
 */
import { AechannelError } from '@aechannel/codec';

/** The stable error codes of this package. */
export const FsmErrorCode = {
  /** The command is not allowed in the current phase (h11's LocalProtocolError). */
  COMMAND_NOT_ALLOWED: 'FSM_COMMAND_NOT_ALLOWED',
  /** The command's parameters are invalid (amount ≤ 0, unknown party, over the balance...). */
  INVALID_COMMAND: 'FSM_INVALID_COMMAND',
  /** Off-chain contracts (and other unsupported features). */
  NOT_SUPPORTED: 'FSM_NOT_SUPPORTED',
  /** The socket closed while the command was pending. */
  CONNECTION_CLOSED: 'FSM_CONNECTION_CLOSED',
  /** The node fsm died while the command was pending. */
  CHANNEL_DIED: 'FSM_CHANNEL_DIED',
  /** The node reported a conflict: the pending operation is void (§9.5). */
  CONFLICT: 'FSM_CONFLICT',
  /** The operation was aborted after the signer/user refused to sign (§9.6). */
  SIGN_REFUSED: 'FSM_SIGN_REFUSED',
  /** The node's sign request did not match what we asked for / know: refused (RemoteProtocolError). */
  SIGN_REQUEST_REJECTED: 'FSM_SIGN_REQUEST_REJECTED',
  /** The signer returned a different tx than the one it was asked to sign. */
  SIGNER_MISMATCH: 'FSM_SIGNER_MISMATCH',
  /** The node answered a request with a JSON-RPC error (code, message and data kept). */
  NODE_ERROR: 'FSM_NODE_ERROR',
  /** The node rejected the connection (open-time errors, reconnect 2000/1016, §6.4). */
  CONNECTION_REJECTED: 'FSM_CONNECTION_REJECTED',
  /** A client-side timer expired. */
  TIMEOUT: 'FSM_TIMEOUT',
  /** A node message could not be understood. */
  INVALID_NODE_MESSAGE: 'FSM_INVALID_NODE_MESSAGE',
  /** The peer disconnected while the operation was pending (keep_running responder). */
  PEER_DISCONNECTED: 'FSM_PEER_DISCONNECTED',
  /** `deserializeState` got something that is not a serialized state. */
  INVALID_STATE: 'FSM_INVALID_STATE',
  /** A bug: an exception escaped a handler. The state was left unchanged. */
  INTERNAL: 'FSM_INTERNAL_ERROR',
} as const;

/** One of {@link FsmErrorCode}. */
export type FsmErrorCode = (typeof FsmErrorCode)[keyof typeof FsmErrorCode];

/**
 * Creates an fsm error.
 * @param code - one of {@link FsmErrorCode}
 * @param message - one-line summary
 * @param context - structured facts (JSON-like)
 * @returns the error (never thrown by the fsm; carried in effects)
 * @example fsmError('FSM_COMMAND_NOT_ALLOWED', 'transfer is not allowed while opening', { phase: 'opening' })
 */
export function fsmError(code: FsmErrorCode, message: string, context: Record<string, unknown> = {}, details?: string): AechannelError {
  return new AechannelError(code, message, { context, details });
}
