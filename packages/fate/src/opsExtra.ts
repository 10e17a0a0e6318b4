/**
 * Handlers of the string, bytes and signature families and of the chain-object reads
 * (CONTRACTS.md §4.3, §4.9). Strings are UTF-8 from FATE_02 on (lengths and reversal by NFC
 * code point); FATE_01 treats them as bytes.
 */
import { ed25519VerifyDetached } from './ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { encode } from '@aechannel/codec';
import type { Operand } from './code.js';
import { BLS12_381_R, poseidon2 } from './poseidon.js';
import {
  BLS_P, BLS_R, BlsUnsupported, fpToInt, frToInt, g1IsZero, g1Neg, g1Norm, g1Valid, g2IsZero, g2Neg, g2Norm, g2Valid, gtAdd, gtInv, gtIsOne, gtMul,
  gtPow, intToFp, intToFr, type G1Bytes, type G2Bytes, type GtBytes,
} from './bls12381.js';
import type { Machine } from './engine.js';
import { MODELS, words } from './gas.js';
import { badArgs, fail, P, typeError, VmInternal, VmUnsupported, W } from './outcome.js';
import { E } from './term.js';
import { cons, fBytes, fSome, fString, fTuple, listToArray, NIL, NONE, type FateValue } from './values.js';

type Handler = (m: Machine, a: readonly Operand[]) => void;
const H: Record<string, Handler> = {};

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

function str(op: string, v: FateValue, all: FateValue[] = [v]): Uint8Array {
  if (typeof v !== 'object' || v.kind !== 'string') badArgs(op, all);
  return v.bytes;
}
function bytesArg(op: string, v: FateValue, all: FateValue[] = [v]): Uint8Array {
  if (typeof v !== 'object' || v.kind !== 'bytes') badArgs(op, all);
  return v.bytes;
}
/** The byte arrays of `all` (each checked in turn), `badArgs` unless their lengths are `lengths`. */
function bytesOfLengths(op: string, all: FateValue[], lengths: readonly number[]): Uint8Array[] {
  const bs = all.map((v) => bytesArg(op, v, all));
  if (bs.some((b, i) => b.length !== lengths[i])) badArgs(op, all);
  return bs;
}
function stringCells(m: Machine, b: Uint8Array): void {
  m.cellsGas(Math.floor(b.length / 8) + 1);
}

/** NFC code points of a UTF-8 string, or undefined if it is not valid UTF-8. */
function codePoints(b: Uint8Array): number[] | undefined {
  let s: string;
  try {
    s = utf8Strict.decode(b);
  } catch {
    return undefined;
  }
  return [...s.normalize('NFC')].map((c) => c.codePointAt(0)!);
}

// ---- strings ---------------------------------------------------------------------------

H['STR_JOIN'] = (m, a) => {
  const x = m.get(a[1]!);
  const y = m.get(a[2]!);
  const xb = str('str_join', x, [x, y]);
  const yb = str('str_join', y, [x, y]);
  const out = new Uint8Array(xb.length + yb.length);
  out.set(xb);
  out.set(yb, xb.length);
  stringCells(m, out);
  m.put(a[0]!, fString(out));
};
H['INT_TO_STR'] = (m, a) => {
  const x = m.get(a[1]!);
  if (typeof x !== 'bigint') badArgs('int_to_str', [x]);
  const out = utf8.encode(x.toString());
  stringCells(m, out);
  m.put(a[0]!, fString(out));
};
H['ADDR_TO_STR'] = (m, a) => {
  const x = m.get(a[1]!);
  if (typeof x !== 'object' || x.kind !== 'address') badArgs('addr_to_str', [x]);
  const out = utf8.encode(encode(x.bytes, 'ak'));
  stringCells(m, out);
  m.put(a[0]!, fString(out));
};
H['STR_REVERSE'] = (m, a) => {
  const x = m.get(a[1]!);
  const opName = m.vm >= 7 ? 'str_reverse_unicode' : 'str_reverse';
  const b = str(opName, x);
  let out: Uint8Array;
  if (m.vm >= 7) {
    const cps = codePoints(b);
    if (cps === undefined) badArgs(opName, [x]);
    out = utf8.encode(String.fromCodePoint(...cps.reverse()));
  } else {
    out = Uint8Array.from(b).reverse();
  }
  stringCells(m, out);
  m.put(a[0]!, fString(out));
};
H['STR_LENGTH'] = (m, a) => {
  const x = m.get(a[1]!);
  if (typeof x !== 'object' || x.kind !== 'string') typeError(x, 'string');
  const b = x.bytes;
  if (m.vm === 5) {
    m.put(a[0]!, BigInt(b.length));
    return;
  }
  const cps = codePoints(b);
  if (cps === undefined) typeError(x, 'string_utf8');
  m.cellsGas(cps.length);
  m.put(a[0]!, BigInt(cps.length));
};
H['BYTES_TO_STR'] = (m, a) => {
  const x = m.get(a[1]!);
  const b = bytesArg('bytes_to_str', x);
  const out = utf8.encode(bytesToHex(b).toUpperCase());
  stringCells(m, out);
  m.put(a[0]!, fString(out));
};
H['STR_TO_LIST'] = (m, a) => {
  const x = m.get(a[1]!);
  if (typeof x !== 'object' || x.kind !== 'string') typeError(x, 'string');
  const cps = codePoints(x.bytes);
  if (cps === undefined) typeError(x, 'string_utf8');
  m.cellsGas(2 * cps.length + 1);
  let l = NIL;
  for (let i = cps.length - 1; i >= 0; i -= 1) l = cons(BigInt(cps[i]!), l);
  m.put(a[0]!, l);
};
H['STR_FROM_LIST'] = (m, a) => {
  const x = m.get(a[1]!);
  const listChar = E.tuple(E.atom('list'), E.atom('char'));
  if (typeof x !== 'object' || x.kind !== 'list') typeError(x, listChar);
  m.traverse(x, MODELS.simple);
  const cps = listToArray(x);
  if (!cps.every((c) => typeof c === 'bigint' && c >= 0n)) typeError(x, listChar);
  // Surrogates and code points past U+10FFFF make the node's NFC conversion crash (badarg).
  if (!cps.every((c) => (c as bigint) <= 0x10ffffn && !((c as bigint) >= 0xd800n && (c as bigint) <= 0xdfffn))) throw new VmInternal('STR_FROM_LIST of invalid code points');
  const out = utf8.encode(String.fromCodePoint(...cps.map((c) => Number(c))).normalize('NFC'));
  stringCells(m, out);
  m.put(a[0]!, fString(out));
};
function caseOp(name: string, f: (s: string) => string): Handler {
  return (m, a) => {
    const x = m.get(a[1]!);
    if (typeof x !== 'object' || x.kind !== 'string') typeError(x, 'string');
    let s: string;
    try {
      s = utf8Strict.decode(x.bytes);
    } catch {
      return badArgs(name, [x]);
    }
    const out = utf8.encode(f(s));
    m.cellsGas(out.length);
    m.put(a[0]!, fString(out));
  };
}
H['STR_TO_UPPER'] = caseOp('str_to_upper', (s) => s.toUpperCase());
H['STR_TO_LOWER'] = caseOp('str_to_lower', (s) => s.toLowerCase());
H['CHAR_TO_INT'] = (m, a) => {
  const x = m.get(a[1]!);
  if (typeof x !== 'bigint') typeError(x, 'char');
  m.put(a[0]!, x);
};
H['CHAR_FROM_INT'] = (m, a) => {
  const x = m.get(a[1]!);
  if (typeof x !== 'bigint') fail(`Type error on call: ${P(x)} is not of type ${P(E.atom('int'))}`);
  if ((x < 0n || x > 1114111n) && m.iris) fail(`Type error on call: ${P(x)} is not of type ${P(E.atom('char'))}`);
  // The node's NFC conversion raises badarg for surrogates and (before Iris) out-of-range
  // code points: an exception, the update is rejected.
  if (x < 0n || x > 1114111n || (x >= 0xd800n && x <= 0xdfffn)) throw new VmInternal('CHAR_FROM_INT of an invalid code point');
  // The NFC form of the single code point; anything else (a surrogate, a decomposition) is None.
  let cp: number | undefined;
  if (x >= 0n && x <= 1114111n && !(x >= 0xd800n && x <= 0xdfffn)) {
    const n = [...String.fromCodePoint(Number(x)).normalize('NFC')];
    if (n.length === 1) cp = n[0]!.codePointAt(0);
  }
  if (cp !== undefined) {
    m.cellsGas(9);
    m.put(a[0]!, fSome(BigInt(cp)));
  } else {
    m.cellsGas(8);
    m.put(a[0]!, NONE);
  }
};
H['STR_TO_BYTES'] = (m, a) => {
  const x = m.get(a[1]!);
  const b = str('str_to_bytes', x);
  stringCells(m, b);
  m.put(a[0]!, fBytes(b));
};

// ---- bytes -----------------------------------------------------------------------------

H['BYTES_CONCAT'] = (m, a) => {
  const x = m.get(a[1]!);
  const y = m.get(a[2]!);
  const xb = bytesArg('bytes_concat', x, [x, y]);
  const yb = bytesArg('bytes_concat', y, [x, y]);
  const out = new Uint8Array(xb.length + yb.length);
  out.set(xb);
  out.set(yb, xb.length);
  m.cellsGas(Math.floor(out.length / 8));
  m.put(a[0]!, fBytes(out));
};
H['BYTES_SPLIT'] = (m, a) => {
  const x = m.get(a[1]!);
  const n = m.get(a[2]!);
  const b = bytesArg('bytes_split', x, [x, n]);
  if (typeof n !== 'bigint' || n < 0n || n > BigInt(b.length)) badArgs('bytes_split', [x, n]);
  m.cellsGas(4);
  m.put(a[0]!, fTuple([fBytes(b.slice(0, Number(n))), fBytes(b.slice(Number(n)))]));
};
H['BYTES_SPLIT_ANY'] = (m, a) => {
  const x = m.get(a[1]!);
  const n = m.get(a[2]!);
  const b = bytesArg('bytes_split_any', x, [x, n]);
  if (typeof n !== 'bigint') badArgs('bytes_split_any', [x, n]);
  const at = n > 0n ? n : BigInt(b.length) + n;
  if (at < 0n || at > BigInt(b.length) || (n > 0n && n > BigInt(b.length))) {
    m.put(a[0]!, NONE);
    return;
  }
  const first = b.slice(0, Number(at));
  const rest = b.slice(Number(at));
  m.cellsGas(Math.floor(first.length / 8) + Math.floor(rest.length / 8));
  m.cellsGas(4);
  m.put(a[0]!, fSome(fTuple([fBytes(first), fBytes(rest)])));
};
H['BYTES_SIZE'] = (m, a) => {
  const x = m.get(a[1]!);
  const r = BigInt(bytesArg('bytes_size', x).length);
  m.cellsGas(words(r));
  m.put(a[0]!, r);
};
H['BYTES_TO_FIXED_SIZE'] = (m, a) => {
  const x = m.get(a[1]!);
  const n = m.get(a[2]!);
  const b = bytesArg('bytes_to_fixed_size', x, [x, n]);
  if (typeof n !== 'bigint') badArgs('bytes_to_fixed_size', [x, n]);
  m.put(a[0]!, BigInt(b.length) === n ? fSome(x) : NONE);
};
H['INT_TO_BYTES'] = (m, a) => {
  const x = m.get(a[1]!);
  const n = m.get(a[2]!);
  if (typeof x !== 'bigint' || typeof n !== 'bigint') badArgs('int_to_bytes', [x, n]);
  // A negative size is an Erlang badarg in the node; a huge one would exhaust its memory.
  if (n < 0n || n > 0xffffffn) throw new VmInternal('INT_TO_BYTES size');
  const size = Number(n);
  const mod = 1n << BigInt(8 * size);
  let v = x % mod;
  if (v < 0n) v += mod;
  const out = new Uint8Array(size);
  for (let i = size - 1; i >= 0; i -= 1) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  m.cellsGas(Math.floor(out.length / 8) + 1);
  m.put(a[0]!, fBytes(out));
};

// ---- signatures ------------------------------------------------------------------------

H['VERIFY_SIG'] = (m, a) => {
  const msg = m.get(a[1]!);
  const pk = m.get(a[2]!);
  const sig = m.get(a[3]!);
  const mb = bytesArg('verify_sig', msg, [msg, pk, sig]);
  if (typeof pk !== 'object' || pk.kind !== 'address') badArgs('verify_sig', [msg, pk, sig]);
  const sb = bytesArg('verify_sig', sig, [msg, pk, sig]);
  if ((m.fate < 3 && mb.length !== 32) || sb.length !== 64) badArgs('verify_sig', [msg, pk, sig]);
  m.put(a[0]!, ed25519VerifyDetached(sb, mb, pk.bytes));
};
H['VERIFY_SIG_SECP256K1'] = (m, a) => {
  const msg = m.get(a[1]!);
  const pk = m.get(a[2]!);
  const sig = m.get(a[3]!);
  const [mb, pb, sb] = bytesOfLengths('verify_sig_secp256k1', [msg, pk, sig], [32, 64, 64]) as [Uint8Array, Uint8Array, Uint8Array];
  const full = new Uint8Array(65);
  full[0] = 4;
  full.set(pb, 1);
  try {
    secp256k1.Point.fromBytes(full);
  } catch {
    // A public key that is not a curve point makes the node's crypto library raise badarg.
    throw new VmInternal('VERIFY_SIG_SECP256K1 with an invalid public key');
  }
  let ok = false;
  try {
    ok = secp256k1.verify(sb, mb, full, { prehash: false, lowS: false, format: 'compact' });
  } catch {
    ok = false;
  }
  m.put(a[0]!, ok);
};
/**
 * The node's `ecrecover:recover` (through `aeu_crypto:ecrecover`): Ethereum's ecrecover on
 * `sig = v ‖ r ‖ s` with `v` 27 or 28 (the node builds recoverable signatures as
 * `<<27 | 28, r, s>>`), `1 ≤ r, s < n` (a high `s` is accepted); the signer's address is the
 * last 20 bytes of the Keccak-256 of its uncompressed public key.
 */
function ecrecover(msg: Uint8Array, sig: Uint8Array): Uint8Array | undefined {
  const v = sig[0]!;
  if (v !== 27 && v !== 28) return undefined;
  const rec = v - 27;
  try {
    const s = secp256k1.Signature.fromBytes(sig.slice(1), 'compact').addRecoveryBit(rec);
    const pub = s.recoverPublicKey(msg).toBytes(false);
    return keccak_256(pub.slice(1)).slice(12);
  } catch {
    return undefined;
  }
}
H['ECRECOVER_SECP256K1'] = (m, a) => {
  const msg = m.get(a[1]!);
  const sig = m.get(a[2]!);
  const [mb, sb] = bytesOfLengths('ecrecover_secp256k1', [msg, sig], [32, 65]) as [Uint8Array, Uint8Array];
  const addr = ecrecover(mb, sb);
  m.put(a[0]!, addr === undefined ? NONE : fSome(fBytes(addr)));
};
H['ECVERIFY_SECP256K1'] = (m, a) => {
  const msg = m.get(a[1]!);
  const addr = m.get(a[2]!);
  const sig = m.get(a[3]!);
  const [mb, ab, sb] = bytesOfLengths('ecverify_secp256k1', [msg, addr, sig], [32, 20, 65]) as [Uint8Array, Uint8Array, Uint8Array];
  const got = ecrecover(mb, sb);
  m.put(a[0]!, got !== undefined && bytesToHex(got) === bytesToHex(ab));
};

// ---- Poseidon ------------------------------------------------------------------------------

H['POSEIDON'] = (m, a) => {
  const x = m.get(a[1]!);
  const y = m.get(a[2]!);
  // The node accepts 0 ≤ x < r − 1 (r − 1 itself is refused).
  const ok = (v: FateValue): v is bigint => typeof v === 'bigint' && v >= 0n && v < BLS12_381_R - 1n;
  if (!ok(x) || !ok(y)) badArgs('poseidon', [x, y]);
  m.put(a[0]!, poseidon2(x, y));
};

// ---- oracle reads (answered for oracles the chain view says do not exist) ----------------

function oracleArg(m: Machine, v: FateValue, op: string): Uint8Array {
  if (typeof v !== 'object' || v.kind !== 'oracle') typeError(v, 'oracle');
  // The chain view has no oracle state: only an absent oracle can be answered exactly.
  if (m.chain.isOracle?.(v.bytes) ?? false) throw new VmUnsupported(op);
  return v.bytes;
}
function queryArg(v: FateValue): void {
  if (typeof v !== 'object' || v.kind !== 'oracle_query') typeError(v, 'oracle_query');
}
const isTypeRep = (v: FateValue): boolean => typeof v === 'object' && v.kind === 'typerep';
H['ORACLE_CHECK'] = (m, a) => {
  const o = m.get(a[1]!);
  const q = m.get(a[2]!);
  const r = m.get(a[3]!);
  if (typeof o !== 'object' || o.kind !== 'oracle') typeError(o, 'oracle');
  if (!isTypeRep(q) || !isTypeRep(r)) fail(`Error in ${W(E.atom('oracle_check'))}: ${W(E.atom('bad_type'))}`);
  oracleArg(m, o, 'ORACLE_CHECK');
  m.put(a[0]!, false);
};
H['ORACLE_CHECK_QUERY'] = (m, a) => {
  const o = m.get(a[1]!);
  const q = m.get(a[2]!);
  const qt = m.get(a[3]!);
  const rt = m.get(a[4]!);
  if (typeof o !== 'object' || o.kind !== 'oracle') typeError(o, 'oracle');
  queryArg(q);
  // Not checked against the node: refuse non-typerep types rather than guess the error.
  if (!isTypeRep(qt) || !isTypeRep(rt)) throw new VmUnsupported('ORACLE_CHECK_QUERY with a non-type');
  oracleArg(m, o, 'ORACLE_CHECK_QUERY');
  m.put(a[0]!, false);
};
function oracleMissing(name: string, reason: string): Handler {
  return (m, a) => {
    const args = a.slice(1).map((x) => m.get(x));
    const o = args[0]!;
    if (typeof o !== 'object' || o.kind !== 'oracle') typeError(o, 'oracle');
    if (args.length > 1) queryArg(args[1]!);
    if (args.length > 2 && !args.slice(2).every(isTypeRep)) throw new VmUnsupported(`${name.toUpperCase()} with a non-type`);
    oracleArg(m, o, name.toUpperCase());
    fail(`Error in ${W(E.atom(name))}: ${W(E.atom(reason))}`);
  };
}
H['ORACLE_QUERY_FEE'] = oracleMissing('oracle_query_fee', 'oracle_does_not_exist');
H['ORACLE_EXPIRY'] = oracleMissing('oracle_expiry', 'oracle_does_not_exist');
H['ORACLE_GET_QUESTION'] = oracleMissing('oracle_get_question', 'oracle_not_found');
H['ORACLE_GET_ANSWER'] = oracleMissing('oracle_get_answer', 'oracle_not_found');

// ---- BLS12-381 (see bls12381.ts for what is computed and what is refused) ----------------

/**
 * The node checks each operand's shape (field elements as bytes of 32/48, points as tuples
 * of them) and answers `Bad arguments to bls12_381_…` otherwise; only then does MCL run.
 */
function blsBytes(v: FateValue, n: number): Uint8Array | undefined {
  return typeof v === 'object' && v.kind === 'bytes' && v.bytes.length === n ? v.bytes : undefined;
}
function blsTuple(v: FateValue, n: number): readonly FateValue[] | undefined {
  return typeof v === 'object' && v.kind === 'tuple' && v.elements.length === n ? v.elements : undefined;
}
const blsFr = (v: FateValue) => blsBytes(v, 32);
function blsG1(v: FateValue): G1Bytes | undefined {
  const t = blsTuple(v, 3)?.map((e) => blsBytes(e, 48));
  return t === undefined || t.includes(undefined) ? undefined : (t as unknown as G1Bytes);
}
function blsG2(v: FateValue): G2Bytes | undefined {
  const t = blsTuple(v, 3)?.map((c) => blsTuple(c, 2)?.map((e) => blsBytes(e, 48)));
  return t === undefined || t.some((c) => c === undefined || c.includes(undefined)) ? undefined : (t as unknown as G2Bytes);
}
function blsGt(v: FateValue): GtBytes | undefined {
  const t = blsTuple(v, 12)?.map((e) => blsBytes(e, 48));
  return t === undefined || t.includes(undefined) ? undefined : (t as Uint8Array[]);
}
const g1Value = (p: G1Bytes): FateValue => fTuple(p.map(fBytes));
const g2Value = (p: G2Bytes): FateValue => fTuple(p.map((c) => fTuple(c.map(fBytes))));
const gtValue = (v: GtBytes): FateValue => fTuple(v.map(fBytes));

/** A result only a given MCL build defines: refused with the mnemonic and the reason. */
function blsRun<T>(name: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof BlsUnsupported) throw new VmUnsupported(`${name} (${e.message})`);
    throw e;
  }
}

function blsUnary<A>(name: string, shape: (v: FateValue) => A | undefined, f: ((a: A) => FateValue) | 'refused'): Handler {
  const atom = name.toLowerCase();
  return (m, a) => {
    const v = m.get(a[1]!);
    const x = shape(v);
    if (x === undefined) badArgs(atom, [v]);
    if (f === 'refused') throw new VmUnsupported(name);
    m.put(a[0]!, blsRun(name, () => f(x)));
  };
}
function blsBinary<A, B>(name: string, left: (v: FateValue) => A | undefined, right: (v: FateValue) => B | undefined, f: ((a: A, b: B) => FateValue) | 'refused'): Handler {
  const atom = name.toLowerCase();
  return (m, a) => {
    const l = m.get(a[1]!);
    const r = m.get(a[2]!);
    const x = left(l);
    const y = right(r);
    if (x === undefined || y === undefined) badArgs(atom, [l, r]);
    if (f === 'refused') throw new VmUnsupported(name);
    m.put(a[0]!, blsRun(name, () => f(x, y)));
  };
}
const inRange = (max: bigint) => (v: FateValue): bigint | undefined => (typeof v === 'bigint' && v >= 0n && v < max ? v : undefined);

// INT_TO_FR takes 0 ≤ x < r − 1 (the node's bound is r − 1, as for POSEIDON); INT_TO_FP 0 ≤ x < p.
H['BLS12_381_INT_TO_FR'] = blsUnary('BLS12_381_INT_TO_FR', inRange(BLS_R - 1n), (x) => fBytes(intToFr(x)));
H['BLS12_381_INT_TO_FP'] = blsUnary('BLS12_381_INT_TO_FP', inRange(BLS_P), (x) => fBytes(intToFp(x)));
H['BLS12_381_FR_TO_INT'] = blsUnary('BLS12_381_FR_TO_INT', blsFr, frToInt);
H['BLS12_381_FP_TO_INT'] = blsUnary('BLS12_381_FP_TO_INT', (v) => blsBytes(v, 48), fpToInt);
H['BLS12_381_G1_NEG'] = blsUnary('BLS12_381_G1_NEG', blsG1, (p) => g1Value(g1Neg(p)));
H['BLS12_381_G1_NORM'] = blsUnary('BLS12_381_G1_NORM', blsG1, (p) => g1Value(g1Norm(p)));
H['BLS12_381_G1_VALID'] = blsUnary('BLS12_381_G1_VALID', blsG1, g1Valid);
H['BLS12_381_G1_IS_ZERO'] = blsUnary('BLS12_381_G1_IS_ZERO', blsG1, g1IsZero);
H['BLS12_381_G1_ADD'] = blsBinary('BLS12_381_G1_ADD', blsG1, blsG1, 'refused');
H['BLS12_381_G1_MUL'] = blsBinary('BLS12_381_G1_MUL', blsFr, blsG1, 'refused');
H['BLS12_381_G2_NEG'] = blsUnary('BLS12_381_G2_NEG', blsG2, (p) => g2Value(g2Neg(p)));
H['BLS12_381_G2_NORM'] = blsUnary('BLS12_381_G2_NORM', blsG2, (p) => g2Value(g2Norm(p)));
H['BLS12_381_G2_VALID'] = blsUnary('BLS12_381_G2_VALID', blsG2, g2Valid);
H['BLS12_381_G2_IS_ZERO'] = blsUnary('BLS12_381_G2_IS_ZERO', blsG2, g2IsZero);
H['BLS12_381_G2_ADD'] = blsBinary('BLS12_381_G2_ADD', blsG2, blsG2, 'refused');
H['BLS12_381_G2_MUL'] = blsBinary('BLS12_381_G2_MUL', blsFr, blsG2, 'refused');
H['BLS12_381_GT_INV'] = blsUnary('BLS12_381_GT_INV', blsGt, (v) => gtValue(gtInv(v)));
H['BLS12_381_GT_ADD'] = blsBinary('BLS12_381_GT_ADD', blsGt, blsGt, (x, y) => gtValue(gtAdd(x, y)));
H['BLS12_381_GT_MUL'] = blsBinary('BLS12_381_GT_MUL', blsGt, blsGt, (x, y) => gtValue(gtMul(x, y)));
H['BLS12_381_GT_POW'] = blsBinary('BLS12_381_GT_POW', blsGt, blsFr, (x, k) => gtValue(gtPow(x, k)));
H['BLS12_381_GT_IS_ONE'] = blsUnary('BLS12_381_GT_IS_ONE', blsGt, gtIsOne);
H['BLS12_381_PAIRING'] = blsBinary('BLS12_381_PAIRING', blsG1, blsG2, 'refused');
H['BLS12_381_MILLER_LOOP'] = blsBinary('BLS12_381_MILLER_LOOP', blsG1, blsG2, 'refused');
H['BLS12_381_FINAL_EXP'] = blsUnary('BLS12_381_FINAL_EXP', blsGt, 'refused');

// ---- unsupported families: refused with a typed error ------------------------------------

const UNSUPPORTED = ['AENS_RESOLVE', 'AENS_LOOKUP', 'DBG_LOC', 'DBG_DEF', 'DBG_UNDEF', 'DBG_CONTRACT'];
for (const name of UNSUPPORTED) {
  H[name] = () => {
    throw new VmUnsupported(name);
  };
}

/** Extra handlers by mnemonic. */
export const extraOps: Record<string, Handler> = H;
