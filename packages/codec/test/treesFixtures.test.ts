/**
 * Acceptance against the recordings: every state hash a node put into a create, deposit,
 * withdraw or off-chain tx is recomputed from balances (PROTOCOL.md §2.11).
 *
 * Create: `initiator_amount - push_amount`, `responder_amount + push_amount` (push from the
 * connect URL). Updates: a `channels.sign.*` request carries the new tx and its `updates`;
 * applying them to a state reached earlier must give the tx's state hash. Conflicts and
 * aborts leave states unused, so any earlier state may be the base (the most recent first).
 * Txs are decoded here with plain RLP so this test depends on nothing but the trees code.
 */
import * as RLP from 'rlp';
import { describe, expect, it } from 'vitest';
import { decode, encode, type Encoded } from '../src/encoding.js';
import { computeStateHash } from '../src/trees.js';

interface Section {
  kind: 'connect' | 'send' | 'receive' | 'info' | 'close';
  role: string;
  url?: string;
  message?: unknown;
}
interface Fixture {
  name: string;
  sections: Section[];
}

// The transcript package depends on codec, so it is loaded at run time (vitest aliases it
// to its source) rather than listed as a dependency.
const fixturesModule = '@aechannel/transcript/fixtures';
const { loadFixtures } = (await import(/* @vite-ignore */ fixturesModule)) as { loadFixtures: () => Fixture[] };
const fixtures = loadFixtures();

type Balances = Record<Encoded<'ak'>, bigint>;
type Nested = Uint8Array | Nested[];

const int = (b: Nested | undefined): bigint => {
  if (!(b instanceof Uint8Array)) throw new Error('expected bytes');
  return b.reduce((acc, x) => (acc << 8n) | BigInt(x), 0n);
};
const bytes = (b: Nested | undefined): Uint8Array => {
  if (!(b instanceof Uint8Array)) throw new Error('expected bytes');
  return b;
};
const idToAk = (b: Nested | undefined): Encoded<'ak'> => encode(bytes(b).subarray(1), 'ak');

/** Inner tx of a `tx_` signed tx: [tag, version, ...fields]. */
function innerTx(tx: string): { tag: number; version: number; fields: Nested[] } {
  const signed = RLP.decode(decode(tx, 'tx')) as Nested[];
  expect(Number(int(signed[0]))).toBe(11);
  const inner = RLP.decode(bytes(signed[3])) as Nested[];
  return { tag: Number(int(inner[0])), version: Number(int(inner[1])), fields: inner.slice(2) };
}

/** State hash of a channel tx, by tag (§2.6). */
function stateHashOf(tx: { tag: number; version: number; fields: Nested[] }): Encoded<'st'> | undefined {
  switch (tx.tag) {
    case 50: // create v1: ... delegate_ids, state_hash, nonce; v2 has two delegate lists
      return encode(bytes(tx.fields[tx.version === 1 ? 9 : 10]), 'st');
    case 51: // deposit
    case 52: // withdraw
      return encode(bytes(tx.fields[5]), 'st');
    case 57: // off-chain v2: [ch, round, state_hash]
      return encode(bytes(tx.fields[tx.version === 1 ? 3 : 2]), 'st');
    default:
      return undefined;
  }
}

interface Update {
  op: string;
  from?: Encoded<'ak'>;
  to?: Encoded<'ak'>;
  amount?: bigint;
}

function apply(state: Balances, updates: readonly Update[]): Balances | undefined {
  const next: Balances = { ...state };
  for (const u of updates) {
    const amount = u.amount ?? 0n;
    const sub = (id: Encoded<'ak'> | undefined): boolean => {
      if (id === undefined || next[id] === undefined || (next[id] as bigint) < amount) return false;
      next[id] = (next[id] as bigint) - amount;
      return true;
    };
    const add = (id: Encoded<'ak'> | undefined): boolean => {
      if (id === undefined || next[id] === undefined) return false;
      next[id] = (next[id] as bigint) + amount;
      return true;
    };
    if (u.op === 'OffChainTransfer' && sub(u.from) && add(u.to)) continue;
    if (u.op === 'OffChainWithdrawal' && sub(u.to)) continue;
    if (u.op === 'OffChainDeposit' && add(u.from)) continue;
    return undefined;
  }
  return next;
}

interface SignRequest {
  method: string;
  tx: string;
  updates: Update[];
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;

function signRequests(fixture: Fixture): SignRequest[] {
  const out: SignRequest[] = [];
  for (const s of fixture.sections) {
    if (s.kind !== 'receive' || !isObject(s.message)) continue;
    const { method, params } = s.message;
    if (typeof method !== 'string' || !method.startsWith('channels.sign.') || !isObject(params) || !isObject(params['data'])) continue;
    const { signed_tx: tx, updates } = params['data'];
    if (typeof tx === 'string' && Array.isArray(updates)) out.push({ method, tx, updates: updates as Update[] });
  }
  return out;
}

interface Open {
  initiator: Encoded<'ak'>;
  responder: Encoded<'ak'>;
  initiatorAmount: bigint;
  responderAmount: bigint;
  pushAmount: bigint;
}

function opens(fixture: Fixture): Open[] {
  return fixture.sections.flatMap((s) => {
    if (s.kind !== 'connect' || s.url === undefined) return [];
    const q = new URL(s.url).searchParams;
    const amount = (k: string): bigint => BigInt(q.get(k) ?? '0');
    if (q.get('initiator_amount') === null) return [];
    return [
      {
        initiator: q.get('initiator_id') as Encoded<'ak'>,
        responder: q.get('responder_id') as Encoded<'ak'>,
        initiatorAmount: amount('initiator_amount'),
        responderAmount: amount('responder_amount'),
        pushAmount: amount('push_amount'),
      },
    ];
  });
}

/** Balances reported by `channels.get.balances` replies. */
function reportedBalances(fixture: Fixture): Balances[] {
  return fixture.sections.flatMap((s) => {
    if (s.kind !== 'receive' || !isObject(s.message) || !Array.isArray(s.message['result'])) return [];
    const result = s.message['result'] as unknown[];
    if (!result.every((r) => isObject(r) && typeof r['account'] === 'string' && typeof r['balance'] === 'bigint')) return [];
    return [Object.fromEntries(result.map((r) => [(r as { account: string }).account, (r as { balance: bigint }).balance])) as Balances];
  });
}

describe('state hashes of the fixture recordings', () => {
  it('every create tx state hash comes from its amounts and the push amount', () => {
    let checked = 0;
    for (const fixture of fixtures) {
      const [open] = opens(fixture);
      for (const req of signRequests(fixture)) {
        const tx = innerTx(req.tx);
        if (tx.tag !== 50) continue;
        expect(open, fixture.name).toBeDefined();
        const o = open as Open;
        const initiator = idToAk(tx.fields[0]);
        const responder = idToAk(tx.fields[2]);
        expect([initiator, responder]).toEqual([o.initiator, o.responder]);
        expect([int(tx.fields[1]), int(tx.fields[3])]).toEqual([o.initiatorAmount, o.responderAmount]);
        const balances = {
          [initiator]: int(tx.fields[1]) - o.pushAmount,
          [responder]: int(tx.fields[3]) + o.pushAmount,
        };
        expect(computeStateHash(balances), `${fixture.name} ${req.method}`).toBe(stateHashOf(tx));
        checked += 1;
      }
    }
    expect(checked).toBe(6); // initiator_sign and responder_sign of three opens
  });

  it('every update, deposit and withdraw state hash comes from an earlier state and its updates', () => {
    let checked = 0;
    let withdrawals = 0;
    // States reached anywhere, by participant pair: creates and get.balances replies seed them.
    const known = new Map<string, Balances[]>();
    const pairOf = (b: Balances): string => Object.keys(b).sort().join(',');
    const remember = (b: Balances): void => {
      const list = known.get(pairOf(b)) ?? [];
      list.push(b);
      known.set(pairOf(b), list);
    };
    for (const fixture of fixtures) {
      for (const o of opens(fixture).slice(0, 1)) {
        remember({ [o.initiator]: o.initiatorAmount - o.pushAmount, [o.responder]: o.responderAmount + o.pushAmount });
      }
      for (const b of reportedBalances(fixture)) remember(b);
    }
    for (const fixture of fixtures) {
      for (const req of signRequests(fixture)) {
        const tx = innerTx(req.tx);
        if (tx.tag === 50 || req.updates.length === 0) continue;
        const expected = stateHashOf(tx);
        if (expected === undefined) continue;
        const candidates = [...known.values()].flat().reverse();
        const next = candidates.map((s) => apply(s, req.updates)).find((s) => s !== undefined && computeStateHash(s) === expected);
        expect(next, `${fixture.name}: ${req.method} ${JSON.stringify(req.updates, (_, v: unknown) => (typeof v === 'bigint' ? `${v}` : v))}`).toBeDefined();
        remember(next as Balances);
        checked += 1;
        if (req.updates.some((u) => u.op === 'OffChainWithdrawal')) withdrawals += 1;
      }
    }
    expect(checked).toBe(15);
    expect(withdrawals).toBe(8);

    // Every co-signed state the node reports (`channels.update`) is one of those states.
    const reached = new Set([...known.values()].flat().map(computeStateHash));
    let reported = 0;
    for (const fixture of fixtures) {
      for (const s of fixture.sections) {
        if (s.kind !== 'receive' || !isObject(s.message) || s.message['method'] !== 'channels.update') continue;
        const params = s.message['params'];
        const state = isObject(params) && isObject(params['data']) ? params['data']['state'] : undefined;
        if (typeof state !== 'string') continue;
        const hash = stateHashOf(innerTx(state));
        expect(hash !== undefined && reached.has(hash), `${fixture.name}: channels.update ${hash}`).toBe(true);
        reported += 1;
      }
    }
    expect(reported).toBe(7);
  });
});
