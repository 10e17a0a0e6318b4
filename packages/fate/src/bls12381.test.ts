/**
 * BLS12-381 against MCL itself (`mcl-wasm`, herumi's library that the node's `emcl` wraps):
 * the raw encodings, every operation this VM computes (on generated points: affine,
 * Jacobian, at infinity, off the curve; GT members and arbitrary Fp12 elements), and the
 * facts behind each refusal, with the VM's op refused on the same operands.
 */
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { sha256 } from '@noble/hashes/sha2.js';
import * as mcl from 'mcl-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BLS_P, BLS_R, BlsUnsupported, fpToInt, frToInt, g1IsZero, g1Neg, g1Norm, g1Valid, g2IsZero, g2Neg, g2Norm, g2Valid, gtAdd, gtInv, gtIsOne, gtMul,
  gtPow, intToFp, intToFr, type G1Bytes, type G2Bytes, type GtBytes,
} from './bls12381.js';
import { imm, st } from '../test/asm.js';
import { runCode } from '../test/run.js';
import { T } from './types.js';
import { fBytes, fTuple, type FateValue } from './values.js';

const { Fp, Fp2, Fp12 } = bls12_381.fields;

/** The operation the VM refuses when it runs `name` on `args` (undefined: not refused). */
const refusedOp = (name: string, args: FateValue[]): string | undefined =>
  runCode([{ name: 'f', args: [], ret: T.any, code: [[name, st, ...args.map((v) => imm(v))], ['RETURN']] }], 'f').unsupported;
const g1V = (p: G1Bytes): FateValue => fTuple(p.map(fBytes));
const g2V = (p: G2Bytes): FateValue => fTuple(p.map((c) => fTuple(c.map(fBytes))));

beforeAll(async () => {
  await mcl.init(mcl.BLS12_381);
});

/** Deterministic pseudo-random integers below `m`. */
function rand(label: string, m: bigint): bigint {
  let x = 0n;
  for (let i = 0; i < 3; i += 1) for (const b of sha256(new TextEncoder().encode(`${label}/${i}`))) x = (x << 8n) | BigInt(b);
  return x % m;
}
/** MCL's raw struct words (`a_`, not in mcl-wasm's typings). */
const words = (x: object): Uint32Array => (x as { a_: Uint32Array }).a_;
/** Raw struct bytes of an MCL value. */
const raw = (a: Uint32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
function setRaw(a: Uint32Array, parts: readonly Uint8Array[]): void {
  const all = new Uint8Array(parts.length * 48);
  parts.forEach((p, i) => all.set(p, 48 * i));
  a.set(new Uint32Array(all.buffer));
}
const chunks = (b: Uint8Array, n: number): Uint8Array[] => Array.from({ length: b.length / n }, (_, i) => b.slice(n * i, n * i + n));

function mclG1(p: G1Bytes): mcl.G1 {
  const g = new mcl.G1();
  setRaw(words(g), p);
  return g;
}
function mclG2(p: G2Bytes): mcl.G2 {
  const g = new mcl.G2();
  setRaw(words(g), p.flat());
  return g;
}
function mclGt(v: GtBytes): mcl.GT {
  const g = new mcl.GT();
  setRaw(words(g), v);
  return g;
}
const g1Of = (g: mcl.G1): G1Bytes => chunks(raw(words(g)), 48) as unknown as G1Bytes;
const g2Of = (g: mcl.G2): G2Bytes => {
  const c = chunks(raw(words(g)), 48);
  return [[c[0]!, c[1]!], [c[2]!, c[3]!], [c[4]!, c[5]!]];
};
const gtOf = (g: mcl.GT): GtBytes => chunks(raw(words(g)), 48);

/** Jacobian coordinates of an affine point scaled by λ: (x·λ², y·λ³, λ). */
function jacobian1(x: bigint, y: bigint, l: bigint): G1Bytes {
  return [intToFp(Fp.mul(x, Fp.sqr(l))), intToFp(Fp.mul(y, Fp.pow(l, 3n))), intToFp(l)];
}
function jacobian2(x: ReturnType<typeof Fp2.fromBigTuple>, y: ReturnType<typeof Fp2.fromBigTuple>, l: ReturnType<typeof Fp2.fromBigTuple>): G2Bytes {
  const e = (v: ReturnType<typeof Fp2.fromBigTuple>): [Uint8Array, Uint8Array] => [intToFp(v.c0), intToFp(v.c1)];
  return [e(Fp2.mul(x, Fp2.sqr(l))), e(Fp2.mul(y, Fp2.pow(l, 3n))), e(l)];
}

function g1Cases(): [string, G1Bytes][] {
  const out: [string, G1Bytes][] = [];
  for (let i = 0; i < 6; i += 1) {
    const a = bls12_381.G1.Point.BASE.multiply(rand(`g1 k ${i}`, BLS_R - 1n) + 1n).toAffine();
    out.push([`affine ${i}`, jacobian1(a.x, a.y, 1n)]);
    out.push([`jacobian ${i}`, jacobian1(a.x, a.y, rand(`g1 l ${i}`, BLS_P - 1n) + 1n)]);
  }
  out.push(['infinity', [intToFp(5n), intToFp(7n), intToFp(0n)]]);
  out.push(['off the curve', [intToFp(3n), intToFp(4n), intToFp(2n)]]);
  out.push(['off the curve, z = 1', [intToFp(1n), intToFp(1n), intToFp(1n)]]);
  return out;
}
function g2Cases(): [string, G2Bytes][] {
  const out: [string, G2Bytes][] = [];
  for (let i = 0; i < 4; i += 1) {
    const a = bls12_381.G2.Point.BASE.multiply(rand(`g2 k ${i}`, BLS_R - 1n) + 1n).toAffine();
    out.push([`affine ${i}`, jacobian2(a.x, a.y, Fp2.ONE)]);
    out.push([`jacobian ${i}`, jacobian2(a.x, a.y, Fp2.fromBigTuple([rand(`g2 l ${i}`, BLS_P), rand(`g2 l' ${i}`, BLS_P)]))]);
  }
  const z = intToFp(0n);
  out.push(['infinity', [[intToFp(3n), intToFp(4n)], [intToFp(5n), intToFp(6n)], [z, z]]]);
  out.push(['off the curve', [[intToFp(3n), intToFp(4n)], [intToFp(5n), intToFp(6n)], [intToFp(1n), intToFp(2n)]]]);
  return out;
}

describe('field elements are MCL\'s Montgomery form, little-endian', () => {
  const ints = (m: bigint) => [0n, 1n, 2n, 3735928559n, m - 2n, ...Array.from({ length: 8 }, (_, i) => rand(`int ${i}`, m))];
  it('INT_TO_FR / FR_TO_INT', () => {
    for (const x of ints(BLS_R)) {
      const f = new mcl.Fr();
      f.setStr(x.toString(10), 10);
      expect(hex(intToFr(x))).toBe(hex(raw(words(f))));
      expect(frToInt(raw(words(f)))).toBe(x);
    }
  });
  it('INT_TO_FP / FP_TO_INT', () => {
    for (const x of ints(BLS_P)) {
      const f = new mcl.Fp();
      f.setStr(x.toString(10), 10);
      expect(hex(intToFp(x))).toBe(hex(raw(words(f))));
      expect(fpToInt(raw(words(f)))).toBe(x);
    }
  });
  it('MCL reads any 32/48 bytes back reduced (raw·R⁻¹ mod m), also raw values ≥ the modulus', () => {
    const cases32 = [new Uint8Array(32).fill(0xff), new Uint8Array(32).fill(0x80), sha256(new TextEncoder().encode('a')), intToFr(0n)];
    for (const b of cases32) {
      const f = new mcl.Fr();
      words(f).set(new Uint32Array(b.slice().buffer));
      expect(frToInt(b)).toBe(BigInt(f.getStr(10)));
    }
    for (const fill of [0xff, 0x1b, 0x00]) {
      const b = new Uint8Array(48).fill(fill);
      const f = new mcl.Fp();
      words(f).set(new Uint32Array(b.slice().buffer));
      expect(fpToInt(b)).toBe(BigInt(f.getStr(10)));
    }
  });
});

describe('G1 and G2 operations as MCL computes them', () => {
  it.each(g1Cases())('G1 %s: is_zero, neg, norm, valid', (_name, p) => {
    const m = mclG1(p);
    expect(g1IsZero(p)).toBe(m.isZero());
    expect(g1Neg(p).map(hex)).toEqual(g1Of(mcl.neg(m)).map(hex));
    expect(g1Norm(p).map(hex)).toEqual(g1Of(mcl.normalize(m)).map(hex));
    expect(g1Valid(p)).toBe(m.isValid());
  });
  it.each(g2Cases())('G2 %s: is_zero, neg, norm, valid', (_name, p) => {
    const m = mclG2(p);
    expect(g2IsZero(p)).toBe(m.isZero());
    expect(g2Neg(p).map((c) => c.map(hex))).toEqual(g2Of(mcl.neg(m)).map((c) => c.map(hex)));
    expect(g2Norm(p).map((c) => c.map(hex))).toEqual(g2Of(mcl.normalize(m)).map((c) => c.map(hex)));
    expect(g2Valid(p)).toBe(m.isValid());
  });
  it('validity of a curve point outside the subgroup is refused: MCL\'s answer depends on its verify-order switch', () => {
    let x = 1n;
    let y = 0n;
    for (;; x += 1n) {
      const y2 = Fp.add(Fp.pow(x, 3n), 4n);
      if (Fp.pow(y2, (BLS_P - 1n) / 2n) !== 1n) continue;
      y = Fp.sqrt(y2);
      if (!bls12_381.G1.Point.fromAffine({ x, y }).isTorsionFree()) break;
    }
    const p = jacobian1(x, y, 1n);
    expect(() => g1Valid(p)).toThrow(BlsUnsupported);
    const m = mclG1(p);
    mcl.verifyOrderG1(false);
    const unchecked = m.isValid();
    mcl.verifyOrderG1(true);
    expect([unchecked, m.isValid()]).toEqual([true, false]);
  });
  it('a coordinate that is not a reduced Montgomery value is refused', () => {
    const big = new Uint8Array(48).fill(0xff);
    expect(() => g1Neg([big, intToFp(1n), intToFp(1n)])).toThrow(BlsUnsupported);
    expect(() => g2IsZero([[big, big], [big, big], [big, big]])).toThrow(BlsUnsupported);
  });
  it('add and mul are refused: MCL returns non-normalized Jacobian points, whose coordinates depend on its formulas', () => {
    const a = bls12_381.G1.Point.BASE.toAffine();
    const b = bls12_381.G2.Point.BASE.toAffine();
    const p1 = jacobian1(a.x, a.y, 1n);
    const p2 = jacobian2(b.x, b.y, Fp2.ONE);
    const g = mclG1(p1);
    const h = mclG2(p2);
    const k = new mcl.Fr();
    k.setInt(12345);
    const one2 = [intToFp(1n), intToFp(0n)].map(hex);
    expect(hex(g1Of(mcl.mul(g, k))[2])).not.toBe(hex(intToFp(1n)));
    expect(hex(g1Of(mcl.add(g, mcl.dbl(g)))[2])).not.toBe(hex(intToFp(1n)));
    expect(g2Of(mcl.mul(h, k))[2].map(hex)).not.toEqual(one2);
    expect(g2Of(mcl.add(h, mcl.dbl(h)))[2].map(hex)).not.toEqual(one2);
    // The VM refuses these very operations rather than pick a representation.
    const kv = fBytes(raw(words(k)));
    expect(refusedOp('BLS12_381_G1_MUL', [kv, g1V(p1)])).toBe('BLS12_381_G1_MUL');
    expect(refusedOp('BLS12_381_G1_ADD', [g1V(p1), g1V(g1Of(mcl.dbl(g)))])).toBe('BLS12_381_G1_ADD');
    expect(refusedOp('BLS12_381_G2_MUL', [kv, g2V(p2)])).toBe('BLS12_381_G2_MUL');
    expect(refusedOp('BLS12_381_G2_ADD', [g2V(p2), g2V(g2Of(mcl.dbl(h)))])).toBe('BLS12_381_G2_ADD');
  });
});

describe('GT operations as MCL computes them', () => {
  const pair = (i: number) => {
    const P = bls12_381.G1.Point.BASE.multiply(rand(`gt p ${i}`, BLS_R - 1n) + 1n);
    const Q = bls12_381.G2.Point.BASE.multiply(rand(`gt q ${i}`, BLS_R - 1n) + 1n);
    const m1 = new mcl.G1();
    m1.setStr(`1 ${P.toAffine().x} ${P.toAffine().y}`, 10);
    const q = Q.toAffine();
    const m2 = new mcl.G2();
    m2.setStr(`1 ${q.x.c0} ${q.x.c1} ${q.y.c0} ${q.y.c1}`, 10);
    return gtOf(mcl.pairing(m1, m2));
  };
  const arbitrary = (i: number): GtBytes => Array.from({ length: 12 }, (_, j) => intToFp(rand(`fp12 ${i} ${j}`, BLS_P)));
  const one = (): GtBytes => [intToFp(1n), ...Array.from({ length: 11 }, () => intToFp(0n))];
  it('mul, add, is_one on GT members and arbitrary Fp12 elements', () => {
    const xs = [pair(0), pair(1), arbitrary(0), arbitrary(1), one()];
    for (const a of xs) {
      expect(gtIsOne(a)).toBe(mclGt(a).isOne());
      for (const b of xs) {
        expect(gtMul(a, b).map(hex)).toEqual(gtOf(mcl.mul(mclGt(a), mclGt(b))).map(hex));
        expect(gtAdd(a, b).map(hex)).toEqual(gtOf(mcl.add(mclGt(a), mclGt(b))).map(hex));
      }
    }
  });
  it('inv and pow of GT members', () => {
    for (const a of [pair(2), pair(3), one()]) {
      expect(gtInv(a).map(hex)).toEqual(gtOf(mcl.inv(mclGt(a))).map(hex));
      for (const k of [0n, 1n, 2n, BLS_R - 2n, rand('pow k', BLS_R)]) {
        const f = new mcl.Fr();
        f.setStr(k.toString(10), 10);
        expect(gtPow(a, raw(words(f))).map(hex)).toEqual(gtOf(mcl.pow(mclGt(a), f)).map(hex));
      }
    }
  });
  it('inv of a non-unitary element and pow outside GT are refused: MCL uses GT-only shortcuts there', () => {
    const a = arbitrary(3);
    expect(() => gtInv(a)).toThrow(BlsUnsupported);
    // MCL's "inverse" is the conjugate, not the inverse, for such an element.
    const x = Fp12.fromBigTwelve(a.map((b) => fpToInt(b)) as Parameters<typeof Fp12.fromBigTwelve>[0]);
    const inv = Fp12.inv(x);
    const m = gtOf(mcl.inv(mclGt(a))).map((b) => fpToInt(b));
    expect(m).not.toEqual([inv.c0, inv.c1].flatMap((s) => [s.c0, s.c1, s.c2]).flatMap((e) => [e.c0, e.c1]));
    const k = new mcl.Fr();
    k.setStr('123456789123456789', 10);
    expect(() => gtPow(a, raw(words(k)))).toThrow(BlsUnsupported);
  });
  it('pairing and final exponentiation are refused: current MCL raises to 3·(p¹²−1)/r, a choice of the implementation', () => {
    const a = arbitrary(4);
    const x = Fp12.fromBigTwelve(a.map((b) => fpToInt(b)) as Parameters<typeof Fp12.fromBigTwelve>[0]);
    const e = (BLS_P ** 12n - 1n) / BLS_R;
    const fe = gtOf(mcl.finalExp(mclGt(a))).map((b) => fpToInt(b));
    const flat = (v: typeof x) => [v.c0, v.c1].flatMap((s) => [s.c0, s.c1, s.c2]).flatMap((c) => [c.c0, c.c1]);
    expect(fe).toEqual(flat(Fp12.pow(x, 3n * e)));
    expect(fe).not.toEqual(flat(Fp12.pow(x, e)));
    // A pairing is the final exponentiation of the Miller loop, so it carries the same factor.
    const P = bls12_381.G1.Point.BASE.toAffine();
    const Q = bls12_381.G2.Point.BASE.toAffine();
    const p1 = jacobian1(P.x, P.y, 1n);
    const p2 = jacobian2(Q.x, Q.y, Fp2.ONE);
    expect(gtOf(mcl.pairing(mclG1(p1), mclG2(p2))).map(hex)).toEqual(gtOf(mcl.finalExp(mcl.millerLoop(mclG1(p1), mclG2(p2)))).map(hex));
    // The VM refuses all three on these operands.
    expect(refusedOp('BLS12_381_FINAL_EXP', [fTuple(a.map(fBytes))])).toBe('BLS12_381_FINAL_EXP');
    expect(refusedOp('BLS12_381_PAIRING', [g1V(p1), g2V(p2)])).toBe('BLS12_381_PAIRING');
    expect(refusedOp('BLS12_381_MILLER_LOOP', [g1V(p1), g2V(p2)])).toBe('BLS12_381_MILLER_LOOP');
  });
});
