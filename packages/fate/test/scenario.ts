/**
 * Runs a `fate-oracle` scenario (shared/oracle/README.md) through this package and returns
 * a result in the oracle's format, so the differential tests can compare field by field.
 * Test helper, not library code.
 */
import { decode, encode, Tag, type ChannelOffChainUpdate, type Encoded } from '@aechannel/codec';
import { bytesToHex } from '@noble/hashes/utils.js';
import { applyUpdates, callObjectToJson, createdContractId, serializeCallObject, stateHash, treesFromBalances, type ChainView, type FateRules } from '../src/index.js';
import { callKey } from '../src/callObject.js';
import { isAechannelError } from '@aechannel/codec';
import { packCtVersion, type ChannelTrees } from '../src/trees.js';

/** A scenario as fate-oracle reads it (numbers may be strings). */
export interface Scenario {
  protocol?: string | number;
  env?: { height?: number | string; timestamp?: number | string; difficulty?: number | string; beneficiary?: string; key_hash?: string };
  network_id?: string;
  reserve?: number | string;
  accounts: Record<string, number | string>;
  start_round?: number;
  compat?: string | null;
  show_store?: boolean;
  updates: Record<string, unknown>[];
}

/** One result, in the oracle's shape (big numbers as bigint). */
export type ResultEntry = Record<string, unknown>;

const big = (x: unknown): bigint => BigInt(x as string | number);

/** The rules a scenario asks for. */
export function rulesOf(s: Scenario): FateRules {
  const p = s.protocol ?? 'ceres';
  const consensus = (typeof p === 'number' ? p : { lima: 4, iris: 5, ceres: 6 }[p] ?? Number(p)) as 4 | 5 | 6;
  const early = s.compat === 'early_iris';
  return { consensus, contractObjectV1ForVm7: early, stripInitVm7: early, unknownCompilerVersion: !early && consensus <= 4 };
}

/** The chain view a scenario asks for. */
export function chainOf(s: Scenario): ChainView {
  const e = s.env ?? {};
  return {
    height: big(e.height ?? 100),
    timestamp: big(e.timestamp ?? 1700000000000),
    difficulty: big(e.difficulty ?? 12345),
    beneficiary: e.beneficiary === undefined ? new Uint8Array(32) : decode(e.beneficiary, 'ak'),
    networkId: s.network_id ?? 'ae_mainnet',
  };
}

function toUpdate(u: Record<string, unknown>): ChannelOffChainUpdate {
  switch (u['op']) {
    case 'new_contract':
      return {
        tag: Tag.ChannelOffChainUpdateCreateContract, version: 1, owner: u['owner'] as Encoded<'ak'>,
        ctVersion: packCtVersion(Number(u['vm_version']), Number(u['abi_version'])), code: decode(u['code'] as string, 'cb'),
        deposit: big(u['deposit']), callData: decode(u['call_data'] as string, 'cb'),
      };
    case 'call_contract':
      return {
        tag: Tag.ChannelOffChainUpdateCallContract, version: 1, caller: u['caller'] as Encoded<'ak'>, contract: u['contract'] as Encoded<'ct'>,
        abiVersion: big(u['abi_version'] ?? 3), amount: big(u['amount'] ?? 0), gas: big(u['gas'] ?? 1000000), gasPrice: big(u['gas_price'] ?? 1),
        callData: decode(u['call_data'] as string, 'cb'), callStack: [],
      };
    case 'transfer':
      return { tag: Tag.ChannelOffChainUpdateTransfer, version: 1, from: u['from'] as Encoded<'ak'>, to: u['to'] as Encoded<'ak'>, amount: big(u['amount']) };
    case 'deposit':
      return { tag: Tag.ChannelOffChainUpdateDeposit, version: 1, from: u['from'] as Encoded<'ak'>, amount: big(u['amount']) };
    case 'withdraw':
      return { tag: Tag.ChannelOffChainUpdateWithdraw, version: 1, to: u['to'] as Encoded<'ak'>, amount: big(u['amount']) };
    default:
      throw new Error(`unknown op ${String(u['op'])}`);
  }
}

function storeOf(trees: ChannelTrees, ct: string): Record<string, string> {
  const rec = trees.contracts.get(bytesToHex(decode(ct, 'ct')));
  const out: Record<string, string> = {};
  if (rec === undefined) return out;
  for (const [k, v] of [...rec.store.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) out[k] = bytesToHex(v);
  return out;
}

function balancesOf(trees: ChannelTrees): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const [k, a] of trees.accounts.entries()) out[encode(Uint8Array.from(Buffer.from(k, 'hex')), 'ak')] = a.balance;
  return out;
}

/** Runs a scenario; returns the oracle-shaped result. */
export function runScenario(s: Scenario): { initial_state_hash: string; final_state_hash: string; results: ResultEntry[] } {
  const balances: Record<string, bigint> = {};
  for (const [k, v] of Object.entries(s.accounts)) balances[k] = big(v);
  let trees = treesFromBalances(balances);
  const initial = stateHash(trees);
  const rules = rulesOf(s);
  const chain = chainOf(s);
  const reserve = big(s.reserve ?? 0);
  let round = BigInt(s.start_round ?? 2) - 1n;
  const results: ResultEntry[] = [];
  for (const u of s.updates) {
    const r = u['round'] === undefined ? round + 1n : big(u['round']);
    const dry = u['dry_run'] === true;
    const base: ResultEntry = { op: u['op'], round: r, ...(dry ? { dry_run: true } : {}) };
    try {
      const upd = toUpdate(u);
      const out = applyUpdates(trees, [upd], { round: r, reserve, chain, rules });
      const entry: ResultEntry = { ...base, ok: true };
      const call = out.calls[0];
      if (call !== undefined) {
        const ct = call.contractId;
        Object.assign(entry, {
          contract_id: ct,
          return_type: call.returnType,
          return_value: encode(call.returnValue, 'cb'),
          gas_used: call.gasUsed,
          gas_price: call.gasPrice,
          call: callObjectToJson(call),
          call_object: bytesToHex(serializeCallObject(call)),
          call_key: bytesToHex(callKey(decode(call.callerId, 'ak'), call.callerNonce, decode(ct, 'ct'))),
          log: callObjectToJson(call).log,
        });
        if (u['op'] === 'new_contract') entry['contract_id'] = createdContractId(u['owner'] as Encoded<'ak'>, r);
        if (s.show_store !== false) entry['store'] = storeOf(out.trees, ct);
      }
      entry['state_hash'] = stateHash(out.trees);
      if (!dry) {
        trees = out.trees;
        round = r;
      }
      if (s.show_store !== false) entry['balances'] = balancesOf(dry ? out.trees : trees);
      results.push(entry);
    } catch (e) {
      if (!isAechannelError(e)) throw e;
      results.push({ ...base, ok: false, error: e.code, detail: e.message, ctx: e.context });
      if (!dry) round = r;
    }
  }
  return { initial_state_hash: initial, final_state_hash: stateHash(trees), results };
}
