import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MIN_MINER_GAS_PRICE, minimumDepth } from '@aechannel/codec';
import { confirmationsFor } from './fees.js';

describe('confirmationsFor (§10.1)', () => {
  it('equals the exact txfee depth wherever that is computable', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 80n }), fc.bigInt({ min: 0n, max: 200n }), (fee, factor) => {
        expect(confirmationsFor(fee, 'txfee', factor)).toBe(minimumDepth({ fee, strategy: 'txfee', value: factor }));
      }),
    );
  });

  it('answers at once for a factor no bigint could raise to', () => {
    expect(confirmationsFor(17_640_000_000_000n, 'txfee', 10n ** 12n)).toBe(2n);
    expect(confirmationsFor(MIN_MINER_GAS_PRICE, undefined, 10n ** 18n)).toBe(1n);
    expect(confirmationsFor(0n, 'txfee', 10n ** 18n)).toBe(minimumDepth({ fee: 0n, value: 1n }));
    expect(confirmationsFor(17_640_000_000_000n, 'plain', 10n ** 12n)).toBe(10n ** 12n);
  });
});
