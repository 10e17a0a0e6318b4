/**
 * Acceptance against the recordings: every state hash a node put into a create, deposit,
 * withdraw or off-chain tx is recomputed from balances (PROTOCOL.md §2.11).
 *
 * Create: `initiator_amount - push_amount`, `responder_amount + push_amount` (push from the
 * connect URL). Updates: a `channels.sign.*` request carries the new tx and its `updates`;
 * applying them to a state reached earlier must give the tx's state hash. Conflicts and
 * aborts leave states unused, so any earlier state may be the base (the most recent first).
 */
import { describe, expect, it } from 'vitest';
import { computeStateHash, Tag, unpackTx, type Encoded, type Tx } from '../src/index.js';

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

/** Inner tx of a `tx_` signed tx, decoded by the codec's `unpackTx`. */
function innerTx(tx: string): Tx {
  const signed = unpackTx(tx as Encoded<'tx'>);
  if (signed.tag !== Tag.SignedTx) throw new Error(`expected a signed tx, got tag ${signed.tag}`);
  return signed.encodedTx;
}

/** New state hash of a create, deposit, withdraw or off-chain tx (§2.6). */
function stateHashOf(tx: Tx): Encoded<'st'> | undefined {
  switch (tx.tag) {
    case Tag.ChannelCreateTx:
    case Tag.ChannelDepositTx:
    case Tag.ChannelWithdrawTx:
    case Tag.ChannelOffChainTx:
      return tx.stateHash;
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
        if (tx.tag !== Tag.ChannelCreateTx) continue;
        expect(open, fixture.name).toBeDefined();
        const o = open as Open;
        expect([tx.initiatorId, tx.responderId]).toEqual([o.initiator, o.responder]);
        expect([tx.initiatorAmount, tx.responderAmount]).toEqual([o.initiatorAmount, o.responderAmount]);
        const balances = {
          [tx.initiatorId]: tx.initiatorAmount - o.pushAmount,
          [tx.responderId]: tx.responderAmount + o.pushAmount,
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
        if (tx.tag === Tag.ChannelCreateTx || req.updates.length === 0) continue;
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
