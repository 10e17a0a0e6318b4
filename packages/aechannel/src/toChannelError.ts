/**
 * Maps the errors a command settles with in the fsm (`FSM_*`) to the typed errors of
 * this package (`CHANNEL_*`), keeping the original as `cause` and its code as
 * `context.fsmCode`. Errors the node reported keep the node's code, message and data
 * (`CHANNEL_NODE_ERROR`, §8.8); conflicts keep the conflict code and round (§8.6).
 */
import { isAechannelError } from '@aechannel/codec';
import { ChannelError, conflictError, nodeError, type ChannelErrorCode } from './errors.js';

const byFsmCode: Record<string, ChannelErrorCode> = {
  FSM_COMMAND_NOT_ALLOWED: 'CHANNEL_COMMAND_REJECTED',
  FSM_INVALID_COMMAND: 'CHANNEL_COMMAND_REJECTED',
  FSM_NOT_SUPPORTED: 'CHANNEL_COMMAND_REJECTED',
  FSM_CONNECTION_CLOSED: 'CHANNEL_CONNECTION_LOST',
  FSM_PEER_DISCONNECTED: 'CHANNEL_CONNECTION_LOST',
  FSM_CHANNEL_DIED: 'CHANNEL_CLOSED',
  FSM_SIGN_REFUSED: 'CHANNEL_UPDATE_ABORTED',
  FSM_SIGN_REQUEST_REJECTED: 'CHANNEL_SECURITY',
  FSM_SIGNER_MISMATCH: 'CHANNEL_SECURITY',
  FSM_TIMEOUT: 'CHANNEL_TIMEOUT',
  FSM_INVALID_NODE_MESSAGE: 'CHANNEL_SECURITY',
  FSM_CONNECTION_REJECTED: 'CHANNEL_CONNECTION_REJECTED',
  FSM_INTERNAL_ERROR: 'CHANNEL_INTERNAL',
};

/** Finds a JSON-RPC error object (`{ code, message, data? }`) in an fsm error's context. */
function findRpcError(context: Record<string, unknown>): Record<string, unknown> | undefined {
  for (const candidate of [context['error'], context['rpcError'], context['nodeError'], context]) {
    if (typeof candidate === 'object' && candidate !== null && 'code' in candidate && 'message' in candidate) {
      return candidate as Record<string, unknown>;
    }
  }
  return undefined;
}

/**
 * Converts any error a command failed with into a {@link ChannelError}.
 * @param error - usually an `AechannelError` with an `FSM_*` code
 * @param method - the operation, for messages (e.g. `transfer`)
 * @returns a `ChannelError` (the same object when it already is one); anything that is not
 *   an `AechannelError` becomes `CHANNEL_INTERNAL` with the original as `cause`
 * @example
 * try { await channel.transfer(peer, 1n); } catch (error) { console.log(toChannelError(error, 'transfer').code); }
 */
export function toChannelError(error: unknown, method?: string): ChannelError {
  if (isAechannelError(error) && error.code.startsWith('CHANNEL_')) return error as ChannelError;
  if (!isAechannelError(error)) {
    return new ChannelError('CHANNEL_INTERNAL', `Unexpected failure${method === undefined ? '' : ` in ${method}`}.`, {
      cause: error,
      details: error instanceof Error ? error.message : String(error),
    });
  }
  const context = (error.context ?? {}) as Record<string, unknown>;
  if (error.code === 'FSM_NODE_ERROR' || (error.code === 'FSM_CONNECTION_REJECTED' && findRpcError(context) !== undefined)) {
    const rpc = findRpcError(context);
    if (rpc !== undefined) {
      const mapped = nodeError(rpc, method ?? (typeof context['method'] === 'string' ? context['method'] : undefined));
      const code: ChannelErrorCode = error.code === 'FSM_NODE_ERROR' ? 'CHANNEL_NODE_ERROR' : 'CHANNEL_CONNECTION_REJECTED';
      return new ChannelError(code, mapped.shortMessage, {
        cause: error,
        context: { ...mapped.context, fsmCode: error.code },
      });
    }
  }
  if (error.code === 'FSM_CONFLICT') {
    const conflict = conflictError({ error_code: context['errorCode'], error_msg: context['errorMessage'], round: context['round'] });
    return new ChannelError('CHANNEL_CONFLICT', conflict.shortMessage, {
      cause: error,
      context: { ...conflict.context, fsmCode: error.code },
    });
  }
  const code = byFsmCode[error.code] ?? 'CHANNEL_INTERNAL';
  return new ChannelError(code, error.shortMessage, {
    cause: error,
    details: error.details,
    context: { ...context, fsmCode: error.code },
  });
}
