// Typed values for the vector generator: ACI types resolved to a small type tree, a seeded
// random source, random values of each type (in the form @aeternity/aepp-calldata encodes),
// and two renderings of a value: a Sophia literal (for aesophia_cli --create_calldata) and
// a label for readers.
import { blake2b } from '@noble/hashes/blake2.js';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { FateApiEncoder } from '@aeternity/aepp-calldata';

const api = new FateApiEncoder();

/** Order of the BLS12-381 scalar field and of its base field. */
export const BLS_R = bls12_381.fields.Fr.ORDER;
export const BLS_P = bls12_381.fields.Fp.ORDER;

// --- seeded random source ------------------------------------------------------------------

/**
 * A seeded pseudo-random source (sfc32 on a BLAKE2b digest of the seed text): the same seed
 * gives the same sequence on every machine, so regenerated vectors are identical.
 */
export function createRandom(seedText) {
  const digest = blake2b(new TextEncoder().encode(seedText), { dkLen: 16 });
  const view = new DataView(digest.buffer, digest.byteOffset, 16);
  let a = view.getUint32(0);
  let b = view.getUint32(4);
  let c = view.getUint32(8);
  let d = view.getUint32(12);
  const next = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 16; i += 1) next();
  const random = {
    /** Uniform float in [0, 1). */
    float: next,
    /** Uniform integer in [lo, hi] (numbers). */
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    /** True with probability p. */
    chance: (p) => next() < p,
    /** One element of a non-empty array. */
    pick: (items) => items[Math.floor(next() * items.length)],
    /** n random bytes. */
    bytes: (n) => Uint8Array.from({ length: n }, () => Math.floor(next() * 256)),
    /** A random non-negative bigint of up to `bytes` bytes. */
    bigint: (bytes) => {
      let v = 0n;
      for (let i = 0; i < bytes; i += 1) v = (v << 8n) | BigInt(Math.floor(next() * 256));
      return v;
    },
  };
  return random;
}

// --- ACI types -----------------------------------------------------------------------------

/** A resolved type: `{ kind, ... }` (see resolveType for the kinds). */
function entryOf(aci, name) {
  for (const entry of aci) {
    const [, data] = Object.entries(entry)[0];
    if (data.name === name) return data;
  }
  return undefined;
}

/**
 * Resolves an ACI type (as the compiler prints it) against the ACI's typedefs into
 * `{ kind }` with kind one of int, bool, string, bits, bytes (size: number | 'any'), address,
 * contract (name), oracle, oracle_query, list (of), tuple (items), map (key, value),
 * option (of), record (fields), variant (ctors), unit, char, fr, fp, unsupported (name).
 */
export function resolveType(aci, type, vars = {}) {
  if (typeof type === 'string') {
    if (type in vars) return vars[type];
    switch (type) {
      case 'int': case 'bool': case 'string': case 'bits': case 'address': case 'unit': case 'char':
        return { kind: type };
      case 'hash': return { kind: 'bytes', size: 32 };
      case 'signature': return { kind: 'bytes', size: 64 };
      case 'MCL_BLS12_381.fr': return { kind: 'fr' };
      case 'MCL_BLS12_381.fp': return { kind: 'fp' };
      default: break;
    }
    const entry = entryOf(aci, type);
    if (entry && 'functions' in entry) return { kind: 'contract', name: type };
    return resolveNamed(aci, type, []);
  }
  const [key, args] = Object.entries(type)[0];
  switch (key) {
    case 'bytes': return { kind: 'bytes', size: args };
    case 'list': return { kind: 'list', of: resolveType(aci, args[0], vars) };
    case 'option': return { kind: 'option', of: resolveType(aci, args[0], vars) };
    case 'tuple':
      if (args.length === 0) return { kind: 'unit' };
      return { kind: 'tuple', items: args.map((t) => resolveType(aci, t, vars)) };
    case 'map': return { kind: 'map', key: resolveType(aci, args[0], vars), value: resolveType(aci, args[1], vars) };
    case 'oracle': return { kind: 'oracle' };
    case 'oracle_query': return { kind: 'oracle_query' };
    case 'record': {
      const fields = args.map((f) => ({ name: f.name, type: resolveType(aci, f.type, vars) }));
      // A one-field record is its field's value in FATE (and in aepp-calldata's input).
      if (fields.length === 1) return { ...fields[0].type, recordField: fields[0].name };
      return { kind: 'record', fields };
    }
    case 'variant':
      return {
        kind: 'variant',
        ctors: args.map((c) => {
          const [name, types] = Object.entries(c)[0];
          return { name, args: types.map((t) => resolveType(aci, t, vars)) };
        }),
      };
    default:
      return resolveNamed(aci, key, args.map((t) => resolveType(aci, t, vars)));
  }
}

function resolveNamed(aci, name, params) {
  const dot = name.lastIndexOf('.');
  const entry = dot > 0 ? entryOf(aci, name.slice(0, dot)) : undefined;
  const local = name.slice(dot + 1);
  const def = entry?.typedefs?.find((t) => t.name === local) ??
    (local === 'state' && entry?.state ? { typedef: entry.state, vars: [] } : undefined);
  if (!def) return { kind: 'unsupported', name };
  const vars = Object.fromEntries((def.vars ?? []).map((v, i) => [v.name, params[i]]));
  return resolveType(aci, def.typedef, vars);
}

/** True when values of the type can be generated and encoded (no char, no on-chain names). */
export function isSupported(type) {
  switch (type.kind) {
    // fp: aepp-calldata 1.9.1 fails on Montgomery forms with a leading zero byte.
    case 'unsupported': case 'char': case 'oracle_query': case 'fp': return false;
    case 'list': case 'option': return isSupported(type.of);
    case 'tuple': return type.items.every(isSupported);
    case 'map': return isSupported(type.key) && isSupported(type.value);
    case 'record': return type.fields.every((f) => isSupported(f.type));
    case 'variant': return type.ctors.every((c) => c.args.every(isSupported));
    default: return true;
  }
}

// --- random values -------------------------------------------------------------------------

const TEXT = ['', 'a', 'hello', 'Hello, World', 'é', 'ñandú', '日本語', '🙂', 'e\u0301', 'ǅ', 'Straße', ' ', '0', '-17', 'key'];

/**
 * Generates a random value of `type` in the input form of aepp-calldata.
 * `ctx.addresses` / `ctx.contracts` are known ids to draw from; `ctx.count` marks an int that
 * sizes a loop or a collection (kept small).
 */
export function randomValue(random, type, ctx, depth = 0) {
  switch (type.kind) {
    case 'int': return ctx.count ? randomCount(random) : randomInt(random);
    case 'bool': return random.chance(0.5);
    case 'string': return randomString(random, depth > 0 && ctx.asciiStrings);
    case 'bits': return randomBits(random);
    case 'bytes': {
      const size = type.size === 'any' ? random.pick([0, 1, 2, 4, 7, 32, 33, 65]) : type.size;
      return random.bytes(size);
    }
    case 'address': return random.chance(0.7) && ctx.addresses.length > 0 ? random.pick(ctx.addresses) : api.encode('account_pubkey', random.bytes(32));
    case 'contract': return random.chance(0.8) && ctx.contracts.length > 0 ? random.pick(ctx.contracts) : api.encode('contract_pubkey', random.bytes(32));
    case 'oracle': return api.encode('oracle_pubkey', random.bytes(32));
    case 'unit': return [];
    case 'fr': return random.chance(0.2) ? BLS_R - 1n : random.bigint(31) % BLS_R;
    case 'list': {
      const length = depth > 2 ? random.int(0, 1) : random.chance(0.1) ? random.int(15, 18) : random.int(0, 4);
      return Array.from({ length }, () => randomValue(random, type.of, { ...ctx, count: false }, depth + 1));
    }
    case 'tuple': return type.items.map((t) => randomValue(random, t, { ...ctx, count: false }, depth + 1));
    case 'option':
      return random.chance(0.3) ? { None: [] } : { Some: [randomValue(random, type.of, { ...ctx, count: false }, depth + 1)] };
    case 'record':
      return Object.fromEntries(type.fields.map((f) => [f.name, randomValue(random, f.type, { ...ctx, count: false }, depth + 1)]));
    case 'variant': {
      const ctor = random.pick(type.ctors);
      return { [ctor.name]: ctor.args.map((t) => randomValue(random, t, { ...ctx, count: false }, depth + 1)) };
    }
    case 'map': {
      const size = depth > 1 ? random.int(0, 1) : random.chance(0.1) ? random.int(15, 17) : random.int(0, 4);
      const entries = new Map();
      const seen = new Set();
      // Keys: ASCII strings only, because aepp-calldata orders string keys by UTF-16 length
      // where the node orders by byte length (CONTRACTS.md §6); other key types agree.
      const keyCtx = { ...ctx, count: false, asciiStrings: true };
      for (let i = 0; i < size * 3 && entries.size < size; i += 1) {
        const key = randomValue(random, type.key, keyCtx, depth + 1);
        const id = keyId(key);
        if (seen.has(id)) continue;
        seen.add(id);
        entries.set(key, randomValue(random, type.value, { ...ctx, count: false }, depth + 1));
      }
      return entries;
    }
    default:
      throw new Error(`cannot generate a value of ${JSON.stringify(type)}`);
  }
}

function keyId(value) {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
}

/** Integers around the encoding boundaries of FATE (±63/64, 2^64, multi-word) and random ones. */
export function randomInt(random) {
  const sign = random.chance(0.3) ? -1n : 1n;
  switch (random.int(0, 5)) {
    case 0: return BigInt(random.int(-20, 20));
    case 1: return sign * BigInt(random.pick([62, 63, 64, 65, 127, 128, 255, 256, 65535, 65599]));
    case 2: return sign * random.pick([2n ** 63n, 2n ** 64n - 1n, 2n ** 64n, 2n ** 255n, 2n ** 256n - 1n]);
    case 3: return sign * random.bigint(random.int(1, 40));
    default: return BigInt(random.int(-100000, 100000));
  }
}

/** A count: loop bounds and sizes stay small so a call ends in reasonable time. */
export function randomCount(random) {
  return BigInt(random.chance(0.1) ? random.int(-3, 0) : random.chance(0.1) ? random.int(40, 200) : random.int(0, 20));
}

function randomString(random, asciiOnly) {
  if (asciiOnly) {
    const length = random.int(0, 6);
    return Array.from({ length }, () => String.fromCharCode(random.int(0x61, 0x7a))).join('');
  }
  switch (random.int(0, 3)) {
    case 0: return random.pick(TEXT);
    case 1: return 'x'.repeat(random.int(60, 70));
    default: {
      const length = random.int(0, 12);
      return Array.from({ length }, () => random.pick(['a', 'Z', '9', ' ', 'é', 'ß', '日', '🙂', '"', '\\'])).join('');
    }
  }
}

function randomBits(random) {
  switch (random.int(0, 3)) {
    case 0: return 0n;
    case 1: return -random.bigint(random.int(1, 9)) - 1n;
    default: return random.bigint(random.int(1, 12));
  }
}

// --- renderings ----------------------------------------------------------------------------

const hex = (bytes) => Buffer.from(bytes).toString('hex');

// aesophia_cli 8.0.0 misreads a backslash escape that follows non-ASCII text ("Bad control
// sequence"), so strings with a backslash are not spelled.
function sophiaString(s) {
  return s.includes('\\') ? undefined : `"${s.replace(/"/g, '\\"')}"`;
}

/**
 * The value as a Sophia literal of `type`, or undefined when Sophia has no literal for it
 * (bits, BLS field elements, bytes of any size, empty bytes).
 */
export function sophiaLiteral(type, value) {
  if (type.recordField) {
    const inner = sophiaLiteral({ ...type, recordField: undefined }, value);
    return inner === undefined ? undefined : `{${type.recordField} = ${inner}}`;
  }
  switch (type.kind) {
    case 'int': return `${value}`;
    case 'bool': return `${value}`;
    case 'string': return sophiaString(value);
    // bytes() has no literal: #… is always of a fixed size.
    case 'bytes': return value.length === 0 || type.size === 'any' ? undefined : `#${hex(value)}`;
    case 'address': case 'contract': case 'oracle': return value;
    case 'unit': return '()';
    case 'list': return joinAll(value.map((v) => sophiaLiteral(type.of, v)), '[', ']');
    case 'tuple': return joinAll(value.map((v, i) => sophiaLiteral(type.items[i], v)), '(', ')');
    case 'option':
      return 'None' in value ? 'None' : joinAll([sophiaLiteral(type.of, value.Some[0])], 'Some(', ')');
    case 'record':
      return joinAll(type.fields.map((f) => {
        const v = sophiaLiteral(f.type, value[f.name]);
        return v === undefined ? undefined : `${f.name} = ${v}`;
      }), '{', '}');
    case 'variant': {
      const [name, args] = Object.entries(value)[0];
      const ctor = type.ctors.find((c) => c.name === name);
      if (args.length === 0) return name;
      return joinAll(args.map((v, i) => sophiaLiteral(ctor.args[i], v)), `${name}(`, ')');
    }
    case 'map': {
      const parts = [...value].map(([k, v]) => {
        const ks = sophiaLiteral(type.key, k);
        const vs = sophiaLiteral(type.value, v);
        return ks === undefined || vs === undefined ? undefined : `[${ks}] = ${vs}`;
      });
      return joinAll(parts, '{', '}');
    }
    default: return undefined;
  }
}

function joinAll(parts, open, close) {
  return parts.some((p) => p === undefined) ? undefined : `${open}${parts.join(', ')}${close}`;
}

/** A short readable rendering of any value (Sophia-like; bits and field elements spelled out). */
export function renderValue(type, value) {
  if (type.recordField) return `{${type.recordField} = ${renderValue({ ...type, recordField: undefined }, value)}}`;
  switch (type.kind) {
    case 'bits': return `Bits(${value})`;
    case 'fr': return `Fr(${value})`;
    case 'fp': return `Fp(${value})`;
    case 'bytes': return `#${hex(value)}`;
    case 'list': return `[${value.map((v) => renderValue(type.of, v)).join(', ')}]`;
    case 'tuple': return `(${value.map((v, i) => renderValue(type.items[i], v)).join(', ')})`;
    case 'option': return 'None' in value ? 'None' : `Some(${renderValue(type.of, value.Some[0])})`;
    case 'record': return `{${type.fields.map((f) => `${f.name} = ${renderValue(f.type, value[f.name])}`).join(', ')}}`;
    case 'variant': {
      const [name, args] = Object.entries(value)[0];
      const ctor = type.ctors.find((c) => c.name === name);
      return args.length === 0 ? name : `${name}(${args.map((v, i) => renderValue(ctor.args[i], v)).join(', ')})`;
    }
    case 'map': return `{${[...value].map(([k, v]) => `[${renderValue(type.key, k)}] = ${renderValue(type.value, v)}`).join(', ')}}`;
    default: return sophiaLiteral(type, value) ?? String(value);
  }
}
