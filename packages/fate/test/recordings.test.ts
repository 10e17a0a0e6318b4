/**
 * Acceptance: every contract create and call of the contract recordings
 * (`contracts_group_open.md` then `contracts_basic.md`) re-executed from the recorded state
 * with the `early-iris` preset gives the recorded state hash of every co-signed round and the
 * recorded call results (`channels.get.contract_call` and `channels.dry_run.call_contract`
 * replies: gas used, return type and value, caller, nonce, height, gas price, log).
 *
 * The extraction follows shared/oracle/validate.mjs: initial balances from the open URL,
 * every co-signed round's updates from `channels.sign.update(_ack)`, dry runs in order.
 */
import { decode, isAechannelError, Tag, unpackTx, type ChannelOffChainUpdate, type Encoded } from '@aechannel/codec';
import { contractFixtureNames, loadFixture } from '@aechannel/transcript/fixtures';
import { describe, expect, it } from 'vitest';
import { applyUpdates, callObjectToJson, stateHash, treesFromBalances, type CallObject, type ChannelTrees } from '../src/index.js';
import { packCtVersion } from '../src/trees.js';

type Json = Record<string, unknown>;
const js = (x: unknown): string => JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
interface Msg { role: string; dir: 'out' | 'in'; body: Json; file: string }

const [openName, basicName] = contractFixtureNames as [string, string];
const open = loadFixture(openName);
const basic = loadFixture(basicName);
const msgs: Msg[] = [open, basic].flatMap((f) =>
  f.sections.flatMap((s) => (s.kind === 'send' || s.kind === 'receive' ? [{ role: s.role, dir: s.kind === 'send' ? 'out' as const : 'in' as const, body: s.message as Json, file: f.name }] : [])),
);
const url = open.sections.find((s) => s.kind === 'connect');
const params = new URL((url as { url: string }).url).searchParams;
const I = params.get('initiator_id') as Encoded<'ak'>;
const R = params.get('responder_id') as Encoded<'ak'>;
const push = BigInt(params.get('push_amount') ?? 0);
const reserve = BigInt(params.get('channel_reserve') ?? 0);
const callerOf: Record<string, Encoded<'ak'>> = { initiator: I, responder: R };

function find(o: unknown, pred: (x: Json) => boolean, depth = 0): Json | undefined {
  if (o === null || typeof o !== 'object' || depth > 5) return undefined;
  if (pred(o as Json)) return o as Json;
  for (const v of Object.values(o)) {
    const r = find(v, pred, depth + 1);
    if (r !== undefined) return r;
  }
  return undefined;
}
function offchain(tx: string): { round: number; stateHash: string } {
  const t = unpackTx(tx as Encoded<'tx'>);
  const r = find(t, (x) => 'round' in x && 'stateHash' in x);
  if (r === undefined) {
    // The channel create tx (round 1) carries a state hash but no round.
    const c = find(t, (x) => 'stateHash' in x);
    if (c === undefined) throw new Error('no off-chain tx');
    return { round: 1, stateHash: c['stateHash'] as string };
  }
  return { round: Number(r['round']), stateHash: r['stateHash'] as string };
}

const proposals = new Map<string, Json[]>();
const cosigned = new Map<number, string>();
type Ev = { kind: 'round'; round: number } | { kind: 'dry'; role: string; req: Json | undefined; reply: Json };
const events: Ev[] = [];
const pendingDry: Record<string, Json[]> = {};
const pendingGet = new Map<string, Json>();
const callReplies: { params: Json; result: Json }[] = [];
for (const { role, dir, body: b } of msgs) {
  const m = b['method'] as string | undefined;
  const p = b['params'] as Json | undefined;
  const data = p?.['data'] as Json | undefined;
  if ((m === 'channels.sign.update' || m === 'channels.sign.update_ack') && (data?.['updates'] as unknown[] | undefined)?.length) {
    const o = offchain(data!['signed_tx'] as string);
    proposals.set(`${o.round}:${o.stateHash}`, data!['updates'] as Json[]);
  }
  if (m === 'channels.update' && dir === 'in' && data?.['state'] !== undefined) {
    const o = offchain(data['state'] as string);
    if (!cosigned.has(o.round)) {
      cosigned.set(o.round, o.stateHash);
      events.push({ kind: 'round', round: o.round });
    }
  }
  if (m === 'channels.dry_run.call_contract' && dir === 'out') (pendingDry[role] ??= []).push(p!);
  if (m === 'channels.dry_run.call_contract.reply') events.push({ kind: 'dry', role, req: (pendingDry[role] ?? []).shift(), reply: data! });
  const err = b['error'] as Json | undefined;
  if (err !== undefined && (err['request'] as Json | undefined)?.['method'] === 'channels.dry_run.call_contract') {
    const q = pendingDry[role] ?? [];
    const i = q.findIndex((x) => js(x) === js((err['request'] as Json)['params']));
    if (i >= 0) q.splice(i, 1);
  }
  const id = `${role}:${String(b['id'])}`;
  if (m === 'channels.get.contract_call' && dir === 'out') pendingGet.set(id, p!);
  if (m === 'channels.get.contract_call.reply' && pendingGet.has(id)) callReplies.push({ params: pendingGet.get(id)!, result: data! });
  else if (b['id'] !== undefined && pendingGet.has(id) && typeof b['result'] === 'object' && b['result'] !== null) callReplies.push({ params: pendingGet.get(id)!, result: b['result'] as Json });
}

function toUpdate(u: Json): ChannelOffChainUpdate | undefined {
  const big = (x: unknown): bigint => BigInt(x as string);
  switch (u['op']) {
    case 'OffChainNewContract':
      return {
        tag: Tag.ChannelOffChainUpdateCreateContract, version: 1, owner: u['owner'] as Encoded<'ak'>,
        ctVersion: packCtVersion(Number(u['vm_version']), Number(u['abi_version'])), code: decode(u['code'] as string, 'cb'),
        deposit: big(u['deposit']), callData: decode(u['call_data'] as string, 'cb'),
      };
    case 'OffChainCallContract':
      return {
        tag: Tag.ChannelOffChainUpdateCallContract, version: 1, caller: (u['caller_id'] ?? u['caller']) as Encoded<'ak'>,
        contract: (u['contract_id'] ?? u['contract']) as Encoded<'ct'>, abiVersion: big(u['abi_version']), amount: big(u['amount']),
        gas: big(u['gas'] ?? 1000000), gasPrice: big(u['gas_price'] ?? 1), callData: decode(u['call_data'] as string, 'cb'), callStack: [],
      };
    case 'OffChainTransfer':
      return { tag: Tag.ChannelOffChainUpdateTransfer, version: 1, from: u['from'] as Encoded<'ak'>, to: u['to'] as Encoded<'ak'>, amount: big(u['amount']) };
    case 'OffChainDeposit':
      return { tag: Tag.ChannelOffChainUpdateDeposit, version: 1, from: u['from'] as Encoded<'ak'>, amount: big(u['amount']) };
    case 'OffChainWithdraw':
      return { tag: Tag.ChannelOffChainUpdateWithdraw, version: 1, to: u['to'] as Encoded<'ak'>, amount: big(u['amount']) };
    default:
      return undefined;
  }
}

// ---- replay ------------------------------------------------------------------------
const ctx = { reserve, rules: 'early-iris' as const };
let trees: ChannelTrees = treesFromBalances({ [I]: BigInt(params.get('initiator_amount')!) - push, [R]: BigInt(params.get('responder_amount')!) + push });
const initialHash = stateHash(trees);
const roundResults: { round: number; ours: string; recorded: string }[] = [];
const callsByRound = new Map<number, CallObject>();
const dryResults: { ours: CallObject | string; reply: Json }[] = [];
let lastRound = 1;
for (const e of events) {
  if (e.kind === 'round') {
    const recorded = cosigned.get(e.round)!;
    const ups = proposals.get(`${e.round}:${recorded}`);
    if (ups === undefined) {
      lastRound = e.round;
      continue;
    }
    const updates = ups.map(toUpdate).filter((x): x is ChannelOffChainUpdate => x !== undefined);
    const r = applyUpdates(trees, updates, { ...ctx, round: BigInt(e.round) });
    trees = r.trees;
    for (const c of r.calls) callsByRound.set(e.round, c);
    roundResults.push({ round: e.round, ours: stateHash(trees), recorded });
    lastRound = e.round;
  } else if (e.req !== undefined) {
    const q = e.req;
    const upd: ChannelOffChainUpdate = {
      tag: Tag.ChannelOffChainUpdateCallContract, version: 1, caller: callerOf[e.role]!, contract: q['contract_id'] as Encoded<'ct'>,
      abiVersion: BigInt(q['abi_version'] as string), amount: BigInt(q['amount'] as string), gas: 1000000n, gasPrice: 1n,
      callData: decode(q['call_data'] as string, 'cb'), callStack: [],
    };
    try {
      dryResults.push({ ours: applyUpdates(trees, [upd], { ...ctx, round: BigInt(lastRound + 1) }).calls[0]!, reply: e.reply });
    } catch (err) {
      dryResults.push({ ours: isAechannelError(err) ? err.code : String(err), reply: e.reply });
    }
  }
}

const FIELDS = ['gas_used', 'return_type', 'return_value', 'caller_id', 'contract_id', 'gas_price', 'height', 'caller_nonce'];
function sameCall(recorded: Json, ours: CallObject): string[] {
  const j = callObjectToJson(ours) as unknown as Json;
  const diff = FIELDS.filter((f) => String(recorded[f]) !== String(j[f]));
  if (js(recorded['log'] ?? []) !== js(j['log'])) diff.push('log');
  return diff;
}

describe('contract recordings re-executed with the early-iris preset', () => {
  it('finds the 70 co-signed rounds after the create and their updates', () => {
    expect(roundResults.length).toBe(70);
  });

  it('starts from the state of the co-signed create tx (round 1)', () => {
    expect(initialHash).toBe(cosigned.get(1));
  });

  it('gives the recorded state hash of every co-signed round', () => {
    const wrong = roundResults.filter((r) => r.ours !== r.recorded);
    expect(wrong).toEqual([]);
  });

  it('gives the recorded result of every channels.get.contract_call', () => {
    const seen = new Set<string>();
    let n = 0;
    for (const { params: p, result } of callReplies) {
      const key = `${String(p['round'])}:${String(p['caller_id'])}:${String(p['contract_id'])}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const ours = callsByRound.get(Number(p['round']));
      expect(ours, key).toBeDefined();
      expect(sameCall(result, ours!), key).toEqual([]);
      n += 1;
    }
    expect(n + dryResults.length).toBe(62);
  });

  it('gives the recorded result of every channels.dry_run.call_contract', () => {
    expect(dryResults.length).toBeGreaterThan(0);
    for (const { ours, reply } of dryResults) {
      expect(typeof ours).not.toBe('string');
      expect(sameCall(reply, ours as CallObject)).toEqual([]);
    }
  });
});
