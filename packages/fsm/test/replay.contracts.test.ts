/**
 * Client-mode replay of the contract recordings: `contracts_group_open.md` (the open), then
 * `contracts_basic.md` (the contract rounds) as one channel, each role, through `step` with
 * the `early-iris` rules of the recordings' node (CONTRACTS.md §10). The fsm must send the
 * recorded client messages and hand the signer exactly the recorded sign requests' txs,
 * each contract round recomputed with the VM; every dry run, call object and PoI the node
 * returned must equal the fsm's own.
 *
 * Deliberate differences: the recorded clients also send requests with broken encodings or
 * strings for integers (to test the node's 1005/1006/1008/1009 errors). The fsm refuses
 * those itself (`FSM_INVALID_COMMAND`) and sends nothing; they are listed by what the
 * recording shows (a value that does not decode), not by what the fsm does.
 */
import { decode, type JsonValue } from '@aechannel/codec';
import { contractFixtureNames, loadFixture, type Fixture } from '@aechannel/transcript/fixtures';
import { describe, expect, it } from 'vitest';
import { methodAndParams, replayRole, type ReplayReport } from './replay.js';

const [openName, basicName] = contractFixtureNames as [string, string];
const open = loadFixture(openName);
const basic = loadFixture(basicName);
/** The two recordings as one channel (the second file's lines offset by 100 000). */
const channel: Fixture = { ...open, name: `${openName}+${basicName}`, sections: [...open.sections, ...basic.sections.map((s) => ({ ...s, line: s.line + 100_000 }))] };

type JsonObject = { [key: string]: JsonValue };
const INTEGER_PARAMS = ['amount', 'abi_version', 'vm_version', 'deposit', 'round'];
const PREFIXES: Record<string, 'ak' | 'ct' | 'cb'> = { contract_id: 'ct', caller_id: 'ak', call_data: 'cb', code: 'cb', pubkey: 'ct' };

/** Whether a recorded request carries a value the protocol cannot accept (broken encoding, a string for an integer). */
function malformed(message: JsonValue): boolean {
  const params = ((message as JsonObject)['params'] ?? {}) as JsonObject;
  for (const [key, value] of Object.entries(params)) {
    if (INTEGER_PARAMS.includes(key) && typeof value !== 'bigint') return true;
    const prefix = PREFIXES[key];
    const ids = key === 'accounts' || key === 'contracts' ? (value as JsonValue[]) : prefix === undefined ? [] : [value];
    for (const id of ids) {
      try {
        decode(id as string, prefix ?? (key === 'accounts' ? 'ak' : 'ct'));
      } catch {
        return true;
      }
    }
  }
  return false;
}

const replays = new Map<string, ReplayReport>();
const replay = (role: 'initiator' | 'responder'): ReplayReport => {
  let report = replays.get(role);
  if (report === undefined) replays.set(role, (report = replayRole(channel, role, undefined, { fateRules: 'early-iris' })));
  return report;
};

describe.each(['initiator', 'responder'] as const)('contract recordings in client mode: %s', (role) => {
  it('sends every recorded client message, except the malformed ones, which it refuses itself', () => {
    const report = replay(role);
    const deviations = report.pairs.filter((p) => malformed(p.section.message));
    expect(deviations.length).toBeGreaterThan(20);
    for (const pair of report.pairs) {
      if (malformed(pair.section.message)) {
        expect(pair.sent, `line ${pair.section.line}`).toBeNull();
        continue;
      }
      expect(methodAndParams(pair.sent), `recorded message at line ${pair.section.line}`).toEqual(methodAndParams(pair.section.message));
    }
    expect(report.extraSends).toEqual([]);
    // Exactly the requests the recorded node rejected for their encoding (1005, 1006, 1008, 1009).
    const encodingErrors = channel.sections.filter(
      (s) => s.kind === 'receive' && s.role === role && /"code":\s*100[5689]\b/.test(JSON.stringify(s.message, (_, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))),
    );
    expect(deviations.length).toBe(encodingErrors.length);
    const refusals = report.effects.filter((e) => e.type === 'settle' && !e.ok && e.error.code === 'FSM_INVALID_COMMAND');
    expect(refusals).toHaveLength(deviations.length);
  });

  it('hands the signer exactly the recorded sign requests, each contract round recomputed', () => {
    const report = replay(role);
    expect(report.signs.map((s) => s.tx)).toEqual(report.recordedSignTxs);
    expect(report.signs.length).toBeGreaterThan(70);
    const contractRounds = report.signs.filter((s) => s.calls.length > 0);
    expect(contractRounds.length).toBeGreaterThanOrEqual(70);
    for (const sign of report.signs) expect(sign.networkId).toBe('local_iris_testnet');
  });

  it('raises no security event: every dry run, call object and PoI the node returned equals its own', () => {
    const report = replay(role);
    const problems = report.effects.filter((e) => e.type === 'emit' && (e.event.type === 'security' || (e.event.type === 'error' && e.event.error.code === 'FSM_INTERNAL_ERROR')));
    expect(problems).toEqual([]);
    const settles = report.effects.flatMap((e) => (e.type === 'settle' ? [e] : []));
    const verified = settles.filter((e) => e.ok && typeof e.result === 'object' && e.result !== null && 'verified' in e.result && e.result.verified === true);
    expect(verified.length).toBeGreaterThan(10);
    const unverified = settles.filter((e) => e.ok && typeof e.result === 'object' && e.result !== null && 'verified' in e.result && e.result.verified === false);
    // Only the calls asked for after clean_contract_calls emptied our record (the node then answers 1004) could be unknown.
    expect(unverified).toEqual([]);
    const pois = settles.filter((e) => e.ok && typeof e.result === 'object' && e.result !== null && 'poi' in e.result);
    expect(pois.length).toBeGreaterThan(0);
  });

  it('ends at the recorded round with the recorded state and the trees that hash to it', () => {
    const report = replay(role);
    const lastUpdate = [...channel.sections].reverse().find((s) => s.kind === 'receive' && s.role === role && (s.message as JsonObject)['method'] === 'channels.update');
    const state = (((lastUpdate as { message: JsonObject }).message['params'] as JsonObject)['data'] as JsonObject)['state'];
    expect(report.state.latestState).toBe(state);
    expect(report.state.round).toBe(71n);
    expect(report.state.trees).not.toBeNull();
  });
});
