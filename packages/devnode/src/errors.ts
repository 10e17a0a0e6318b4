/**
 * Errors the devnode throws to its *host* (the program embedding it). Errors it sends to
 * *clients* are JSON-RPC error objects (see `rpc.ts`), never exceptions.
 */
import { AechannelError } from '@aechannel/codec';

/** Stable codes of {@link DevnodeError}. Never renamed. */
export type DevnodeErrorCode =
  /** An option of `startDevnode` is invalid (context: `option`). */
  | 'DEVNODE_INVALID_OPTION'
  /** The simulated chain refused a transaction (context: `reason`). */
  | 'DEVNODE_TX_REJECTED'
  /** An address is not an account of the simulated chain. */
  | 'DEVNODE_UNKNOWN_ACCOUNT'
  /** The server could not listen (context: `host`, `port`). */
  | 'DEVNODE_LISTEN_FAILED'
  /** The devnode was stopped. */
  | 'DEVNODE_STOPPED'
  /** A URL given to `connect` is not a `/channel` URL. */
  | 'DEVNODE_INVALID_URL';

/** An error of the devnode host API. */
export class DevnodeError extends AechannelError<DevnodeErrorCode> {
  override name = 'DevnodeError';
}
