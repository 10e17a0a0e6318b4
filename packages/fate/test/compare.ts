/**
 * Field-by-field comparison of this package's results with fate-oracle's (test helper).
 */
import { runScenario, type Scenario } from './scenario.js';

/** A vector file: the scenario and the oracle's answer. */
export interface Vector {
  scenario: Scenario;
  result: { initial_state_hash: string; final_state_hash: string; results: Record<string, unknown>[] };
}

const ERROR_CODES: [RegExp, string][] = [
  [/insufficient_balance/, 'FATE_INSUFFICIENT_BALANCE'],
  [/contract_init_failed/, 'FATE_CONTRACT_INIT_FAILED'],
  [/wrong_abi_version/, 'FATE_WRONG_ABI_VERSION'],
  [/wrong_vm_version|illegal_vm_version/, 'FATE_WRONG_VM_VERSION'],
  [/not_present|unknown_contract/, 'FATE_UNKNOWN_CONTRACT'],
];

function norm(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return v.map(norm);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, x]) => [k, norm(x)]));
  return v;
}

function textOf(cb: unknown): string {
  if (typeof cb !== 'string' || !cb.startsWith('cb_')) return '';
  return Buffer.from(cb.slice(3), 'base64').subarray(0, -4).toString('latin1');
}

/** Differences between ours and the oracle's, as readable lines (empty = identical). */
export function compareVector(vec: Vector): string[] {
  const ours = runScenario(vec.scenario);
  const diffs: string[] = [];
  const exp = vec.result;
  if (ours.initial_state_hash !== exp.initial_state_hash) diffs.push(`initial state hash ${ours.initial_state_hash} != ${exp.initial_state_hash}`);
  exp.results.forEach((e, i) => {
    const o = ours.results[i] ?? {};
    const where = `#${i} ${String(e['op'])} round ${String(e['round'])}`;
    if (o['ok'] === false && o['error'] === 'FATE_UNSUPPORTED' && e['return_type'] === 'error' && textOf(e['return_value']).includes('\n')) {
      // A message the node prints over several lines: refused by design (README).
      return;
    }
    if (e['ok'] !== o['ok']) {
      diffs.push(`${where}: ok ${String(o['ok'])} (${String(o['error'])}) != ${String(e['ok'])} (${String(e['error'])})`);
      return;
    }
    if (e['ok'] === false) {
      const want = ERROR_CODES.find(([re]) => re.test(String(e['error'])))?.[1];
      if (want !== undefined && want !== o['error']) diffs.push(`${where}: error ${String(o['error'])} != ${want} (${String(e['error'])})`);
      return;
    }
    for (const f of ['state_hash', 'contract_id', 'return_type', 'return_value', 'gas_used', 'call_object', 'call_key', 'log', 'store', 'balances', 'call']) {
      if (!(f in e)) continue;
      const a = JSON.stringify(norm(o[f]));
      const b = JSON.stringify(norm(e[f]));
      if (a !== b) diffs.push(`${where}: ${f} ${a} != ${b}`);
    }
  });
  if (ours.final_state_hash !== exp.final_state_hash) diffs.push(`final state hash ${ours.final_state_hash} != ${exp.final_state_hash}`);
  return diffs;
}
