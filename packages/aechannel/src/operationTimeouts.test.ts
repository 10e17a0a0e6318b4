import { isAechannelError } from '@aechannel/codec';
import { describe, expect, it } from 'vitest';
import { DEFAULT_OPERATION_TIMEOUTS, operationTimeoutOf, resolveOperationTimeouts } from './operationTimeouts.js';

describe('operation timeouts', () => {
  it('bounds every command a user can run by its kind; internal reconnects have their own timers', () => {
    const t = resolveOperationTimeouts({ offChain: 1, onChain: 2, query: 3 });
    expect(['transfer', 'shutdown', 'leave'].map((k) => operationTimeoutOf(k as never, t))).toEqual([1, 1, 1]);
    expect(['deposit', 'withdraw', 'closeSolo', 'slash', 'settle', 'snapshotSolo', 'forceProgress'].map((k) => operationTimeoutOf(k as never, t))).toEqual([2, 2, 2, 2, 2, 2, 2]);
    expect(['getBalances', 'getPoi', 'getOffchainState', 'getHistory', 'ping', 'stop', 'sendMessage', 'assumeMinimumDepth'].map((k) => operationTimeoutOf(k as never, t))).toEqual([3, 3, 3, 3, 3, 3, 3, 3]);
    expect(operationTimeoutOf('reconnect', t)).toBeNull();
  });

  it('keeps the defaults for what the application does not set', () => {
    expect(resolveOperationTimeouts(undefined)).toBe(DEFAULT_OPERATION_TIMEOUTS);
    expect(resolveOperationTimeouts({ query: 5 })).toEqual({ ...DEFAULT_OPERATION_TIMEOUTS, query: 5 });
    expect(Object.isFrozen(DEFAULT_OPERATION_TIMEOUTS)).toBe(true);
  });

  it.each([
    [{ query: 0 }, 'operationTimeouts.query'],
    [{ offChain: Number.POSITIVE_INFINITY }, 'operationTimeouts.offChain'],
    [{ open: '5' }, 'operationTimeouts.open'],
    [{ transfr: 5 }, 'operationTimeouts.transfr'],
    [7, 'operationTimeouts'],
  ])('refuses %o naming %s', (value, argument) => {
    let error: unknown;
    try {
      resolveOperationTimeouts(value);
    } catch (e) {
      error = e;
    }
    expect(isAechannelError(error, 'CHANNEL_INVALID_ARGUMENT')).toBe(true);
    expect((error as { context: { argument: string } }).context.argument).toBe(argument);
  });
});
