/**
 * The typed errors of the `aechannel` package.
 *
 * Every failure a user can see is a {@link ChannelError}: an `AechannelError` (codec) with
 * a stable `CHANNEL_*` code and typed context. Errors the node reported keep the node's
 * JSON-RPC code, message and data (PROTOCOL.md §7.1, §8.8): `context.nodeCode` is the
 * top-level code (e.g. `3`), `context.nodeMessage` its message (`"Rejected"`) and
 * `context.nodeData` the list of `{ code, message }` details (e.g. `1001 Insufficient
 * balance`). Conflicts (§8.6) carry the conflict code, message and the round the channel
 * fell back to.
 *
 * Check errors with {@link isChannelError}`(error, 'CHANNEL_NODE_ERROR')` (or codec's
 * `isAechannelError` for any package's errors), which compares names and codes, so it works
 * across copies of the package.
 */
import { AechannelError, isAechannelError, type AechannelErrorOptions } from '@aechannel/codec';

/** Every error code of the `aechannel` package. Codes are never renamed. */
export type ChannelErrorCode =
  /** An argument of a public method is invalid; `context.argument` names it. */
  | 'CHANNEL_INVALID_ARGUMENT'
  /** The node answered a request with a JSON-RPC error (§7.1, §8.8). */
  | 'CHANNEL_NODE_ERROR'
  /** The node reported a conflict: the pending update is void (§8.6, §9.5). */
  | 'CHANNEL_CONFLICT'
  /** The update was aborted (by our policy, our signer, or `info aborted_update`, §9.6). */
  | 'CHANNEL_UPDATE_ABORTED'
  /** The state machine refused the command in the current state (nothing was sent). */
  | 'CHANNEL_COMMAND_REJECTED'
  /** The caller's `AbortSignal` fired before the operation completed. */
  | 'CHANNEL_ABORTED'
  /** The per-call `timeoutMs` elapsed before the operation completed. */
  | 'CHANNEL_TIMEOUT'
  /** The channel is closed, disconnected for good, or died (§9.8). */
  | 'CHANNEL_CLOSED'
  /**
   * The connection dropped while the operation was in flight and the operation did not
   * take effect (the channel recovered; `context.applied` is `false`): safe to retry.
   */
  | 'CHANNEL_CONNECTION_LOST'
  /** The node refused the connection (open-time errors, unknown fsm id, §6.4). */
  | 'CHANNEL_CONNECTION_REJECTED'
  /** The connection could not be recovered; the channel is unusable (one final error). */
  | 'CHANNEL_UNRECOVERABLE'
  /** Something the node or the peer sent failed verification (never signed). */
  | 'CHANNEL_SECURITY'
  /** The signer failed or refused to sign. */
  | 'CHANNEL_SIGNER_FAILED'
  /** The store holds no record for the requested channel. */
  | 'CHANNEL_STORE_NOT_FOUND'
  /** A stored record is unreadable (torn, truncated or of an unknown format). */
  | 'CHANNEL_STORE_CORRUPT'
  /** The store could not write a record durably. */
  | 'CHANNEL_STORE_WRITE_FAILED'
  /** An invalid key was given to a store. */
  | 'CHANNEL_STORE_INVALID_KEY'
  /**
   * The store's storage is not available here: no IndexedDB (or the browser refused to
   * open the database), or no `node:fs` (a file store or transcript file in a browser).
   */
  | 'CHANNEL_STORE_UNAVAILABLE'
  /** The command-line interface got invalid arguments. */
  | 'CHANNEL_CLI_USAGE'
  /** An internal invariant broke: a bug in aechannel. */
  | 'CHANNEL_INTERNAL';

/** One `{ code, message }` detail of a node error (`error.data[]`, §8.8). */
export interface NodeErrorDetail {
  /** The detailed code, e.g. `1001n`. */
  code: bigint;
  /** Its message, e.g. `"Insufficient balance"`. */
  message: string;
}

/** Context of `CHANNEL_NODE_ERROR`. */
export interface NodeErrorContext {
  /** Top-level JSON-RPC code, e.g. `3n` (Rejected) or `-32603n` (Internal error). */
  nodeCode: bigint;
  /** Top-level message, e.g. `"Rejected"`. */
  nodeMessage: string;
  /** `error.data`, the detailed codes (e.g. `1001 Insufficient balance`). */
  nodeData: NodeErrorDetail[];
  /** The JSON-RPC method that failed, when known. */
  method?: string | undefined;
}

/** Context of `CHANNEL_CONFLICT`. */
export interface ConflictContext {
  /** `error_code` of the conflict (1 validation, 2 conflict, 3 timeout, 4 abort, 5 rejected on-chain, ≥128 user-defined). */
  conflictCode: bigint | undefined;
  /** `error_msg` of the conflict. */
  conflictMessage: string | undefined;
  /** Round of the last co-signed state the channel fell back to. */
  round: bigint | undefined;
}

/**
 * The error class of the `aechannel` package.
 * @example
 * try { await channel.transfer(to, 10n) } catch (e) {
 *   if (isChannelError(e, 'CHANNEL_NODE_ERROR')) console.log(e.context['nodeData']);
 * }
 */
export class ChannelError<C extends object = Record<string, unknown>> extends AechannelError<ChannelErrorCode, C> {
  /** Always `'ChannelError'` (checked by `isAechannelError` together with the code). */
  override name = 'ChannelError';

  constructor(code: ChannelErrorCode, shortMessage: string, options: AechannelErrorOptions<C> = {}) {
    super(code, shortMessage, options);
  }
}

/**
 * Whether `error` is a {@link ChannelError}, optionally with a given code. It compares the
 * error's `name` and `code`, not its class, so an error from another copy of the package
 * (two versions installed, a bundle) counts too.
 * @param error - anything caught
 * @param code - the `CHANNEL_*` code to match; any code when omitted
 * @returns true when it is a `ChannelError` (with that code)
 * @example
 * try { await channel.transfer(to, 10n) } catch (e) {
 *   if (isChannelError(e, 'CHANNEL_CONFLICT')) console.log('back at round', e.context['round']);
 *   else throw e;
 * }
 */
export function isChannelError<Code extends ChannelErrorCode>(error: unknown, code?: Code): error is ChannelError & { readonly code: Code } {
  return isAechannelError(error, code) && (error as { name?: unknown }).name === 'ChannelError';
}

/**
 * Builds the `CHANNEL_INVALID_ARGUMENT` error for an argument.
 * @param argument - the argument's name, e.g. `amount`
 * @param expected - what was expected, e.g. `a non-negative bigint`
 * @param got - the value received
 * @returns the error (`context.argument`, `context.expected`, `context.got`), to throw
 * @example throw invalidArgument('amount', 'a non-negative bigint', -1n);
 */
export function invalidArgument(argument: string, expected: string, got: unknown): ChannelError {
  return new ChannelError('CHANNEL_INVALID_ARGUMENT', `Invalid argument "${argument}": expected ${expected}, got ${describe(got)}.`, {
    context: { argument, expected, got: describe(got) },
  });
}

/** A short printable description of any value, for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return `Uint8Array(${value.length})`;
  if (Array.isArray(value)) return `array(${value.length})`;
  if (typeof value === 'object') return 'object';
  return `${typeof value} ${String(value)}`;
}

function asBigint(value: unknown): bigint | undefined {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  return undefined;
}

/**
 * Turns a JSON-RPC `error` object from the node into a `CHANNEL_NODE_ERROR`, keeping the
 * node's code, message and data (§7.1, §8.8).
 * @param error - the `error` member of the node's reply
 * @param method - the request's method, if known
 * @returns the error, with `context.nodeCode`, `nodeMessage`, `nodeData` and `method`
 * @example nodeError({ code: 3n, message: 'Rejected', data: [{ code: 1001n, message: 'Insufficient balance' }] }, 'channels.update.new')
 */
export function nodeError(error: unknown, method?: string): ChannelError<NodeErrorContext> {
  const record = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const nodeCode = asBigint(record['code']) ?? 0n;
  const nodeMessage = typeof record['message'] === 'string' ? record['message'] : 'Unknown error';
  const data = Array.isArray(record['data']) ? record['data'] : [];
  const nodeData: NodeErrorDetail[] = data.flatMap((item) => {
    if (typeof item !== 'object' || item === null) return [];
    const detail = item as Record<string, unknown>;
    const code = asBigint(detail['code']);
    if (code === undefined) return [];
    return [{ code, message: typeof detail['message'] === 'string' ? detail['message'] : '' }];
  });
  const detailText = nodeData.map((d) => `${d.code} ${d.message}`).join(', ');
  return new ChannelError<NodeErrorContext>(
    'CHANNEL_NODE_ERROR',
    `The node rejected ${method ?? 'the request'}: ${nodeCode} ${nodeMessage}${detailText === '' ? '' : ` (${detailText})`}.`,
    { context: { nodeCode, nodeMessage, nodeData, method } },
  );
}

/**
 * Builds a `CHANNEL_CONFLICT` from a `channels.conflict` notification's data (§8.6).
 * @param data - `params.data` of the notification
 * @returns the error, with `context.conflictCode`, `conflictMessage` and `round`
 * @example conflictError({ error_code: 2n, error_msg: 'conflict', round: 5n }).context.round // 5n
 */
export function conflictError(data: unknown): ChannelError<ConflictContext> {
  const record = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  const conflictCode = asBigint(record['error_code']);
  const conflictMessage = typeof record['error_msg'] === 'string' ? record['error_msg'] : undefined;
  const round = asBigint(record['round']);
  return new ChannelError<ConflictContext>(
    'CHANNEL_CONFLICT',
    `The update conflicted${conflictCode === undefined ? '' : ` (${conflictCode} ${conflictMessage ?? ''})`}; the channel is back at round ${round ?? '?'}.`,
    { context: { conflictCode, conflictMessage, round } },
  );
}
