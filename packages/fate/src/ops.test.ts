/**
 * Unit tests per op family: each op runs alone in an assembled function (`op`; `RETURN`)
 * and both its value and the call's gas are checked. The expected gas is computed from the
 * reference tables, not copied from a run: base gas from CONTRACTS.md §4.3 (the opcode
 * table), memory cells and traversal costs from §4.4 (b)/(c), then the top-level return
 * (simple traversal of the result, final traversal in finalize).
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { describe, expect, it } from 'vitest';
import { isAechannelError, Tag, type Encoded } from '@aechannel/codec';
import { assemble, callData, imm, st, vr, type AsmFunction, type Opnd } from '../test/asm.js';
import { runCode } from '../test/run.js';
import { applyUpdate, createdContractId } from './channel.js';
import { byteSize, MODELS, traversalCost } from './gas.js';
import { OPCODE_BY_NAME } from './opcodes.js';
import { deserializeValue, keyOf, serializeValue } from './serialize.js';
import { treesFromBalances } from './trees.js';
import { T } from './types.js';
import {
  EMPTY_MAP, fBits, fBytes, fObject, fSome, fString, fTuple, fVariant, listFromArray, NIL, NONE, type FateMap, type FateValue,
} from './values.js';
import { errorOf } from '../test/errorOf.js';

const base = (name: string, lima = false): number => {
  const o = OPCODE_BY_NAME.get(name)!;
  return lima ? o.limaGas : o.gas;
};
const ceil = (mgas: number): number => Math.ceil(mgas / 1000);
/** Gas of the top-level return of `v` (Iris+): simple traversal, then the final one. */
const topReturn = (v: FateValue): number => ceil(traversalCost(v, MODELS.simple)) + ceil(traversalCost(v, MODELS.final));

function map(entries: [FateValue, FateValue][]): FateMap {
  return { kind: 'map', entries: new Map(entries.map(([k, v]) => [keyOf(k), [k, v] as const])) };
}

/** Runs `op dest=stack, ...operands; RETURN` and returns value and gas. */
function runOp(name: string, operands: Opnd[], o: { consensus?: number; vm?: number } = {}): { value: FateValue | string; gas: number; type: string } {
  const r = runCode([{ name: 'f', args: [], ret: T.any, code: [[name, st, ...operands], ['RETURN']] }], 'f', [], o);
  return { value: r.type === 'ok' ? deserializeValue(r.returnValue) : new TextDecoder().decode(r.returnValue), gas: r.gasUsed, type: r.type };
}

/** Expected gas of runOp: base + extra cells + 1 pushed cell + RETURN + top-level return. */
function expectedGas(name: string, result: FateValue, extraCells: number, extraGas = 0): number {
  return base(name) + extraCells + 1 + extraGas + base('RETURN') + topReturn(result);
}

function check(name: string, operands: Opnd[], result: FateValue, extraCells: number, extraGas = 0, o: { consensus?: number; vm?: number } = {}): void {
  const r = runOp(name, operands, o);
  expect(r.type).toBe('ok');
  expect(serializeValue(r.value as FateValue)).toEqual(serializeValue(result));
  expect(r.gas).toBe(expectedGas(name, result, extraCells, extraGas));
}

const words = (n: bigint): number => {
  let x = n < 0n ? -n : n;
  let w = 1;
  while (x >= 1n << 64n) {
    x >>= 64n;
    w += 1;
  }
  return w;
};

describe('integers (w(result) cells)', () => {
  it.each([
    ['ADD', 2n, 3n, 5n], ['SUB', 2n, 3n, -1n], ['MUL', -4n, 3n, -12n], ['DIV', -7n, 2n, -3n], ['MOD', -7n, 2n, -1n],
    ['ADD', 2n ** 100n, 1n, 2n ** 100n + 1n], ['MUL', 2n ** 64n, 2n ** 64n, 2n ** 128n],
    ['BAND', 12n, 10n, 8n], ['BOR', 12n, 10n, 14n], ['BXOR', 12n, 10n, 6n], ['BSR', -9n, 1n, -5n],
  ])('%s %s %s', (op, a, b, want) => {
    check(op, [imm(a), imm(b)], want, words(want));
  });
  it('BSL charges shift div 64 + 1 cells before', () => check('BSL', [imm(1n), imm(130n)], 1n << 130n, 130 / 64 + 1 | 0));
  it('BNOT', () => check('BNOT', [imm(5n)], -6n, 1));
  it('MULMOD', () => check('MULMOD', [imm(7n), imm(8n), imm(5n)], 1n, 1));
  it('POW charges its iterative cells', () => {
    // 3^5: b=5 odd: w(1)+3w(3)=4, r=3, a=9, b=2 even: 2w(9)=2, a=81, b=1 odd: w(3)+3w(81)=4 → 10
    check('POW', [imm(3n), imm(5n)], 243n, 10);
  });
  it('division by zero is an error that uses all gas', () => {
    const r = runOp('DIV', [imm(1n), imm(0n)]);
    expect(r).toEqual({ value: 'Arithmetic error: division by zero', gas: 1_000_000, type: 'error' });
  });
  it('negative exponent', () => expect(runOp('POW', [imm(2n), imm(-1n)]).value).toBe('Arithmetic error: negative_exponent'));
});

describe('comparisons (unfold_compare traversal of each operand)', () => {
  const cmpGas = (a: FateValue, b: FateValue): number => ceil(traversalCost(a, MODELS.simple)) + ceil(traversalCost(b, MODELS.simple));
  it.each([
    ['LT', 1n, 2n, true], ['GT', 1n, 2n, false], ['EQ', fString('a'), fString('a'), true], ['NEQ', 1n, fString('a'), true],
    ['ELT', fString('b'), fString('aa'), true], ['EGT', fBits(-1n), fBits(5n), true],
    ['LT', listFromArray([1n, 2n]), listFromArray([1n, 3n]), true], ['LT', fTuple([2n]), fTuple([1n, 1n]), true],
  ] as [string, FateValue, FateValue, boolean][])('%s %o %o', (op, a, b, want) => {
    check(op, [imm(a), imm(b)], want, 0, cmpGas(a, b));
  });
  it('before Iris compare by Erlang term order (binaries bytewise, not shorter first)', () => {
    const r = runCode([{ name: 'f', args: [], ret: T.any, code: [['LT', st, imm(fString('aa')), imm(fString('b'))], ['RETURN']] }], 'f', [], { consensus: 4, vm: 5 });
    expect(deserializeValue(r.returnValue)).toBe(true);
    const iris = runCode([{ name: 'f', args: [], ret: T.any, code: [['LT', st, imm(fString('aa')), imm(fString('b'))], ['RETURN']] }], 'f');
    expect(deserializeValue(iris.returnValue)).toBe(false);
  });
});

describe('booleans, tuples, variants', () => {
  it('AND/OR/NOT', () => {
    check('AND', [imm(true), imm(false)], false, 0);
    check('OR', [imm(true), imm(false)], true, 0);
    check('NOT', [imm(true)], false, 0);
  });
  it('ELEMENT / SETELEMENT (size + 2 cells)', () => {
    check('ELEMENT', [imm(1n), imm(fTuple([5n, 6n]))], 6n, 0);
    check('SETELEMENT', [imm(0n), imm(fTuple([5n, 6n])), imm(9n)], fTuple([9n, 6n]), 4);
  });
  it('VARIANT (2·arities + n + 4 cells), VARIANT_TEST, VARIANT_ELEMENT', () => {
    check('VARIANT', [imm(listFromArray([0n, 1n])), imm(0n), imm(0n)], NONE, 2 * 2 + 0 + 4);
    check('VARIANT_TEST', [imm(fSome(3n)), imm(1n)], true, 0);
    check('VARIANT_ELEMENT', [imm(fSome(3n)), imm(0n)], 3n, 0);
  });
});

describe('lists and maps', () => {
  it('CONS (2 cells), APPEND (2 × length of the first), HD, TL, IS_NIL', () => {
    check('CONS', [imm(1n), imm(NIL)], listFromArray([1n]), 2);
    check('APPEND', [imm(listFromArray([1n, 2n])), imm(listFromArray([3n]))], listFromArray([1n, 2n, 3n]), 4);
    check('HD', [imm(listFromArray([7n, 8n]))], 7n, 0);
    check('TL', [imm(listFromArray([7n, 8n]))], listFromArray([8n]), 0);
    check('IS_NIL', [imm(NIL)], true, 0);
  });
  it('LENGTH exists in FATE_01 only', () => {
    check('LENGTH', [imm(listFromArray([1n, 2n]))], 2n, 0, 0, { vm: 5 });
    expect(runOp('LENGTH', [imm(NIL)], { vm: 8 }).value).toBe('Error in length: not_supported');
  });
  it('MAP_EMPTY (2), MAP_UPDATE (2), MAP_FROM_LIST (size + 2), MAP_TO_LIST (2 × size), lookups', () => {
    check('MAP_EMPTY', [], EMPTY_MAP, 2);
    const m = map([[1n, fString('a')], [2n, fString('b')]]);
    check('MAP_UPDATE', [imm(EMPTY_MAP), imm(1n), imm(fString('a'))], map([[1n, fString('a')]]), 2);
    check('MAP_FROM_LIST', [imm(listFromArray([fTuple([2n, fString('b')]), fTuple([1n, fString('a')]), fTuple([2n, fString('b')])]))], m, 2 + 2);
    check('MAP_TO_LIST', [imm(m)], listFromArray([fTuple([1n, fString('a')]), fTuple([2n, fString('b')])]), 4);
    check('MAP_LOOKUPD', [imm(m), imm(3n), imm(0n)], 0n, 0);
    check('MAP_MEMBER', [imm(m), imm(2n)], true, 0);
    check('MAP_SIZE', [imm(m)], 2n, 0);
    check('MAP_DELETE', [imm(m), imm(1n)], map([[2n, fString('b')]]), 0);
  });
});

describe('bits (index div 64 + 1 cells)', () => {
  it('set, clear, test, sum, all_n, none/all', () => {
    check('BITS_SET', [imm(fBits(0n)), imm(70n)], fBits(1n << 70n), 2);
    check('BITS_CLEAR', [imm(fBits(7n)), imm(1n)], fBits(5n), 1);
    check('BITS_TEST', [imm(fBits(4n)), imm(2n)], true, 1);
    check('BITS_SUM', [imm(fBits(255n))], 8n, 0);
    check('BITS_ALL_N', [imm(3n)], fBits(7n), 1);
    const acc = (op: string) => runCode([{ name: 'f', args: [], ret: T.any, code: [[op], ['RETURN']] }], 'f');
    expect(deserializeValue(acc('BITS_NONEA').returnValue)).toEqual(fBits(0n));
    expect(acc('BITS_ALLA').gasUsed).toBe(base('BITS_ALLA') + 1 + 1 + base('RETURN') + topReturn(fBits(-1n)));
    // The node crashes on the destination forms (no FATE error): the update is refused.
    check('BITS_NONE', [], fBits(0n), 1);
    check('BITS_ALL', [], fBits(-1n), 1);
    check('BITS_DIFF', [imm(fBits(7n)), imm(fBits(2n))], fBits(5n), 0);
  });
});

describe('strings and bytes (bytes div 8 (+1) cells)', () => {
  it('STR_JOIN, INT_TO_STR, STR_LENGTH (code points), STR_REVERSE', () => {
    check('STR_JOIN', [imm(fString('abc')), imm(fString('defghi'))], fString('abcdefghi'), 9 / 8 + 1 | 0);
    check('INT_TO_STR', [imm(-42n)], fString('-42'), 1);
    check('STR_LENGTH', [imm(fString('hé'))], 2n, 2);
    check('STR_REVERSE', [imm(fString('hé'))], fString('éh'), 1);
  });
  it('FATE_01 strings are bytes', () => {
    check('STR_LENGTH', [imm(fString('hé'))], 3n, 0, 0, { vm: 5 });
  });
  it('RETURN with an empty stack crashes the node: the update is refused', () => {
    expect(runCode([{ name: 'f', args: [], ret: T.any, code: [['RETURN']] }], 'f').internal).toBe('RETURN with an empty stack');
  });
  it('BYTES_TO_STR is upper-case hex, ADDR_TO_STR is ak_', () => {
    check('BYTES_TO_STR', [imm(fBytes(hexToBytes('0aff')))], fString('0AFF'), 1);
    const a = fObject('address', new Uint8Array(32).fill(0).map((_, i) => (i === 31 ? 1 : 0)));
    const text = 'ak_11111111111111111111111111111118qjnEr';
    check('ADDR_TO_STR', [imm(a)], fString(text), Math.floor(text.length / 8) + 1);
  });
  it('BYTES_CONCAT, BYTES_SPLIT (4 cells), BYTES_TO_INT, INT_TO_BYTES, BYTES_SIZE, STR_TO_BYTES', () => {
    check('BYTES_CONCAT', [imm(fBytes(hexToBytes('0102'))), imm(fBytes(hexToBytes('03')))], fBytes(hexToBytes('010203')), 0);
    check('BYTES_SPLIT', [imm(fBytes(hexToBytes('010203'))), imm(1n)], fTuple([fBytes(hexToBytes('01')), fBytes(hexToBytes('0203'))]), 4);
    check('BYTES_TO_INT', [imm(fBytes(hexToBytes('0102')))], 258n, 0);
    check('INT_TO_BYTES', [imm(-1n), imm(2n)], fBytes(hexToBytes('ffff')), 1);
    check('BYTES_SIZE', [imm(fBytes(hexToBytes('010203')))], 3n, 1);
    check('STR_TO_BYTES', [imm(fString('ab'))], fBytes(hexToBytes('6162')), 1);
  });
  it('BYTES_SPLIT_ANY and BYTES_TO_FIXED_SIZE', () => {
    check('BYTES_SPLIT_ANY', [imm(fBytes(hexToBytes('010203'))), imm(-1n)], fSome(fTuple([fBytes(hexToBytes('0102')), fBytes(hexToBytes('03'))])), 4);
    check('BYTES_SPLIT_ANY', [imm(fBytes(hexToBytes('01'))), imm(5n)], NONE, 0);
    check('BYTES_TO_FIXED_SIZE', [imm(fBytes(hexToBytes('01'))), imm(1n)], fSome(fBytes(hexToBytes('01'))), 0);
  });
  it('CHAR_FROM_INT (9 cells for Some, 8 for None)', () => {
    check('CHAR_FROM_INT', [imm(65n)], fSome(65n), 9);
    // U+0344 has no one-code-point NFC form: None.
    check('CHAR_FROM_INT', [imm(0x344n)], NONE, 8);
    // A surrogate makes the node's NFC conversion raise: the update is refused.
    expect(runCode([{ name: 'f', args: [], ret: T.any, code: [['CHAR_FROM_INT', st, imm(0xd800n)], ['RETURN']] }], 'f').internal).toBe('CHAR_FROM_INT of an invalid code point');
  });
});

describe('hashes (unfold_serial traversal of the operand)', () => {
  const h = (s: string) => fBytes(hexToBytes(s));
  const t = (v: FateValue) => ceil(traversalCost(v, MODELS.simple));
  it('SHA3 is Keccak-256, SHA256, BLAKE2B over the string bytes', () => {
    const abc = fString('abc');
    check('SHA3', [imm(abc)], h('4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45'), 0, t(abc));
    check('SHA256', [imm(abc)], h('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'), 0, t(abc));
    check('BLAKE2B', [imm(abc)], h('bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319'), 0, t(abc));
  });
  it('SHA3 is the original Keccak-256 (the node\'s EVM hash), not FIPS 202 SHA3-256', () => {
    const empty = fString('');
    check('SHA3', [imm(empty)], h('c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'), 0, t(empty));
    // FIPS 202 SHA3-256 of "" and "abc" (different padding): not what the VM computes.
    expect(runOp('SHA3', [imm(empty)]).value).not.toEqual(h('a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a'));
    expect(runOp('SHA3', [imm(fString('abc'))]).value).not.toEqual(h('3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532'));
  });
  it('hashes other values by their FATE serialization', () => {
    const v = fTuple([1n, fString('a')]);
    const want = runOp('BLAKE2B', [imm(fBytes(serializeValue(v)))]).value as FateValue;
    const got = runOp('BLAKE2B', [imm(v)]);
    expect(serializeValue(got.value as FateValue)).toEqual(serializeValue(want));
  });
});

describe('signatures', () => {
  it('VERIFY_SIG: Ed25519 (RFC 8032 test 1 key), any message length from FATE_03', () => {
    const sk = hexToBytes('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
    const pk = ed25519.getPublicKey(sk);
    const msg = new Uint8Array(0);
    const sig = ed25519.sign(msg, sk);
    expect(bytesToHex(sig)).toBe('e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b');
    check('VERIFY_SIG', [imm(fBytes(msg)), imm(fObject('address', pk)), imm(fBytes(sig))], true, 0);
    const bad = Uint8Array.from(sig);
    bad[0] = bad[0]! ^ 1;
    check('VERIFY_SIG', [imm(fBytes(msg)), imm(fObject('address', pk)), imm(fBytes(bad))], false, 0);
  });
});

describe('secp256k1 recovery (Ethereum\'s ecrecover; signature v ‖ r ‖ s)', () => {
  // go-ethereum's ecrecover precompile vectors: hash, v, r, s, address.
  const vectors = [
    ['38d18acb67d25c8bb9942764b62f18e17054f66a817bd4295423adf9ed98873e', '1b', '38d18acb67d25c8bb9942764b62f18e17054f66a817bd4295423adf9ed98873e', '789d1dd423d25f0772d2748d60f7e4b81bb14d086eba8e8e8efb6dcff8a4ae02', 'ceaccac640adf55b2028469bd36ba501f28b699d'],
    ['456e9aea5e197a1f1af7a3e85a3212fa4049a3ba34c2289b4c860fc0b0c64ef3', '1c', '9242685bf161793cc25603c231bc2f568eb630ea16aa137d2664ac8038825608', '4f8ae3bd7535248d0bd448298cc2e2071e56992d0774dc340c368ae950852ada', '7156526fbd7a3c72969b54f64e42c10fbb768c8a'],
  ] as const;
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const b = (x: string) => fBytes(hexToBytes(x));
  const recover = (hash: string, sig: string) => runOp('ECRECOVER_SECP256K1', [imm(b(hash)), imm(b(sig))]).value;
  it('recovers the signer\'s address from the published vectors', () => {
    for (const [hash, v, r, s, addr] of vectors) check('ECRECOVER_SECP256K1', [imm(b(hash)), imm(b(v + r + s))], fSome(b(addr)), 0);
  });
  it('accepts a high s with the other v, as the precompile does', () => {
    const [hash, , r, s, addr] = vectors[1];
    expect(recover(hash, `1b${r}${(n - BigInt(`0x${s}`)).toString(16).padStart(64, '0')}`)).toEqual(fSome(b(addr)));
  });
  it('is None for v other than 27/28 and for r or s outside 1..n-1', () => {
    const [hash, , r, s] = vectors[1];
    for (const v of ['00', '01', '1a', '1d']) expect(recover(hash, v + r + s)).toEqual(NONE);
    expect(recover(hash, `1c${'00'.repeat(32)}${s}`)).toEqual(NONE);
    expect(recover(hash, `1c${n.toString(16)}${s}`)).toEqual(NONE);
    expect(recover(hash, `1c${r}${'00'.repeat(32)}`)).toEqual(NONE);
  });
  it('ECVERIFY compares the recovered address', () => {
    const [hash, v, r, s, addr] = vectors[0];
    check('ECVERIFY_SECP256K1', [imm(b(hash)), imm(b(addr)), imm(b(v + r + s))], true, 0);
    check('ECVERIFY_SECP256K1', [imm(b(hash)), imm(b(vectors[1][4])), imm(b(v + r + s))], false, 0);
    check('ECVERIFY_SECP256K1', [imm(b(hash)), imm(b(addr)), imm(b(`01${r}${s}`))], false, 0);
  });
});

describe('BLS12-381 (values in MCL\'s Montgomery form; see bls12381.test.ts)', () => {
  const r = bls12_381.fields.Fr.ORDER;
  const p = bls12_381.fields.Fp.ORDER;
  const le = (x: bigint, n: number) => fBytes(Uint8Array.from({ length: n }, (_, i) => Number((x >> BigInt(8 * i)) & 0xffn)));
  const fp = (x: bigint) => le((x << 384n) % p, 48);
  it('INT_TO_FR, INT_TO_FP and back, base gas and the pushed cell', () => {
    check('BLS12_381_INT_TO_FR', [imm(3735928559n)], le((3735928559n << 256n) % r, 32), 0);
    check('BLS12_381_INT_TO_FP', [imm(p - 1n)], le(((p - 1n) << 384n) % p, 48), 0);
    check('BLS12_381_FR_TO_INT', [imm(le((5n << 256n) % r, 32))], 5n, 0);
    check('BLS12_381_FP_TO_INT', [imm(fp(7n))], 7n, 0);
  });
  it('the node\'s ranges: INT_TO_FR below r − 1, INT_TO_FP below p', () => {
    expect(runOp('BLS12_381_INT_TO_FR', [imm(r - 2n)]).type).toBe('ok');
    expect(runOp('BLS12_381_INT_TO_FR', [imm(r - 1n)]).value).toBe(`Bad arguments to bls12_381_int_to_fr: [${r - 1n}]`);
    expect(runOp('BLS12_381_INT_TO_FP', [imm(p)]).value).toBe(`Bad arguments to bls12_381_int_to_fp: [${p}]`);
  });
  it('G1 validity, zero test, negation and normalization of the generator', () => {
    const g = bls12_381.G1.Point.BASE.toAffine();
    const G = fTuple([fp(g.x), fp(g.y), fp(1n)]);
    check('BLS12_381_G1_VALID', [imm(G)], true, 0);
    check('BLS12_381_G1_IS_ZERO', [imm(G)], false, 0);
    check('BLS12_381_G1_NEG', [imm(G)], fTuple([fp(g.x), fp(p - g.y), fp(1n)]), 0);
    check('BLS12_381_G1_NORM', [imm(fTuple([fp((g.x * 4n) % p), fp((g.y * 8n) % p), fp(2n)]))], G, 0);
  });
  it('results only a given MCL build defines are refused with the operation named', () => {
    const g = bls12_381.G1.Point.BASE.toAffine();
    const G = fTuple([fp(g.x), fp(g.y), fp(1n)]);
    const refused = (name: string, ops: Opnd[]) => runCode([{ name: 'f', args: [], ret: T.any, code: [[name, st, ...ops], ['RETURN']] }], 'f').unsupported;
    expect(refused('BLS12_381_G1_ADD', [imm(G), imm(G)])).toBe('BLS12_381_G1_ADD');
    expect(refused('BLS12_381_G1_MUL', [imm(le(2n, 32)), imm(G)])).toBe('BLS12_381_G1_MUL');
    expect(refused('BLS12_381_G1_VALID', [imm(fTuple([fp(1n), fp(1n), fp(2n ** 384n % p)]))])).toBeUndefined();
    expect(refused('BLS12_381_G1_NEG', [imm(fTuple([le(p, 48), fp(1n), fp(1n)]))])).toBe('BLS12_381_G1_NEG (a BLS12-381 coordinate that is not reduced)');
  });
  it('pairing, Miller loop, final exponentiation, G2 add and mul are refused on valid operands with the operation named', () => {
    const g = bls12_381.G1.Point.BASE.toAffine();
    const q = bls12_381.G2.Point.BASE.toAffine();
    const G = fTuple([fp(g.x), fp(g.y), fp(1n)]);
    const Q = fTuple([fTuple([fp(q.x.c0), fp(q.x.c1)]), fTuple([fp(q.y.c0), fp(q.y.c1)]), fTuple([fp(1n), fp(0n)])]);
    const ONE = fTuple([fp(1n), ...Array.from({ length: 11 }, () => fp(0n))]);
    // The operands are well formed: the ops that are computed accept them.
    check('BLS12_381_G1_VALID', [imm(G)], true, 0);
    check('BLS12_381_G2_VALID', [imm(Q)], true, 0);
    check('BLS12_381_GT_IS_ONE', [imm(ONE)], true, 0);
    const cases: [string, Opnd[]][] = [
      ['BLS12_381_PAIRING', [imm(G), imm(Q)]],
      ['BLS12_381_MILLER_LOOP', [imm(G), imm(Q)]],
      ['BLS12_381_FINAL_EXP', [imm(ONE)]],
      ['BLS12_381_G2_ADD', [imm(Q), imm(Q)]],
      ['BLS12_381_G2_MUL', [imm(le(2n, 32)), imm(Q)]],
    ];
    const refused = (name: string, ops: Opnd[]) => runCode([{ name: 'f', args: [], ret: T.any, code: [[name, st, ...ops], ['RETURN']] }], 'f').unsupported;
    for (const [name, ops] of cases) expect(refused(name, ops)).toBe(name);
    // Through a channel call the refusal is FATE_UNSUPPORTED naming the op.
    const I = 'ak_11111111111111111111111111111118qjnEr' as Encoded<'ak'>;
    const code = assemble([
      { name: 'init', args: [], ret: T.unit, code: [['RETURNR', imm(fTuple([]))]] },
      ...cases.map(([name, ops]): AsmFunction => ({ name: name.toLowerCase(), args: [], ret: T.any, code: [[name, st, ...ops], ['RETURN']] })),
    ]);
    const { trees } = applyUpdate(treesFromBalances({ [I]: 1000n }), {
      tag: Tag.ChannelOffChainUpdateCreateContract, version: 1, owner: I, ctVersion: 0x80003n, code, deposit: 0n, callData: callData('init'),
    }, { round: 2n, reserve: 0n });
    for (const [name] of cases) {
      const err = errorOf(() => applyUpdate(trees, {
        tag: Tag.ChannelOffChainUpdateCallContract, version: 1, caller: I, contract: createdContractId(I, 2n), abiVersion: 3n, amount: 0n,
        gas: 1_000_000n, gasPrice: 1n, callData: callData(name.toLowerCase()), callStack: [],
      }, { round: 3n, reserve: 0n }));
      expect(isAechannelError(err, 'FATE_UNSUPPORTED')).toBe(true);
      expect((err as { context?: unknown }).context).toEqual({ reason: 'operation', op: name });
    }
  });
  it('FATE_01 contracts get the node\'s not_supported error', () => {
    expect(runOp('BLS12_381_INT_TO_FR', [imm(1n)], { vm: 5, consensus: 4 }).value).toBe('Error in bls12_381_int_to_fr: not_supported');
  });
});

describe('environment and chain values', () => {
  it('GASLIMIT, FEE, GASPRICE, CALL_VALUE, GENERATION, TIMESTAMP, DIFFICULTY', () => {
    check('GASLIMIT', [], 6_000_000n, 0);
    check('FEE', [], 0n, 0);
    check('GASPRICE', [], 1n, 0);
    check('CALL_VALUE', [], 0n, 0);
    check('GENERATION', [], 100n, 0);
    check('TIMESTAMP', [], 1_700_000_000_000n, 0);
    check('DIFFICULTY', [], 12345n, 0);
  });
  it('BALANCE_OTHER costs 2000 from Iris, 50 before', () => {
    const a = fObject('address', new Uint8Array(32).fill(0xa1));
    check('BALANCE_OTHER', [imm(a)], 10n ** 18n, 0);
    const lima = runOp('BALANCE_OTHER', [imm(a)], { consensus: 4, vm: 5 });
    // Lima: no traversal gas.
    expect(lima.gas).toBe(base('BALANCE_OTHER', true) + 1 + base('RETURN'));
  });
  it('BLOCKHASH is None without a chain that knows the hash', () => {
    check('BLOCKHASH', [imm(99n)], NONE, 0);
  });
  it('AUTH_TX_HASH is None (3 cells), AUTH_TX is None (8 cells)', () => {
    check('AUTH_TX_HASH', [], NONE, 3);
    check('AUTH_TX', [], NONE, 8);
  });
  it('oracle and name reads are refused with a typed error', () => {
    const r = runCode([{ name: 'f', args: [], ret: T.any, code: [['AENS_RESOLVE', st, imm(fString('a.chain')), imm(fString('k')), imm({ kind: 'typerep', type: T.string })], ['RETURN']] }], 'f');
    expect(r.unsupported).toBe('AENS_RESOLVE');
  });
  it('forbidden off-chain ops abort with the node message', () => {
    const r = runOp('ORACLE_QUERY', [imm(1n), imm(1n), imm(1n), imm(1n), imm(1n), imm(1n), imm(1n)]);
    expect(r).toEqual({ value: "Operation 'ORACLE_QUERY' not allowed off chain", gas: 1_000_000, type: 'error' });
  });
});

describe('error messages', () => {
  it('print terms like the node (~P, depth 6)', () => {
    expect(runOp('ADD', [imm(fTuple([1n, fString('abc')])), imm(2n)]).value).toBe('Bad arguments to add: [{tuple,{1,<<...>>}},2]');
  });
  it('refuse a message the node would break over several lines', () => {
    const s = fString('a'.repeat(70));
    const r = runCode([{ name: 'f', args: [], ret: T.any, code: [['ADD', st, imm(listFromArray([s, s, s])), imm(s)], ['RETURN']] }], 'f');
    expect(r.unsupported).toBe('an error message wider than a line');
  });
});

describe('stores (2 000 for the first read of a register)', () => {
  it('reads register 1 once, then from the cache', () => {
    const r = runCode([{ name: 'f', args: [], ret: T.any, code: [['ADD', st, vr(-1), vr(-1)], ['RETURN']] }], 'f', [], { registers: { 1: 21n } });
    expect(deserializeValue(r.returnValue)).toBe(42n);
    expect(r.gasUsed).toBe(base('ADD') + 2000 + 1 + 1 + base('RETURN') + topReturn(42n));
  });
  it('a write costs 5 × (key + value) plus the metadata register and a serial traversal', () => {
    const r = runCode([{ name: 'f', args: [], ret: T.any, code: [['STORE', vr(-1), imm(1000n)], ['RETURNR', imm(fTuple([]))]] }], 'f');
    const v = 1000n;
    const serial = ceil(traversalCost(v, MODELS.serial));
    const writes = 5 * (2 + serializeValue(v).length) + 5 * (2 + 2);
    expect(r.gasUsed).toBe(base('STORE') + base('RETURNR') + 1 + topReturn(fTuple([])) + serial + writes);
    expect(byteSize(v)).toBe(2);
  });
});
