/**
 * Properties of the engine: any bytecode, random or mutated from real contracts, ends in a
 * result (ok/revert/error) or a typed error, never a hang (gas bounds every loop) or an
 * untyped exception.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAechannelError } from '@aechannel/codec';
import { arg, codeObject, callData, fnId, imm, st, type AsmFunction, type Opnd } from '../test/asm.js';
import { T } from './types.js';
import { fObject, fString, fTypeRep } from './values.js';
import { runCode } from '../test/run.js';
import { decodeContractCode, decodeFateCode } from './code.js';
import { ByteWriter, rlpBytes } from './serialize.js';

function fateCodeWith(body: Uint8Array): Uint8Array {
  // One function "f" with signature () -> any and the given body bytes.
  const code = new ByteWriter();
  code.byte(0xfe);
  code.bytes(fnId('f'));
  code.byte(0x00);
  code.bytes(Uint8Array.of(0x37, 0x00));
  code.byte(0xf7);
  code.bytes(body);
  const out = new ByteWriter();
  rlpBytes(out, code.result());
  rlpBytes(out, Uint8Array.of(0x2f, 0x00));
  rlpBytes(out, Uint8Array.of(0x2f, 0x00));
  return out.result();
}

function outcomeOf(code: Uint8Array, gas: number): string {
  let fate;
  try {
    fate = decodeFateCode(decodeContractCode(code).byteCode);
  } catch (e) {
    expect(isAechannelError(e, 'FATE_INVALID_CODE')).toBe(true);
    return 'invalid';
  }
  void fate;
  const r = runCode([], 'f', [], { code, gas });
  expect(['ok', 'revert', 'error']).toContain(r.type);
  // A JavaScript exception inside the VM would be a bug: it is reported as such, never thrown.
  expect(r.internal ?? '').not.toMatch(/^bug:/);
  expect(r.gasUsed).toBeGreaterThanOrEqual(0);
  expect(r.gasUsed).toBeLessThanOrEqual(gas);
  return r.type;
}

const misc = 'cb_+QHlRgOgValZLqSbReCs29XCmQe2dewX4PV/jkhHByq0BmEE9KHAuQG3uQE0/gcynvoANwEHBwwBAAwDFWhlbGxvRPwTBAAEAgMRZaXgDw8Cb4ImzwEBAP4HgYfHADcCBwcHFxQAAgD+RNZEHwA3ADcAGg6CPwEDP/5ZWI1AADcBBwcfNAAABwwE+wNJeCBtdXN0IGJlIHBvc2l0aXZlAQEA/mWl4A8CNwGHATcCB3c3AEY2AAAARjYCAAJiLgKfAYGX6UuUVeyyJPM1qXtB0U85BcrjxrOJKj2veASMGEaIoQABAz/+dgLmvgA3AAf8Aw1ieWX+qQ+iqQA3AQcHITQAAAcMBgwDAhU0AAICAxGpD6KpFAAAAQMA/rK8UhwANwAHXwAA/rmNHvEANwA3BkcARwAHB0cAB1UAVABZAFgAVwBbACcMDAD++IyhBAQ3AAcLAAD+/PJW9wA3AAdTAAC4ey8LEQcynvoRZW1pdBEHgYfHGWRpdmlkZRFE1kQfEWluaXQRWViNQBFmYWlsEWWl4A8tQ2hhaW4uZXZlbnQRdgLmvhFxdWl0EakPoqkRbG9vcBGyvFIcJWdhc19wcmljZRG5jR7xDWVudhH4jKEEDXBheRH88lb3DWJhbIIvAIU4LjAuMACvWnyY';

describe('any bytecode ends in a result or a typed error', () => {
  it('random function bodies', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 20000 }), (body, gas) => {
        outcomeOf(codeObject(fateCodeWith(body)), gas);
      }),
      { numRuns: 3000 },
    );
  });

  it('random instruction streams of valid opcodes', () => {
    // Bias towards decodable code: opcode bytes followed by stack/immediate operands.
    const instr = fc.tuple(fc.integer({ min: 0, max: 0xb6 }), fc.uint8Array({ maxLength: 4 })).map(([op, rest]) => Uint8Array.of(op, ...rest));
    fc.assert(
      fc.property(fc.array(instr, { minLength: 1, maxLength: 20 }), (ins) => {
        const body = Uint8Array.from(ins.flatMap((i) => [...i]));
        outcomeOf(codeObject(fateCodeWith(body)), 50_000);
      }),
      { numRuns: 3000 },
    );
  });

  it('loops end by running out of gas', () => {
    // JUMP 0 forever.
    const r = outcomeOf(codeObject(fateCodeWith(Uint8Array.of(0x06, 0x03, 0x00))), 1_000_000);
    expect(r).toBe('error');
  });

  it('single-byte mutations of a real contract', () => {
    const code = Buffer.from(misc.slice(3), 'base64').subarray(0, -4);
    const names = ['fail', 'divide', 'emit', 'env', 'gas_price', 'bal', 'pay', 'loop', 'quit'];
    fc.assert(
      fc.property(fc.nat(code.length - 1), fc.integer({ min: 0, max: 255 }), fc.constantFrom(...names), (at, b, name) => {
        const mutated = Uint8Array.from(code);
        mutated[at] = b;
        let fate;
        try {
          fate = decodeFateCode(decodeContractCode(mutated).byteCode);
        } catch (e) {
          expect(isAechannelError(e)).toBe(true);
          return;
        }
        void fate;
        const r = runCode([], name, [5n, 1n].slice(0, name === 'divide' ? 2 : name === 'fail' || name === 'emit' || name === 'loop' ? 1 : 0), { code: mutated, gas: 100_000 });
        expect(['ok', 'revert', 'error']).toContain(r.type);
        expect(r.internal ?? '').not.toMatch(/^bug:/);
      }),
      { numRuns: 3000 },
    );
    void callData;
  });
});

describe('values the node takes from an empty stack (void) are refused, never guessed', () => {
  const fns = (code: [string, ...Opnd[]][]): AsmFunction[] => [
    { name: 'f', args: [], ret: T.any, code },
    { name: 'one', args: [T.integer], ret: T.any, code: [['RETURNR', arg(0)]] },
    { name: 'two', args: [T.integer, T.integer], ret: T.any, code: [['RETURNR', arg(0)]] },
  ];
  it('a one-argument call on an empty stack (the node passes void)', () => {
    const r = runCode(fns([['CALL', imm(fString(fnId('one')))]]), 'f');
    expect(r.unsupported).toBe('an argument taken from an empty stack');
  });
  it('a short stack before Iris (the node passes void)', () => {
    expect(runCode(fns([['CALL', imm(fString(fnId('two')))]]), 'f', [], { consensus: 4, vm: 7 }).unsupported).toBe('an argument taken from an empty stack');
    expect(runCode(fns([['ADD', st, st, imm(1n)], ['RETURN']]), 'f', [], { consensus: 4, vm: 7 }).unsupported).toBe('a value taken from an empty stack before Iris');
  });
  it('from Iris on, more than one missing argument is the node’s stack error', () => {
    const r = runCode(fns([['CALL', imm(fString(fnId('two')))]]), 'f');
    expect({ type: r.type, message: new TextDecoder().decode(r.returnValue) }).toEqual({ type: 'error', message: 'Stack overflow when pop:ing 2 elements' });
  });
  it('a remote call’s arguments holding void are rejected (the node crashes traversing them)', () => {
    const target = imm(fObject('contract', new Uint8Array(32).fill(7)));
    const r = runCode(fns([['CALL_R', target, imm(fString(fnId('g'))), imm(fTypeRep(T.tuple([T.integer]))), imm(fTypeRep(T.any)), imm(0n)], ['RETURN']]), 'f');
    expect(r.internal).toBe('remote call arguments taken from an empty stack');
  });
});

describe('TUPLE with a size the stack cannot give (answers of the node, fate-oracle, Ceres)', () => {
  const tuple = (n: bigint): { type: string; message: string; internal?: string } => {
    const r = runCode([{ name: 'f', args: [], ret: T.any, code: [['PUSH', imm(1n)], ['PUSH', imm(2n)], ['TUPLE', st, imm(n)], ['RETURN']] }], 'f', [], { gas: 100_000 });
    return { type: r.type, message: new TextDecoder().decode(r.returnValue), ...(r.internal === undefined ? {} : { internal: r.internal }) };
  };
  it('a negative size is the node\'s invalid size error', () => {
    expect(tuple(-1n)).toEqual({ type: 'error', message: 'Invalid tuple size: -1' });
    expect(tuple(-(2n ** 70n))).toEqual({ type: 'error', message: `Invalid tuple size: ${-(2n ** 70n)}` });
  });
  it('a size beyond the stack, however large, is the empty stack error', () => {
    for (const n of [3n, 2n ** 24n, 2n ** 40n, 2n ** 70n]) expect(tuple(n)).toEqual({ type: 'error', message: 'Stack overflow when pop:ing 1 elements' });
  });
});
