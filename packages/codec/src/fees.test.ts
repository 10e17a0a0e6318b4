import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { baseGas, feeGas, minFee, splitCloseMutualFee } from './fees.js';
import { minimumDepth } from './minimumDepth.js';
import { Tag } from './tag.js';
import { codeOf } from '../test/codeOf.js';

describe('minFee / feeGas input checks', () => {
  it('gives typed errors for a gas price or tx of the wrong type', () => {
    const account = { tag: Tag.ChannelOffChainTx, version: 2 } as never;
    expect(codeOf(() => minFee(account, 1 as unknown as bigint))).toBe('CODEC_INVALID_FIELD');
    expect(codeOf(() => minFee(account, -1n))).toBe('CODEC_INVALID_FIELD');
    expect(codeOf(() => feeGas(null as never))).toBe('CODEC_UNSUPPORTED_OBJECT');
    // a signed tx object without its inner tx
    expect(codeOf(() => feeGas({ tag: Tag.SignedTx, version: 1, signatures: [] } as never))).toBe('CODEC_UNSUPPORTED_OBJECT');
  });
});

describe('baseGas', () => {
  it('follows §5.1', () => {
    expect(baseGas(Tag.ChannelCreateTx)).toBe(15000n);
    expect(baseGas(Tag.ChannelSnapshotSoloTx)).toBe(15000n);
    expect(baseGas(Tag.ChannelForceProgressTx)).toBe(450000n);
    expect(baseGas(Tag.GaMetaTx)).toBe(75000n);
    expect(baseGas(Tag.ChannelOffChainTx)).toBe(0n);
    expect(codeOf(() => baseGas(Tag.Account))).toBe('CODEC_UNSUPPORTED_OBJECT');
  });
});

describe('splitCloseMutualFee (§5.5)', () => {
  it('takes half from each side, the odd unit from the initiator', () => {
    expect(splitCloseMutualFee(69999999999998n, 40000000000002n, 16900000000000n)).toEqual({
      initiatorAmountFinal: 61549999999998n,
      responderAmountFinal: 31550000000002n,
    });
    expect(splitCloseMutualFee(10n, 10n, 5n)).toEqual({ initiatorAmountFinal: 7n, responderAmountFinal: 8n });
  });

  it('lets the richer side pay the odd unit or the rest', () => {
    // I = 2 < ceil 3 but >= floor 2: responder pays the ceiling.
    expect(splitCloseMutualFee(2n, 10n, 5n)).toEqual({ initiatorAmountFinal: 0n, responderAmountFinal: 7n });
    // I = 1 below both halves: responder pays the rest.
    expect(splitCloseMutualFee(1n, 10n, 6n)).toEqual({ initiatorAmountFinal: 0n, responderAmountFinal: 5n });
    expect(splitCloseMutualFee(10n, 1n, 6n)).toEqual({ initiatorAmountFinal: 5n, responderAmountFinal: 0n });
  });

  it('refuses when the balances do not cover the fee', () => {
    expect(codeOf(() => splitCloseMutualFee(1n, 2n, 4n))).toBe('CODEC_INSUFFICIENT_BALANCE');
    // exactly covered: the fee takes everything
    expect(splitCloseMutualFee(1n, 2n, 3n)).toEqual({ initiatorAmountFinal: 0n, responderAmountFinal: 0n });
  });

  it('takes the whole fee from one side when the other is empty, and nothing for a zero fee', () => {
    expect(splitCloseMutualFee(0n, 10n, 5n)).toEqual({ initiatorAmountFinal: 0n, responderAmountFinal: 5n });
    expect(splitCloseMutualFee(10n, 0n, 5n)).toEqual({ initiatorAmountFinal: 5n, responderAmountFinal: 0n });
    expect(splitCloseMutualFee(4n, 9n, 0n)).toEqual({ initiatorAmountFinal: 4n, responderAmountFinal: 9n });
    // equal balances below half the fee: the last rule (I > R is false) charges the initiator first
    expect(splitCloseMutualFee(2n, 2n, 4n)).toEqual({ initiatorAmountFinal: 0n, responderAmountFinal: 0n });
    expect(splitCloseMutualFee(1n, 1n, 1n)).toEqual({ initiatorAmountFinal: 0n, responderAmountFinal: 1n });
  });

  it('rejects values that are not non-negative bigints with a typed error', () => {
    expect(codeOf(() => splitCloseMutualFee(10 as unknown as bigint, 10n, 5n))).toBe('CODEC_INVALID_FIELD');
    expect(codeOf(() => splitCloseMutualFee(10n, 10n, 5 as unknown as bigint))).toBe('CODEC_INVALID_FIELD');
    expect(codeOf(() => splitCloseMutualFee(10n, -1n, 5n))).toBe('CODEC_INVALID_FIELD');
  });

  it('always conserves value and never goes negative', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.bigInt({ min: 0n, max: 10n ** 20n }), (i, r, f) => {
        fc.pre(i + r >= f);
        const { initiatorAmountFinal, responderAmountFinal } = splitCloseMutualFee(i, r, f);
        expect(initiatorAmountFinal + responderAmountFinal).toBe(i + r - f);
        expect(initiatorAmountFinal >= 0n && responderAmountFinal >= 0n).toBe(true);
        expect(initiatorAmountFinal <= i && responderAmountFinal <= r).toBe(true);
      }),
    );
  });
});

describe('minimumDepth (§10.1)', () => {
  const fee = 17640000000000n;
  it('reproduces the worked examples', () => {
    expect(minimumDepth({ fee })).toBe(3n);
    expect(minimumDepth({ fee, strategy: 'txfee', value: 0n })).toBe(1n);
    expect(minimumDepth({ fee, strategy: 'txfee', value: 1n })).toBe(17640n);
    expect(minimumDepth({ fee, strategy: 'txfee', value: 2n })).toBe(133n);
    expect(minimumDepth({ fee, strategy: 'txfee', value: 3n })).toBe(27n);
    expect(minimumDepth({ fee, strategy: 'plain' })).toBe(3n);
    expect(minimumDepth({ fee, strategy: 'plain', value: 7n })).toBe(7n);
  });

  it('reproduces the upstream table for MinimumGasPrice = 1e9', () => {
    const table: [bigint, bigint, bigint][] = [
      [1n, 1_000_000_000n, 1n], [1n, 1_500_000_000n, 2n], [1n, 2_000_000_000n, 2n], [1n, 3_000_000_000n, 3n],
      [2n, 1_000_000_000n, 1n], [2n, 6_000_000_000n, 3n], [2n, 9_000_000_000n, 3n], [2n, 30_000_000_000n, 6n],
      [3n, 1_000_000_000n, 1n], [3n, 6_000_000_000n, 2n], [3n, 9_000_000_000n, 3n], [3n, 30_000_000_000n, 4n],
    ];
    for (const [value, f, depth] of table) expect(minimumDepth({ fee: f, value })).toBe(depth);
  });

  it('is the smallest n with n^factor * 1e9 >= fee', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 30n }), fc.bigInt({ min: 1n, max: 40n }), (f, factor) => {
        const n = minimumDepth({ fee: f, value: factor });
        expect(n ** factor * 1_000_000_000n >= f).toBe(true);
        expect((n - 1n) ** factor * 1_000_000_000n < f).toBe(true);
      }),
    );
  });

  it('rejects negative input', () => {
    expect(codeOf(() => minimumDepth({ fee: -1n }))).toBe('CODEC_INVALID_FIELD');
  });

  it('rejects values of the wrong type with a typed error', () => {
    expect(codeOf(() => minimumDepth({ fee, minMinerGasPrice: 1 as unknown as bigint }))).toBe('CODEC_INVALID_FIELD');
    expect(codeOf(() => minimumDepth({ fee: 5 as unknown as bigint }))).toBe('CODEC_INVALID_FIELD');
    expect(codeOf(() => minimumDepth({ fee, value: 2 as unknown as bigint }))).toBe('CODEC_INVALID_FIELD');
  });

  // The factor is the `minimum_depth` the responder announces (§10.1), so it comes from
  // the peer; the fee comes from a tx the node built. Neither may make this hang or throw
  // a RangeError.
  it('stays exact and bounded for huge factors and fees', () => {
    expect(minimumDepth({ fee, value: 10n ** 12n })).toBe(2n);
    expect(minimumDepth({ fee: 1_000_000_000n, value: 10n ** 12n })).toBe(1n);
    expect(minimumDepth({ fee: 10n ** 40n, value: 1n })).toBe(10n ** 31n);
    expect(minimumDepth({ fee: 10n ** 40n + 1n, value: 1n })).toBe(10n ** 31n + 1n);
    expect(minimumDepth({ fee: 10n ** 9n * 7n ** 60n, value: 60n })).toBe(7n);
    expect(minimumDepth({ fee: 10n ** 9n * 7n ** 60n + 1n, value: 60n })).toBe(8n);
    expect(minimumDepth({ fee: 0n })).toBe(0n);
  });

  it('matches a linear search on small inputs', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 6n }), fc.bigInt({ min: 1n, max: 12n }), fc.bigInt({ min: 1n, max: 1000n }), (f, factor, price) => {
        let n = 0n;
        while (n ** factor * price < f) n += 1n;
        expect(minimumDepth({ fee: f, value: factor, minMinerGasPrice: price })).toBe(n);
      }),
    );
  });
});
