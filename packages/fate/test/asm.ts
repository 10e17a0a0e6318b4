/**
 * A tiny FATE assembler for tests: builds contract-code objects (tag 70) from functions
 * written as instruction lists, and calldata. Test helper, not library code.
 */
import { blake2b } from '@noble/hashes/blake2.js';
import * as RLP from 'rlp';
import { OPCODE_BY_NAME } from '../src/opcodes.js';
import { ByteWriter, keyOf, rlpBytes, serializeValue, writeType, writeValue } from '../src/serialize.js';
import type { FateType } from '../src/types.js';
import { fString, fTuple, type FateMap, type FateValue } from '../src/values.js';

/** An operand. */
export type Opnd = { m: 0 } | { m: 1; n: number } | { m: 2; n: number } | { m: 3; v: FateValue };
/** Stack operand. */
export const st: Opnd = { m: 0 };
/** `arg N`. */
export const arg = (n: number): Opnd => ({ m: 1, n });
/** `var N` (negative = store register). */
export const vr = (n: number): Opnd => ({ m: 2, n });
/** Immediate. */
export const imm = (v: FateValue | number): Opnd => ({ m: 3, v: typeof v === 'number' ? BigInt(v) : v });

/** One function. */
export interface AsmFunction {
  name: string;
  payable?: boolean;
  private?: boolean;
  args: FateType[];
  ret: FateType;
  code: [string, ...Opnd[]][];
}

/** First 4 bytes of BLAKE2b(name). */
export function fnId(name: string): Uint8Array {
  return blake2b(new TextEncoder().encode(name), { dkLen: 32 }).slice(0, 4);
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** Assembles instructions (no validation beyond operand counts). */
export function assembleInstructions(w: ByteWriter, code: [string, ...Opnd[]][]): void {
  for (const [name, ...ops] of code) {
    const info = OPCODE_BY_NAME.get(name);
    if (info === undefined) throw new Error(`unknown op ${name}`);
    if (ops.length !== info.args.length) throw new Error(`${name} takes ${info.args.length} operands`);
    w.byte(info.op);
    if (ops.length > 0) {
      const modes: number[] = ops.map((o) => o.m);
      if (ops.length <= 4) w.byte(modes.reduce((acc, m, i) => acc | (m << (2 * i)), 0));
      else {
        w.byte(modes.slice(4).reduce((acc, m, i) => acc | (m << (2 * i)), 0));
        w.byte(modes.slice(0, 4).reduce((acc, m, i) => acc | (m << (2 * i)), 0));
      }
      for (const o of ops) {
        if (o.m === 1 || o.m === 2) writeValue(w, BigInt(o.n));
        else if (o.m === 3) writeValue(w, o.v);
      }
    }
  }
}

/** The FATE byte code of functions (sorted by id, as the compiler does). */
export function assembleFateCode(fns: AsmFunction[]): Uint8Array {
  const sorted = [...fns].sort((a, b) => (hex(fnId(a.name)) < hex(fnId(b.name)) ? -1 : 1));
  const code = new ByteWriter();
  for (const f of sorted) {
    code.byte(0xfe);
    code.bytes(fnId(f.name));
    writeValue(code, BigInt((f.private ? 1 : 0) | (f.payable ? 2 : 0)));
    writeType(code, { t: 'tuple', elems: f.args });
    writeType(code, f.ret);
    assembleInstructions(code, f.code);
  }
  const symbols: FateMap = {
    kind: 'map',
    entries: new Map(sorted.map((f) => { const k = fString(fnId(f.name)); return [keyOf(k), [k, fString(f.name)] as const]; })),
  };
  const out = new ByteWriter();
  rlpBytes(out, code.result());
  rlpBytes(out, serializeValue(symbols));
  rlpBytes(out, Uint8Array.of(0x2f, 0x00));
  return out.result();
}

/** A contract-code object (tag 70 v3) around FATE byte code. */
export function codeObject(byteCode: Uint8Array, payable = false): Uint8Array {
  return RLP.encode([70, 3, new Uint8Array(32), [], byteCode, new TextEncoder().encode('test'), Uint8Array.of(payable ? 1 : 0)]);
}

/** A contract-code object of functions. */
export function assemble(fns: AsmFunction[]): Uint8Array {
  return codeObject(assembleFateCode(fns));
}

/** Calldata `{fn id, {args}}`. */
export function callData(name: string, args: FateValue[] = []): Uint8Array {
  return serializeValue(fTuple([fString(fnId(name)), fTuple(args)]));
}
