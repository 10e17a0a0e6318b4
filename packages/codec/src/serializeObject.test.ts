/**
 * Property tests of the object layer: every layout of the schema table round-trips random
 * values, and any byte string (random, or a valid tx mutated) gives either a valid object
 * that re-encodes to exactly those bytes, or a typed `AechannelError`.
 */
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decode, encode } from './encoding.js';
import { isAechannelError } from './errors.js';
import type { Field } from './fields.js';
import { packTx, unpackTx } from './packTx.js';
import { schemas, type ObjectSchema } from './schema.js';
import { deserializeObject, serializeObject } from './serializeObject.js';
import type { Tx } from './tx.js';

const flat = schemas.filter((s) => !s.fields.some(([, f]) => f.shape.type === 'object'));

function arbitraryOf(field: Field<unknown>, depth: number): fc.Arbitrary<unknown> {
  const shape = field.shape;
  switch (shape.type) {
    case 'int':
      return fc.oneof(fc.bigInt({ min: 0n, max: 300n }), fc.bigInt({ min: 0n, max: 2n ** 64n }), fc.bigInt({ min: 0n, max: 2n ** 400n }));
    case 'bool':
      return fc.boolean();
    case 'binary':
      return shape.size === undefined
        ? fc.oneof(fc.uint8Array({ maxLength: 3 }), fc.uint8Array({ maxLength: 120 }))
        : fc.uint8Array({ minLength: shape.size, maxLength: shape.size });
    case 'encoded':
      return fc.uint8Array({ minLength: shape.size, maxLength: shape.size }).map((b) => encode(b, shape.prefix));
    case 'id':
      return fc.tuple(fc.constantFrom(...shape.prefixes), fc.uint8Array({ minLength: 32, maxLength: 32 })).map(([p, b]) => encode(b, p));
    case 'text':
      return fc.string({ unit: 'grapheme', maxLength: 20 });
    case 'list':
      return fc.array(arbitraryOf(shape.of, depth), { maxLength: 3 });
    case 'record':
      return fc.record(Object.fromEntries(shape.entries.map(([name, f]) => [name, arbitraryOf(f, depth)])));
    case 'object':
      return depth > 1 ? fc.constantFrom(...flat).chain((s) => arbitraryObject(s, depth + 1)) : arbitraryTx(depth + 1);
  }
}

function arbitraryObject(schema: ObjectSchema, depth = 0): fc.Arbitrary<Tx> {
  return fc
    .record(Object.fromEntries(schema.fields.map(([name, f]) => [name, arbitraryOf(f, depth)])))
    .map((fields) => ({ tag: schema.tag, version: schema.version, ...fields }) as unknown as Tx);
}

function arbitraryTx(depth = 0): fc.Arbitrary<Tx> {
  return fc.constantFrom(...schemas).chain((s) => arbitraryObject(s, depth));
}

/** Runs `fn`; returns 'ok', or the error code; any non-typed exception fails the test. */
function typedOrOk(fn: () => void): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (!isAechannelError(e)) throw new Error(`untyped exception: ${String(e)}`, { cause: e });
    return e.code;
  }
}

const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('pack/unpack round trips', () => {
  it.each(schemas.map((s) => [`${s.name} v${s.version}`, s] as const))('%s', (_, schema) => {
    fc.assert(
      fc.property(arbitraryObject(schema), (tx) => {
        const bytes = serializeObject(tx);
        const back = deserializeObject(bytes);
        expect(back).toEqual(tx);
        expect(hexOf(serializeObject(back))).toBe(hexOf(bytes));
        expect(unpackTx(packTx(tx))).toEqual(tx);
      }),
      { numRuns: 40 },
    );
  });
});

const fixturesDir = join(dirname(fileURLToPath(import.meta.url)), '../../transcript/fixtures');
const fixtureTxs = readdirSync(fixturesDir)
  .flatMap((f) => readFileSync(join(fixturesDir, f), 'utf8').match(/tx_[A-Za-z0-9+/=%]+/g) ?? [])
  .map((tx) => decode(decodeURIComponent(tx), 'tx'));

describe('hostile bytes', () => {
  const check = (bytes: Uint8Array): void => {
    const code = typedOrOk(() => {
      const tx = deserializeObject(bytes);
      // The decoder is strict, so whatever it accepts is canonical.
      expect(hexOf(serializeObject(tx))).toBe(hexOf(bytes));
    });
    expect(code).toMatch(/^(ok|CODEC_[A-Z_]+)$/);
    expect(typedOrOk(() => unpackTx(encode(bytes, 'tx')))).toBe(code);
  };

  it('random byte strings give a typed error or a canonical object', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), check), { numRuns: 2000 });
  });

  it('RLP-shaped random input (a list with a known tag) gives a typed error or a canonical object', () => {
    fc.assert(
      fc.property(fc.constantFrom(...schemas), fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 14 }), (schema, items) => {
        const list = [Uint8Array.of(...toMinimal(schema.tag)), Uint8Array.of(schema.version), ...items];
        check(rlpEncode(list));
      }),
      { numRuns: 1000 },
    );
  });

  it('fixture txs with one byte changed, inserted or deleted give a typed error or a canonical object', () => {
    fc.assert(
      fc.property(fc.constantFrom(...fixtureTxs), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'insert', 'delete'), (tx, at, byte, op) => {
        const i = at % tx.length;
        const mutated =
          op === 'flip'
            ? Uint8Array.from(tx, (b, j) => (j === i ? b ^ (byte || 1) : b))
            : op === 'insert'
              ? Uint8Array.of(...tx.subarray(0, i), byte, ...tx.subarray(i))
              : Uint8Array.of(...tx.subarray(0, i), ...tx.subarray(i + 1));
        check(mutated);
      }),
      { numRuns: 2000 },
    );
  });

  it('deep nesting is refused, not a stack overflow', () => {
    let bytes: Uint8Array = Uint8Array.of(0xc0);
    for (let i = 0; i < 5000; i += 1) bytes = rlpEncodeList(bytes);
    expect(typedOrOk(() => deserializeObject(bytes))).toMatch(/^CODEC_/);
  });
});

// Small local RLP writer so the hostile inputs do not depend on the code under test.
function toMinimal(n: number): number[] {
  const out: number[] = [];
  for (let m = n; m > 0; m = Math.floor(m / 256)) out.unshift(m % 256);
  return out.length === 0 ? [0] : out;
}
function lengthPrefix(length: number, offset: number): number[] {
  return length < 56 ? [offset + length] : [offset + 55 + toMinimal(length).length, ...toMinimal(length)];
}
function rlpEncode(items: Uint8Array[]): Uint8Array {
  const parts = items.map((b) => (b.length === 1 && (b[0] as number) < 0x80 ? [...b] : [...lengthPrefix(b.length, 0x80), ...b]));
  const payload = parts.flat();
  return Uint8Array.from([...lengthPrefix(payload.length, 0xc0), ...payload]);
}
function rlpEncodeList(payload: Uint8Array): Uint8Array {
  return Uint8Array.from([...lengthPrefix(payload.length, 0xc0), ...payload]);
}
