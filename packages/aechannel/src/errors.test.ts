import { AechannelError } from '@aechannel/codec';
import { describe, expect, it } from 'vitest';
import { ChannelError, isChannelError, nodeError } from './errors.js';

describe('isChannelError', () => {
  it('recognises a ChannelError, with any code or the given one', () => {
    const error = nodeError({ code: 3n, message: 'Rejected', data: [{ code: 1001n, message: 'Insufficient balance' }] }, 'channels.update.new');
    expect(isChannelError(error)).toBe(true);
    expect(isChannelError(error, 'CHANNEL_NODE_ERROR')).toBe(true);
    expect(isChannelError(error, 'CHANNEL_CONFLICT')).toBe(false);
    if (isChannelError(error, 'CHANNEL_NODE_ERROR')) expect(error.context['nodeCode']).toBe(3n);
  });

  it('compares name and code, not the class: a copy from another package instance counts', () => {
    const copy = Object.assign(new Error('x'), { name: 'ChannelError', code: 'CHANNEL_TIMEOUT', shortMessage: 'x', context: {} });
    expect(copy instanceof ChannelError).toBe(false);
    expect(isChannelError(copy, 'CHANNEL_TIMEOUT')).toBe(true);
  });

  it('refuses other errors and non-errors', () => {
    expect(isChannelError(new AechannelError('FSM_TIMEOUT', 'x'))).toBe(false);
    expect(isChannelError(new Error('CHANNEL_TIMEOUT'))).toBe(false);
    expect(isChannelError({ name: 'ChannelError', code: 'CHANNEL_TIMEOUT' })).toBe(false); // no shortMessage: not an error of this family
    for (const value of [null, undefined, 'ChannelError', 7]) expect(isChannelError(value)).toBe(false);
  });
});
