import { blake2b } from '@noble/hashes/blake2.js';
import fc from 'fast-check';
import * as RLP from 'rlp';
import { describe, expect, it } from 'vitest';
import { decode, encode, type Encoded } from '../encoding.js';
import { packAccount } from './account.js';
import { buildPoi, buildPoiFromTrees, getPoiBalances, packPoi, poiStateHash, unpackPoi, verifyPoi, type Poi } from './poi.js';
import { computeStateHash } from './stateHash.js';
import { packStateTrees, stateTreesHash, unpackStateTrees } from './stateTrees.js';
import { codeOf } from '../../test/codeOf.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const h = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const int = (b: unknown): number => Number.parseInt(hex(b as Uint8Array) || '0', 16);

const initiator = 'ak_2MJU325LQVfAu36vjGvdVpVgiCDbjRsMAjHZc7ahzuLZHTjWYS';
const responder = 'ak_cU4JbcvVzqCtttniEVwvN1z6P7s4vgtTCjfDYfF1kbh7gCs7W';
const balances: Record<Encoded<'ak'>, bigint> = { [initiator]: 69_999_999_999_999n, [responder]: 40_000_000_000_001n };

const balancesArb = fc
  .uniqueArray(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 1, maxLength: 10, selector: hex })
  .chain((keys) => fc.array(fc.bigInt({ min: 0n, max: 2n ** 90n }), { minLength: keys.length, maxLength: keys.length }).map((v) => ({ keys, v })))
  .map(({ keys, v }) => Object.fromEntries(keys.map((k, i) => [encode(k, 'ak'), v[i] as bigint])) as Record<Encoded<'ak'>, bigint>);

describe('buildPoi / verifyPoi (§2.11)', () => {
  it('proves two accounts under the state hash', () => {
    const pi = buildPoi(balances, [initiator, responder]);
    expect(poiStateHash(pi)).toBe(computeStateHash(balances));
    // seed 000 create state (PROTOCOL.md §12)
    expect(hex(decode(poiStateHash(pi), 'st'))).toBe('243581003d755f088930c54b5e664961dea4adbd7674e086dcd0f52475e10e0b');
    const verified = verifyPoi(pi);
    expect(verified.stateHash).toBe(computeStateHash(balances));
    expect(verified.accounts).toEqual({
      [initiator]: { version: 1, nonce: 0n, balance: 69_999_999_999_999n },
      [responder]: { version: 1, nonce: 0n, balance: 40_000_000_000_001n },
    });
    expect(getPoiBalances(pi)).toEqual(balances);
  });

  it('has the layout of the spec: tag 60 v1, root branch then two leaves sorted by hash', () => {
    const pi = buildPoi(balances, [initiator, responder]);
    const top = RLP.decode(decode(pi, 'pi')) as unknown[];
    expect([int(top[0]), int(top[1])]).toEqual([60, 1]);
    expect(top.slice(3)).toEqual([[], [], [], [], []]);
    const poi = unpackPoi(pi);
    const part = poi.accounts;
    expect(part).not.toBeNull();
    const nodes = part?.nodes ?? [];
    expect(nodes).toHaveLength(3);
    const hashes = nodes.map((n) => hex(n.hash));
    expect(hashes).toEqual([...hashes].sort());
    for (const n of nodes) expect(hex(blake2b(RLP.encode([...n.node]), { dkLen: 32 }))).toBe(hex(n.hash));
    const root = nodes.find((n) => hex(n.hash) === hex(part?.rootHash ?? new Uint8Array()));
    expect(root?.node).toHaveLength(17);
    // initiator b1ca... at slot 0xb, responder 5087... at slot 5
    expect(root?.node.map((c, i) => (c.length > 0 ? i : -1)).filter((i) => i >= 0)).toEqual([5, 11]);
    const leaves = nodes.filter((n) => n.node.length === 2).map((n) => hex(n.node[1] as Uint8Array));
    expect(leaves.sort()).toEqual([hex(packAccount({ nonce: 0n, balance: 69_999_999_999_999n })), hex(packAccount({ nonce: 0n, balance: 40_000_000_000_001n }))].sort());
  });

  it('round-trips pack/unpack byte for byte', () => {
    fc.assert(
      fc.property(balancesArb, fc.nat(), (bal, n) => {
        const ids = Object.keys(bal) as Encoded<'ak'>[];
        const proven = ids.filter((_, i) => (n >> i) & 1 || i === 0);
        const pi = buildPoi(bal, proven);
        expect(packPoi(unpackPoi(pi))).toBe(pi);
        expect(packPoi(unpackPoi(decode(pi, 'pi')))).toBe(pi);
        const verified = verifyPoi(pi);
        expect(verified.stateHash).toBe(computeStateHash(bal));
        expect(Object.keys(verified.accounts).sort()).toEqual([...proven].sort());
        for (const id of proven) expect(verified.accounts[id]?.balance).toBe(bal[id]);
      }),
      { numRuns: 100 },
    );
  });

  it('lists an empty PoI as six empty parts with the empty state hash', () => {
    const pi = packPoi({});
    expect(hex(decode(pi, 'pi'))).toBe('c83c01c0c0c0c0c0c0');
    expect(verifyPoi(pi)).toEqual({ stateHash: computeStateHash({}), accounts: {}, entries: { accounts: [], calls: [], channels: [], contracts: [], ns: [], oracles: [] } });
  });

  it('rejects an account that is not in the state', () => {
    expect(codeOf(() => buildPoi({ [initiator]: 1n }, [responder]))).toBe('CODEC_INVALID_FIELD');
  });

  it('proves keys of any tree, including embedded branch children', () => {
    // short keys: leaves under a branch are embedded (< 32 bytes) and not listed
    const contracts = [
      { key: h('10'), value: h('01') },
      { key: h('20'), value: h('02') },
      { key: h('21'), value: h('03') },
    ];
    const ss = packStateTrees({ accounts: balances, contracts });
    const trees = unpackStateTrees(ss);
    const pi = buildPoiFromTrees(trees, { accounts: [decode(initiator, 'ak'), decode(responder, 'ak')], contracts: [h('10')] });
    const part = unpackPoi(pi).contracts;
    expect(part?.nodes).toHaveLength(1); // only the root: its children are embedded
    const verified = verifyPoi(pi);
    expect(verified.stateHash).toBe(stateTreesHash(ss));
    expect(verified.stateHash).not.toBe(computeStateHash(balances));
    // every leaf the root embeds is proven
    expect(verified.entries.contracts.map((e) => hex(e.key))).toEqual(['10', '20', '21']);
    expect(codeOf(() => buildPoiFromTrees(trees, { contracts: [h('30')] }))).toBe('CODEC_INVALID_FIELD');
  });

  it('accepts a part that carries only a root (the node\'s calls tree of a contract round): it proves no leaf but counts in the hash', () => {
    const callsRoot = blake2b(h('01'), { dkLen: 32 });
    const accounts = unpackPoi(buildPoi(balances, [initiator, responder])).accounts as NonNullable<Poi['accounts']>;
    const pi = packPoi({ accounts, calls: { rootHash: callsRoot, nodes: [] } });
    const verified = verifyPoi(pi);
    expect(verified.entries.calls).toEqual([]);
    expect(verified.accounts[initiator]?.balance).toBe(balances[initiator]);
    expect(verified.stateHash).not.toBe(computeStateHash(balances));
    expect(verified.stateHash).toBe(poiStateHash(pi));
    // A part whose nodes lack the root still fails.
    const noRoot = accounts.nodes.filter((n) => hex(n.hash) !== hex(accounts.rootHash));
    expect(codeOf(() => verifyPoi(packPoi({ accounts: { ...accounts, nodes: noRoot } })))).toBe('CODEC_INVALID_POI');
  });

  it('rejects listed nodes that do not match, are unsorted, unreachable or missing', () => {
    const pi = buildPoi(balances, [initiator, responder]);
    const poi = unpackPoi(pi);
    const part = poi.accounts as NonNullable<typeof poi.accounts>;
    const nodes = [...part.nodes];
    expect(codeOf(() => verifyPoi(packPoi({ accounts: { ...part, nodes: [...nodes].reverse() } })))).toBe('CODEC_INVALID_POI');
    expect(codeOf(() => verifyPoi(packPoi({ accounts: { ...part, nodes: nodes.filter((n) => hex(n.hash) !== hex(part.rootHash)) } })))).toBe(
      'CODEC_INVALID_POI',
    );
    const stray = { hash: blake2b(RLP.encode([h('20'), h('01')]), { dkLen: 32 }), node: [h('20'), h('01')] };
    const withStray = [...nodes, stray].sort((a, b) => Buffer.compare(a.hash, b.hash));
    expect(codeOf(() => verifyPoi(packPoi({ accounts: { ...part, nodes: withStray } })))).toBe('CODEC_INVALID_POI');
    const badValue = nodes.map((n) => (n.node.length === 2 ? { hash: n.hash, node: [n.node[0] as Uint8Array, h('01')] } : n));
    expect(codeOf(() => verifyPoi(packPoi({ accounts: { ...part, nodes: badValue } })))).toBe('CODEC_INVALID_POI');
    // a leaf whose value is not an account, correctly hashed
    const notAccount = nodes.map((n) => {
      if (n.node.length !== 2) return n;
      const node = [n.node[0] as Uint8Array, h('c3010203')];
      return { hash: blake2b(RLP.encode(node), { dkLen: 32 }), node };
    });
    expect(codeOf(() => verifyPoi(packPoi({ accounts: { ...part, nodes: notAccount } })))).toBe('CODEC_INVALID_POI');
  });

  it('never accepts a wrong balance under the same state hash after any single-byte change', () => {
    const bytes = decode(buildPoi(balances, [initiator, responder]), 'pi');
    const expected = computeStateHash(balances);
    const check = (i: number, x: number): void => {
      const m = Uint8Array.from(bytes);
      m[i] = (m[i] as number) ^ x;
      let result: ReturnType<typeof verifyPoi> | undefined;
      const code = codeOf(() => (result = verifyPoi(m)));
      if (code !== undefined) {
        expect(code).toMatch(/^CODEC_(INVALID_RLP|INVALID_FIELD|UNSUPPORTED_OBJECT|INVALID_POI)$/);
        return;
      }
      const r = result as ReturnType<typeof verifyPoi>;
      if (r.stateHash === expected) {
        for (const [id, account] of Object.entries(r.accounts)) expect(account.balance).toBe(balances[id as Encoded<'ak'>]);
      }
    };
    for (let i = 0; i < bytes.length; i += 1) for (const x of [0x01, 0x80, 0xff]) check(i, x);
    fc.assert(fc.property(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 }), check), { numRuns: 300 });
  });

  it('gives a typed error or a valid result for any bytes', () => {
    const allowed = /^CODEC_(INVALID_RLP|INVALID_FIELD|UNSUPPORTED_OBJECT|INVALID_POI|INVALID_PREFIX|INVALID_CHECKSUM|INVALID_LENGTH|INVALID_ALPHABET)$/;
    const rlpArb = fc.letrec<{ item: unknown }>((tie) => ({
      item: fc.oneof({ depthSize: 'small' }, fc.uint8Array({ maxLength: 40 }), fc.constantFrom(60, 1, 10), fc.array(tie('item'), { maxLength: 17 })),
    })).item;
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), rlpArb.map((x) => RLP.encode(x as RLP.Input))), (bytes) => {
        for (const fn of [() => unpackPoi(bytes), () => verifyPoi(bytes), () => poiStateHash(bytes), () => getPoiBalances(bytes)]) {
          const code = codeOf(fn);
          expect(code === undefined || allowed.test(code), code).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
    expect(codeOf(() => verifyPoi('pi_abc' as Encoded<'pi'>))).toMatch(allowed);
    expect(codeOf(() => packPoi(null as unknown as object))).toBe('CODEC_INVALID_FIELD');
  });

  it('stops on a proof built to blow up the walk', () => {
    // a chain of branches whose 16 slots all point to the next one: 16^k paths
    let child = RLP.encode([h('20'), new Uint8Array(40).fill(1)]);
    const nodes = [{ hash: blake2b(child, { dkLen: 32 }), node: RLP.decode(child) as Uint8Array[] }];
    for (let depth = 0; depth < 6; depth += 1) {
      const ref = blake2b(child, { dkLen: 32 });
      const node = [...Array.from({ length: 16 }, () => ref), new Uint8Array(0)];
      child = RLP.encode(node);
      nodes.push({ hash: blake2b(child, { dkLen: 32 }), node });
    }
    nodes.sort((a, b) => Buffer.compare(a.hash, b.hash));
    const rootHash = blake2b(child, { dkLen: 32 });
    expect(codeOf(() => verifyPoi(packPoi({ calls: { rootHash, nodes } })))).toBe('CODEC_INVALID_POI');
  });
});

describe('hostile RLP', () => {
  it('turns a very deep list nesting into CODEC_INVALID_RLP', () => {
    // [[[[...]]]] 50 000 levels deep, built from the inside out without re-copying
    const headers: number[][] = [];
    let length = 1; // innermost c0
    for (let i = 0; i < 50_000; i += 1) {
      const header = length < 56 ? [0xc0 + length] : [0xf7 + Math.ceil(length.toString(16).length / 2), ...Buffer.from(length.toString(16).padStart(Math.ceil(length.toString(16).length / 2) * 2, '0'), 'hex')];
      headers.push(header);
      length += header.length;
    }
    const bytes = Uint8Array.from([...headers.reverse().flat(), 0xc0]);
    expect(codeOf(() => verifyPoi(bytes))).toMatch(/^CODEC_(INVALID_RLP|UNSUPPORTED_OBJECT)$/);
    expect(codeOf(() => unpackStateTrees(bytes))).toMatch(/^CODEC_(INVALID_RLP|UNSUPPORTED_OBJECT)$/);
  });
});
