import { AechannelError, isAechannelError } from '@aechannel/codec';
import { fsmError } from '@aechannel/fsm';
import { describe, expect, it } from 'vitest';
import { ChannelError, conflictError, nodeError } from './errors.js';
import { toChannelError } from './toChannelError.js';

describe('typed errors', () => {
  it('keep the node code, message and data of node errors', () => {
    const fsm = fsmError('FSM_NODE_ERROR', 'The node answered channels.update.new with error 3 Rejected (1001).', {
      code: 3n,
      message: 'Rejected',
      data: [{ code: 1001n, message: 'Insufficient balance' }],
      method: 'channels.update.new',
    });
    const error = toChannelError(fsm, 'transfer');
    expect(isAechannelError(error, 'CHANNEL_NODE_ERROR')).toBe(true);
    expect(error.context).toMatchObject({ nodeCode: 3n, nodeMessage: 'Rejected', nodeData: [{ code: 1001n, message: 'Insufficient balance' }], fsmCode: 'FSM_NODE_ERROR' });
    expect(error.cause).toBe(fsm);
    expect(error.message).toContain('1001 Insufficient balance');
  });

  it('map each fsm code to a channel code', () => {
    const cases: [string, string][] = [
      ['FSM_COMMAND_NOT_ALLOWED', 'CHANNEL_COMMAND_REJECTED'],
      ['FSM_INVALID_COMMAND', 'CHANNEL_COMMAND_REJECTED'],
      ['FSM_CONNECTION_CLOSED', 'CHANNEL_CONNECTION_LOST'],
      ['FSM_CHANNEL_DIED', 'CHANNEL_CLOSED'],
      ['FSM_SIGN_REFUSED', 'CHANNEL_UPDATE_ABORTED'],
      ['FSM_SIGN_REQUEST_REJECTED', 'CHANNEL_SECURITY'],
      ['FSM_TIMEOUT', 'CHANNEL_TIMEOUT'],
      ['FSM_CONNECTION_REJECTED', 'CHANNEL_CONNECTION_REJECTED'],
      ['FSM_SOMETHING_NEW', 'CHANNEL_INTERNAL'],
    ];
    for (const [from, to] of cases) expect(toChannelError(new AechannelError(from, 'x')).code).toBe(to);
    const conflict = toChannelError(fsmError('FSM_CONFLICT', 'conflict', { errorCode: 2, errorMessage: 'conflict', round: 5n }));
    expect(conflict.code).toBe('CHANNEL_CONFLICT');
    expect(conflict.context).toMatchObject({ conflictCode: 2n, conflictMessage: 'conflict', round: 5n });
  });

  it('pass channel errors through and wrap anything else as CHANNEL_INTERNAL', () => {
    const own = new ChannelError('CHANNEL_TIMEOUT', 'late');
    expect(toChannelError(own)).toBe(own);
    const wrapped = toChannelError(new TypeError('boom'));
    expect(wrapped.code).toBe('CHANNEL_INTERNAL');
    expect(wrapped.cause).toBeInstanceOf(TypeError);
  });

  it('build node and conflict errors from raw JSON-RPC shapes', () => {
    const e = nodeError({ code: -32603n, message: 'Internal error' }, 'channels.withdraw');
    expect(e.context).toEqual({ nodeCode: -32603n, nodeMessage: 'Internal error', nodeData: [], method: 'channels.withdraw' });
    const c = conflictError({ channel_id: 'ch_x', error_code: 147n, error_msg: 'user-defined', round: 5n });
    expect(c.context).toEqual({ conflictCode: 147n, conflictMessage: 'user-defined', round: 5n });
    expect(nodeError(null).context.nodeCode).toBe(0n);
  });
});
