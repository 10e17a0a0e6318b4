/**
 * BLS12-381 values as the node's FATE sees them, and the operations whose results are
 * fixed by mathematics alone.
 *
 * The node hands FATE the raw internals of the MCL library (through `emcl`): a field
 * element is MCL's Montgomery form, little-endian (`Fr`: `x·2²⁵⁶ mod r`, 32 bytes; `Fp`:
 * `x·2³⁸⁴ mod p`, 48 bytes); a G1/G2 point is its Jacobian coordinates `(x, y, z)` (G2 over
 * `Fp2 = Fp[u]/(u²+1)`, as `(re, im)` pairs); a GT element is the 12 `Fp` coefficients of
 * `Fp12 = Fp6[w]/(w²−v)`, `Fp6 = Fp2[v]/(v³−(u+1))` in MCL's memory order. All of this was
 * checked against MCL itself (`mcl-wasm`, `src/bls12381.test.ts`).
 *
 * Only results that any correct MCL build gives are computed here. Anything else is
 * refused with {@link BlsUnsupported} (the VM turns it into `FATE_UNSUPPORTED`):
 * - G1/G2 `add` and `mul` return non-normalized Jacobian points whose coordinates depend
 *   on MCL's formulas (and version);
 * - the Miller loop's value depends on its line functions, and `pairing`/`final_exp`
 *   raise to a multiple of `(p¹²−1)/r` that differs between implementations (current
 *   MCL and noble use `3·(p¹²−1)/r`; which one the node's MCL build uses is unknown);
 * - `valid` of a curve point outside the prime-order subgroup depends on MCL's global
 *   verify-order switch;
 * - `inv` of a non-unitary GT element and `pow` of a GT element outside the order-`r`
 *   subgroup depend on whether MCL's cyclotomic shortcuts are used;
 * - a coordinate that is not a reduced Montgomery value (`raw ≥ p`) goes through MCL's
 *   internal arithmetic unreduced.
 */
import { bls12_381 } from '@noble/curves/bls12-381.js';

const { Fp, Fp2, Fp12 } = bls12_381.fields;

/** The order `r` of G1, G2, GT (the modulus of `Fr`). */
export const BLS_R = bls12_381.fields.Fr.ORDER;
/** The modulus `p` of `Fp`. */
export const BLS_P = Fp.ORDER;

type Fp2 = ReturnType<typeof Fp2.fromBigTuple>;
type Fp12 = ReturnType<typeof Fp12.fromBigTwelve>;

/** A result that only a given MCL build defines (see the file header). */
export class BlsUnsupported extends Error {}

function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  let x = b % m;
  for (let k = e; k > 0n; k >>= 1n) {
    if (k & 1n) r = (r * x) % m;
    x = (x * x) % m;
  }
  return r;
}

const FR_R = (1n << 256n) % BLS_R;
const FR_R_INV = modPow(FR_R, BLS_R - 2n, BLS_R);
const FP_R = (1n << 384n) % BLS_P;
const FP_R_INV = modPow(FP_R, BLS_P - 2n, BLS_P);

function leBytes(x: bigint, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let v = x;
  for (let i = 0; i < n; i += 1) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function leValue(b: Uint8Array): bigint {
  let x = 0n;
  for (let i = b.length - 1; i >= 0; i -= 1) x = (x << 8n) | BigInt(b[i]!);
  return x;
}

/** `INT_TO_FR`: `x` (`0 ≤ x < r`) in MCL's Montgomery form, 32 bytes. */
export function intToFr(x: bigint): Uint8Array {
  return leBytes((x * FR_R) % BLS_R, 32);
}

/** `INT_TO_FP`: `x` (`0 ≤ x < p`) in MCL's Montgomery form, 48 bytes. */
export function intToFp(x: bigint): Uint8Array {
  return leBytes((x * FP_R) % BLS_P, 48);
}

/** `FR_TO_INT`: any 32 bytes as MCL reads them back (`raw·R⁻¹ mod r`, reduced). */
export function frToInt(b: Uint8Array): bigint {
  return (leValue(b) * FR_R_INV) % BLS_R;
}

/** `FP_TO_INT`: any 48 bytes as MCL reads them back (`raw·R⁻¹ mod p`, reduced). */
export function fpToInt(b: Uint8Array): bigint {
  return (leValue(b) * FP_R_INV) % BLS_P;
}

/** A reduced Montgomery `Fp` (raw < p) as its value; anything else is refused. */
function fp(b: Uint8Array): bigint {
  const raw = leValue(b);
  if (raw >= BLS_P) throw new BlsUnsupported('a BLS12-381 coordinate that is not reduced');
  return (raw * FP_R_INV) % BLS_P;
}

function fp2(c: readonly [Uint8Array, Uint8Array]): Fp2 {
  return Fp2.fromBigTuple([fp(c[0]), fp(c[1])]);
}

const encFp2 = (v: Fp2): [Uint8Array, Uint8Array] => [intToFp(v.c0), intToFp(v.c1)];

/** G1 point coordinates `(x, y, z)`, 48 bytes each. */
export type G1Bytes = readonly [Uint8Array, Uint8Array, Uint8Array];
/** G2 point coordinates `((x₀, x₁), (y₀, y₁), (z₀, z₁))`. */
export type G2Bytes = readonly [readonly [Uint8Array, Uint8Array], readonly [Uint8Array, Uint8Array], readonly [Uint8Array, Uint8Array]];
/** GT element: 12 `Fp` coefficients. */
export type GtBytes = readonly Uint8Array[];

const isZeroBytes = (b: Uint8Array): boolean => b.every((x) => x === 0);

/** Arithmetic of one curve's coordinate field, so G1 and G2 share the point code. */
interface CurveField<F> {
  readonly F: {
    isValid(a: F): boolean; eql(a: F, b: F): boolean; is0(a: F): boolean; add(a: F, b: F): F; sub(a: F, b: F): F; mul(a: F, b: F): F;
    sqr(a: F): F; inv(a: F): F; neg(a: F): F; readonly ONE: F;
  };
  /** The curve's `b` in `y² = x³ + b`. */
  readonly b: F;
  /** Whether the affine point is in the order-`r` subgroup. */
  torsionFree(x: F, y: F): boolean;
}

const G1F: CurveField<bigint> = {
  F: Fp,
  b: 4n,
  torsionFree: (x, y) => bls12_381.G1.Point.fromAffine({ x, y }).isTorsionFree(),
};
const G2F: CurveField<Fp2> = {
  F: Fp2,
  b: Fp2.fromBigTuple([4n, 4n]),
  torsionFree: (x, y) => bls12_381.G2.Point.fromAffine({ x, y }).isTorsionFree(),
};

function isOne<F>(c: CurveField<F>, z: F): boolean {
  return c.F.eql(z, c.F.ONE);
}

function onCurve<F>(c: CurveField<F>, x: F, y: F, z: F): boolean {
  // Jacobian: y² = x³ + b·z⁶.
  const { F } = c;
  const z2 = F.sqr(z);
  const z6 = F.mul(F.sqr(z2), z2);
  return F.eql(F.sqr(y), F.add(F.mul(F.sqr(x), x), F.mul(c.b, z6)));
}

function affine<F>(c: CurveField<F>, x: F, y: F, z: F): [F, F] {
  const { F } = c;
  const zi = F.inv(z);
  const zi2 = F.sqr(zi);
  return [F.mul(x, zi2), F.mul(y, F.mul(zi2, zi))];
}

/** `isValid`: the point at infinity (`z` zero) or a point of the order-`r` subgroup. */
function valid<F>(c: CurveField<F>, x: F, y: F, z: F): boolean {
  if (c.F.is0(z)) return true;
  if (!onCurve(c, x, y, z)) return false;
  const [ax, ay] = affine(c, x, y, z);
  if (c.torsionFree(ax, ay)) return true;
  throw new BlsUnsupported('BLS12-381 validity of a curve point outside the subgroup');
}

/** `normalize`: unchanged when `z` is zero or one, else affine with `z = 1`. */
function norm<F>(c: CurveField<F>, x: F, y: F, z: F): [F, F, F] {
  if (c.F.is0(z) || isOne(c, z)) return [x, y, z];
  const [ax, ay] = affine(c, x, y, z);
  return [ax, ay, c.F.ONE];
}

/** `G1_IS_ZERO`: `z` is zero. */
export function g1IsZero(p: G1Bytes): boolean {
  for (const b of p) fp(b);
  return isZeroBytes(p[2]);
}
const ZERO48 = new Uint8Array(48);

/** `G1_NEG`: `(x, −y, z)`; the point at infinity becomes all zeros (MCL clears it). */
export function g1Neg(p: G1Bytes): G1Bytes {
  const [x, y, z] = p.map(fp) as [bigint, bigint, bigint];
  if (z === 0n) return [ZERO48, ZERO48, ZERO48];
  return [intToFp(x), intToFp(Fp.neg(y)), intToFp(z)];
}
/** `G1_NORM`. */
export function g1Norm(p: G1Bytes): G1Bytes {
  const [x, y, z] = p.map(fp) as [bigint, bigint, bigint];
  return norm(G1F, x, y, z).map(intToFp) as unknown as G1Bytes;
}
/** `G1_VALID`. */
export function g1Valid(p: G1Bytes): boolean {
  const [x, y, z] = p.map(fp) as [bigint, bigint, bigint];
  return valid(G1F, x, y, z);
}

function g2(p: G2Bytes): [Fp2, Fp2, Fp2] {
  return [fp2(p[0]), fp2(p[1]), fp2(p[2])];
}
/** `G2_IS_ZERO`: `z` is zero. */
export function g2IsZero(p: G2Bytes): boolean {
  g2(p);
  return isZeroBytes(p[2][0]) && isZeroBytes(p[2][1]);
}
/** `G2_NEG`: `(x, −y, z)`; the point at infinity becomes all zeros (MCL clears it). */
export function g2Neg(p: G2Bytes): G2Bytes {
  const [x, y, z] = g2(p);
  if (Fp2.is0(z)) return [[ZERO48, ZERO48], [ZERO48, ZERO48], [ZERO48, ZERO48]];
  return [encFp2(x), encFp2(Fp2.neg(y)), encFp2(z)];
}
/** `G2_NORM`. */
export function g2Norm(p: G2Bytes): G2Bytes {
  const [x, y, z] = g2(p);
  return norm(G2F, x, y, z).map(encFp2) as unknown as G2Bytes;
}
/** `G2_VALID`. */
export function g2Valid(p: G2Bytes): boolean {
  const [x, y, z] = g2(p);
  return valid(G2F, x, y, z);
}

function gt(v: GtBytes): Fp12 {
  return Fp12.fromBigTwelve(v.map(fp) as Parameters<typeof Fp12.fromBigTwelve>[0]);
}
function encGt(v: Fp12): GtBytes {
  const f = [v.c0, v.c1].flatMap((s) => [s.c0, s.c1, s.c2]).flatMap((e) => [e.c0, e.c1]);
  return f.map(intToFp);
}
/** `GT_IS_ONE`. */
export function gtIsOne(v: GtBytes): boolean {
  return Fp12.eql(gt(v), Fp12.ONE);
}
/** `GT_ADD`. */
export function gtAdd(a: GtBytes, b: GtBytes): GtBytes {
  return encGt(Fp12.add(gt(a), gt(b)));
}
/** `GT_MUL`. */
export function gtMul(a: GtBytes, b: GtBytes): GtBytes {
  return encGt(Fp12.mul(gt(a), gt(b)));
}
/** `GT_INV` of a unitary element (where MCL's conjugation and the inverse agree). */
export function gtInv(a: GtBytes): GtBytes {
  const x = gt(a);
  const c = Fp12.conjugate(x);
  if (!Fp12.eql(Fp12.mul(x, c), Fp12.ONE)) throw new BlsUnsupported('BLS12-381 GT inverse of a non-unitary element');
  return encGt(c);
}
/** `GT_POW` of an element of the order-`r` subgroup by an `Fr` (its value, from Montgomery form). */
export function gtPow(a: GtBytes, k: Uint8Array): GtBytes {
  const x = gt(a);
  if (!Fp12.eql(Fp12.pow(x, BLS_R), Fp12.ONE)) throw new BlsUnsupported('BLS12-381 GT power of an element outside GT');
  return encGt(Fp12.pow(x, frToInt(k)));
}
