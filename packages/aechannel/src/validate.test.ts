import { encode, isAechannelError } from '@aechannel/codec';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertAddress, assertAmount, assertCallOptions, assertString } from './validate.js';

const argumentOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    if (isAechannelError(error, 'CHANNEL_INVALID_ARGUMENT')) return (error.context as { argument: string }).argument;
    throw error;
  }
  return 'no error';
};

describe('boundary checks', () => {
  it('accept every non-negative bigint and nothing else as an amount', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 2n ** 256n }), (n) => assertAmount(n, 'amount') === n));
    fc.assert(fc.property(fc.bigInt({ max: -1n }), (n) => argumentOf(() => assertAmount(n, 'amount')) === 'amount'));
    fc.assert(fc.property(fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.double()), (v) => argumentOf(() => assertAmount(v, 'fee')) === 'fee'));
    expect(argumentOf(() => assertAmount(0n, 'amount', { positive: true }))).toBe('amount');
  });

  it('accept only valid ak_ addresses', () => {
    const ok = encode(new Uint8Array(32).fill(5), 'ak');
    expect(assertAddress(ok, 'to')).toBe(ok);
    for (const bad of ['ak_', `${ok}x`, ok.replace('ak_', 'ch_'), 42, undefined]) expect(argumentOf(() => assertAddress(bad, 'to'))).toBe('to');
  });

  it('check strings by byte length and call options', () => {
    expect(argumentOf(() => assertString('é'.repeat(3), 'info', { maxBytes: 5 }))).toBe('info');
    expect(assertString('hello', 'info', { maxBytes: 5 })).toBe('hello');
    expect(argumentOf(() => assertCallOptions({ timeoutMs: 0 }))).toBe('options.timeoutMs');
    expect(argumentOf(() => assertCallOptions({ signal: 'no' }))).toBe('options.signal');
    expect(assertCallOptions(undefined)).toEqual({});
  });
});
