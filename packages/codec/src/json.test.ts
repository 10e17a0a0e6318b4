import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as losslessParse, isInteger } from 'lossless-json';
import { parseJson, parseTypedJson, stringifyJson, stringifyTypedJson, type JsonValue } from './json.js';
import { isAechannelError } from './errors.js';
import { codeOf } from '../test/codeOf.js';

describe('bigint JSON (§1.3)', () => {
  it('parses every integer literal as a bigint, beyond 2^53 exactly', () => {
    expect(parseJson('{"id":-576460752303422107,"amount":10000000000000001,"round":1}')).toEqual({
      id: -576460752303422107n,
      amount: 10000000000000001n,
      round: 1n,
    });
  });

  it('parses fractions and exponents as numbers', () => {
    expect(parseJson('[1.5,1e3,-0.25]')).toEqual([1.5, 1000, -0.25]);
  });

  it('writes bigints as integer literals and round-trips them', () => {
    expect(stringifyJson({ id: -576460752303422107n, ok: true, text: 'x' })).toBe('{"id":-576460752303422107,"ok":true,"text":"x"}');
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }), (n) => {
        expect(parseJson(stringifyJson({ n }))).toEqual({ n });
      }),
    );
  });

  it('gives CODEC_INVALID_JSON for bad text, non-text and values JSON cannot hold', () => {
    expect(codeOf(() => parseJson('{"a":'))).toBe('CODEC_INVALID_JSON');
    expect(codeOf(() => parseJson(undefined as unknown as string))).toBe('CODEC_INVALID_JSON');
    expect(codeOf(() => parseJson(Buffer.from('{}') as unknown as string))).toBe('CODEC_INVALID_JSON');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(codeOf(() => stringifyJson(cyclic))).toBe('CODEC_INVALID_JSON');
    expect(codeOf(() => stringifyJson(undefined))).toBe('CODEC_INVALID_JSON');
  });
});

describe('keys holding the bigint marker of the fallback writer', () => {
  it('stay keys, in every case the one-pass writer leaves to the engine', () => {
    const key = '\uE0001\uE000';
    const cases: unknown[] = [
      parseJson(`{"__proto__":1,"${key}":2}`),
      { [key]: 'x', d: new Date(0) },
      { [key]: 1n, nested: JSON.parse('['.repeat(70) + ']'.repeat(70)) as unknown },
    ];
    for (const value of cases) {
      const text = stringifyJson(value as JsonValue);
      expect(() => JSON.parse(text)).not.toThrow();
      expect(Object.keys(JSON.parse(text) as object)).toContain(key);
    }
  });
});

describe('typed JSON (bigint and number kept apart)', () => {
  it('reads back numbers as numbers and integers as bigints, dropping undefined', () => {
    const value = { round: 7n, now: 1_700_000_000_000, ratio: 0.5, list: [1, 2n, -3], nested: { gone: undefined, id: -576460752303422107n } };
    const text = stringifyTypedJson(value);
    expect(text).toContain('{"$number":"1700000000000"}');
    expect(parseTypedJson(text)).toEqual({ round: 7n, now: 1_700_000_000_000, ratio: 0.5, list: [1, 2n, -3], nested: { id: -576460752303422107n } });
    // plain parseJson would turn the same integer into a bigint
    expect(parseJson(stringifyJson({ now: 5 }))).toEqual({ now: 5n });
  });

  it('writes the text of the two-pass form (numbers tagged, then stringifyJson) for any value', () => {
    // the reference: every number tagged in a copy, then the general writer
    const tag = (value: unknown): unknown => {
      if (typeof value === 'number') return { $number: String(value) };
      if (Array.isArray(value)) return value.map(tag);
      if (value !== null && typeof value === 'object') {
        const out: Record<string, unknown> = {};
        for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = tag(item);
        return out;
      }
      return value;
    };
    const data = fc.letrec((tie) => ({
      leaf: fc.oneof(
        fc.bigInt(),
        fc.double(),
        fc.integer(),
        fc.string(),
        fc.string({ unit: 'binary' }),
        fc.constantFrom('\uE000', 'a\uE0001\uE000', '\uD800', '"\\'),
        fc.boolean(),
        fc.constant(null),
        fc.constant(undefined),
      ),
      node: fc.oneof(
        { maxDepth: 4 },
        tie('leaf'),
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('\uE000', '__proto__', '$number')), tie('node'), { maxKeys: 4 }),
        fc.constantFrom(new Uint8Array([1, 2]), new Date(0)),
      ),
    })).node;
    fc.assert(
      fc.property(data, (value) => {
        let expected: string | undefined;
        try {
          expected = stringifyJson(tag(value));
        } catch {
          expected = undefined;
        }
        if (expected === undefined) expect(codeOf(() => stringifyTypedJson(value))).toBe('CODEC_INVALID_JSON');
        else expect(stringifyTypedJson(value)).toBe(expected);
      }),
      { numRuns: 500 },
    );
    const deep: unknown[] = [];
    let at = deep;
    for (let i = 0; i < 100; i++) at.push((at = []));
    expect(stringifyTypedJson({ deep, n: 1 })).toBe(stringifyJson(tag({ deep, n: 1 })));
  });

  it('round-trips arbitrary plain data exactly', () => {
    const data = fc.letrec((tie) => ({
      leaf: fc.oneof(fc.bigInt(), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)), fc.string(), fc.boolean(), fc.constant(null)),
      node: fc.oneof({ maxDepth: 3 }, tie('leaf'), fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(fc.string().filter((k) => k !== '$number' && k !== '__proto__'), tie('node'), { maxKeys: 4 })),
    })).node;
    fc.assert(
      fc.property(data, (value) => {
        expect(parseTypedJson(stringifyTypedJson(value))).toEqual(value);
      }),
    );
  });
});

/** The error `fn` throws (or `undefined`). */
const errorOf = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
};

describe('bounded input (issue 11)', () => {
  it('refuses a 10-million-digit integer before converting it, with CODEC_JSON_LIMIT_EXCEEDED', () => {
    const error = errorOf(() => parseJson(`{"amount":${'9'.repeat(10_000_000)}}`));
    expect(isAechannelError(error, 'CODEC_JSON_LIMIT_EXCEEDED')).toBe(true);
    expect((error as { context: unknown }).context).toMatchObject({ limit: 'maxNumberLength', max: 100, position: 10 });
    // the message does not carry the number
    expect(String((error as Error).message).length).toBeLessThan(300);
  });

  it('refuses a 15 MB integer the same way, and a long fraction or exponent', () => {
    expect(codeOf(() => parseJson('1'.repeat(15_000_000)))).toBe('CODEC_JSON_LIMIT_EXCEEDED');
    expect(codeOf(() => parseJson(`[0.${'1'.repeat(200)}]`))).toBe('CODEC_JSON_LIMIT_EXCEEDED');
    expect(codeOf(() => parseJson(`[1e${'1'.repeat(200)}]`))).toBe('CODEC_JSON_LIMIT_EXCEEDED');
  });

  it('reads numbers up to the limit, and the limit is an option', () => {
    const max = 10n ** 99n; // 100 digits
    expect(parseJson(`[${max},-${max - 1n}]`)).toEqual([max, -(max - 1n)]);
    expect(codeOf(() => parseJson(`[${max}]`, { maxNumberLength: 99 }))).toBe('CODEC_JSON_LIMIT_EXCEEDED');
    expect(parseJson(`[${10n ** 150n}]`, { maxNumberLength: 151 })).toEqual([10n ** 150n]);
  });

  it('refuses nesting deeper than maxDepth (default 64) with CODEC_JSON_LIMIT_EXCEEDED', () => {
    const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);
    expect(parseJson(deep(64))).toBeDefined();
    const error = errorOf(() => parseJson(deep(65)));
    expect(isAechannelError(error, 'CODEC_JSON_LIMIT_EXCEEDED')).toBe(true);
    expect((error as { context: unknown }).context).toMatchObject({ limit: 'maxDepth', max: 64 });
    expect(codeOf(() => parseJson(deep(1_000_000)))).toBe('CODEC_JSON_LIMIT_EXCEEDED');
    expect(codeOf(() => parseJson('{"a":'.repeat(100) + '1' + '}'.repeat(100)))).toBe('CODEC_JSON_LIMIT_EXCEEDED');
    expect(parseJson(deep(100), { maxDepth: 100 })).toBeDefined();
    // brackets inside strings do not count
    expect(parseJson(`["${'['.repeat(1000)}"]`)).toEqual(['['.repeat(1000)]);
  });

  it('refuses ill-formed limits with CODEC_INVALID_OPTION', () => {
    expect(codeOf(() => parseJson('1', { maxDepth: -1 }))).toBe('CODEC_INVALID_OPTION');
    expect(codeOf(() => parseJson('1', { maxNumberLength: 0.5 }))).toBe('CODEC_INVALID_OPTION');
  });
});

/** lossless-json as the reference reader: every integer a bigint, duplicate keys refused. */
const reference = (text: string): JsonValue => losslessParse(text, null, (n: string) => (isInteger(n) ? BigInt(n) : Number(n))) as JsonValue;

describe('parity with the reference reader (lossless-json)', () => {
  const jsonText = fc.oneof(
    fc.json({ maxDepth: 4 }),
    fc.json({ maxDepth: 3, stringUnit: 'binary' }),
    fc.jsonValue({ maxDepth: 2, stringUnit: 'binary' }).map((v) => JSON.stringify(v).replace(/[\u0000-\u001f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v, null, 1)),
    fc.string({ unit: fc.constantFrom(...'[]{}",:0123456789-+.eE truefalsn\\u'.split('')), maxLength: 40 }),
    fc.tuple(fc.json({ maxDepth: 2 }), fc.nat({ max: 30 }), fc.string({ maxLength: 3 })).map(([t, at, insert]) => t.slice(0, at) + insert + t.slice(at)),
    fc.string({ maxLength: 12 }).map((s) => JSON.stringify(s)),
    fc
      .tuple(fc.constantFrom('\u0000', '\u0000i', '\u0000s', '\u0000i12'), fc.string({ maxLength: 3 }), fc.bigInt())
      .map(([mark, rest, n]) => JSON.stringify({ [mark + rest]: [mark + rest, String(n)], z: mark }).replace(/"(-?\d+)"/g, '$1')),
    fc.bigInt().map((n) => `{"a":[${n},"x",${n}]}`),
  );

  it('reads every text as the reference does, or refuses it too', () => {
    fc.assert(
      fc.property(jsonText, (text) => {
        const ours = errorOf(() => parseJson(text)) ?? { value: parseJson(text) };
        let theirs: unknown;
        try {
          theirs = { value: reference(text) };
        } catch (e) {
          theirs = e;
        }
        if (theirs instanceof Error) {
          // The reference also refuses duplicate keys with different values; we keep the
          // last one, as JSON.parse does.
          if (!isAechannelError(ours)) expect(theirs.message).toMatch(/Duplicate key/);
        } else {
          expect(ours).toEqual(theirs);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps strings that look like the internal integer marker', () => {
    expect(parseJson('["\\u0000123", 5, {"\\u00001": 2}, "\\u0000i7", "\\u0000s"]')).toEqual(['\u0000123', 5n, { '\u00001': 2n }, '\u0000i7', '\u0000s']);
    expect(Object.keys(parseJson('{"b":1,"\\u0000x":2,"a":{"\\u0000i1":[3]}}') as object)).toEqual(['b', '\u0000x', 'a']);
    const value = parseJson('{"__proto__": 1, "a": [1, 2]}') as Record<string, JsonValue>;
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toBe(1n);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(value['a']).toEqual([1n, 2n]);
    expect(Object.getPrototypeOf(parseJson('{"__proto__": {"polluted": 1}}'))).toBe(Object.prototype);
  });

  it('refuses a number used as an object key', () => {
    expect(codeOf(() => parseJson('{1:2}'))).toBe('CODEC_INVALID_JSON');
    expect(codeOf(() => parseJson('{"a":1,2:3}'))).toBe('CODEC_INVALID_JSON');
    expect(codeOf(() => parseJson('[01]'))).toBe('CODEC_INVALID_JSON');
    expect(codeOf(() => parseJson('[1 2]'))).toBe('CODEC_INVALID_JSON');
    expect(codeOf(() => parseJson('[- 1]'))).toBe('CODEC_INVALID_JSON');
  });
});

describe('stringifyJson, compact form', () => {
  it('writes what lossless-json writes, for any JSON value with bigints', async () => {
    const { stringify } = await import('lossless-json');
    const leaf = fc.oneof(
      fc.bigInt(),
      fc.integer(),
      fc.double(),
      fc.string({ unit: 'binary' }),
      fc.constantFrom('\uE000', '\uE0001\uE000', '"\uE000-5\uE000"', -0, null, true, false, undefined),
    );
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('tree'), { maxLength: 4 }), fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), tie('tree'), { maxKeys: 4 })),
    }));
    fc.assert(
      fc.property(tree, (value) => {
        let expected: string | undefined;
        try {
          expected = stringify(value);
        } catch {
          expect(() => stringifyJson(value)).toThrow();
          return;
        }
        if (expected === undefined) expect(() => stringifyJson(value)).toThrow();
        else expect(stringifyJson(value)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
    expect(stringifyJson({ when: new Date(0), bytes: Uint8Array.of(1), n: 10n })).toBe(stringify({ when: new Date(0), bytes: Uint8Array.of(1), n: 10n }));
    const odd = JSON.parse('{"__proto__":{"a":1},"b":2}') as JsonValue;
    expect(stringifyJson(odd)).toBe(stringify(odd));
    const withFunctions = { f: () => 1, list: [() => 1, 1n], toJSON: undefined, n: -0, big: 2n ** 70n };
    expect(stringifyJson(withFunctions)).toBe(stringify(withFunctions));
    let deep: unknown = 1n;
    for (let i = 0; i < 100; i++) deep = { d: [deep] };
    expect(stringifyJson(deep)).toBe(stringify(deep));
  });
});
