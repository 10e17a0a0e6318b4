import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringifyJson, Tag, unwrapSignedTx, type Encoded } from '@aechannel/codec';
import { parseTranscript } from '@aechannel/transcript';
import { describe, expect, it } from 'vitest';
import { analyzeRecording } from '../src/conformance/analyzeRecording.js';
import { checkClientMode } from '../src/conformance/checkClientMode.js';
import { detectNetworkId } from '../src/conformance/detectNetworkId.js';
import { runDevnodeMode } from '../src/conformance/runDevnodeMode.js';
import { createDevnodeDriverFactory } from '../src/examples/devnodeDrivers.js';
import { defaultScenarioDir, loadScenarios } from '../src/examples/loadScenarios.js';
import { createReporter, formatSummary } from '../src/examples/reporter.js';
import { runExamples } from '../src/examples/runExamples.js';
import { parseScenario } from '../src/examples/scenario.js';

const peer = (index: number) => ({ host: 'localhost', port: 14100 + index });

function quietReporter(): { reporter: ReturnType<typeof createReporter>; output: string[] } {
  const output: string[] = [];
  return { reporter: createReporter({ write: (text: string) => output.push(text), isTTY: false }, { color: false }), output };
}

describe('examples runner against the devnode', () => {
  it('runs repository scenarios with two Channel clients and writes their transcripts', async () => {
    const scenarios = loadScenarios(defaultScenarioDir(), { only: ['aborts', 'conflicts', 'slash'] });
    const transcriptDir = mkdtempSync(join(tmpdir(), 'examples-'));
    const { reporter, output } = quietReporter();
    const results = await runExamples({ scenarios, createDriver: createDevnodeDriverFactory({ peer }), reporter, transcriptDir, stepTimeoutMs: 10_000 });
    expect(results.map((r) => [r.name, r.ok, r.failure])).toEqual([
      ['aborts', true, undefined],
      ['conflicts', true, undefined],
      ['slash', true, undefined],
    ]);
    expect(results.every((r) => r.passed === r.total)).toBe(true);
    // Progress names every step of every scenario.
    const text = output.join('');
    for (const scenario of scenarios) for (const step of scenario.steps) expect(text).toContain(`✓ ${step.id}/${scenario.steps.length} ${step.label}`);

    // The transcripts are in the fixture format: they parse, with both roles' traffic.
    const sections = parseTranscript(readFileSync(join(transcriptDir, 'conflicts.md'), 'utf8'));
    const methods = sections.flatMap((s) => (s.kind === 'receive' && typeof s.message === 'object' && s.message !== null && !Array.isArray(s.message) ? [s.message.method] : []));
    expect(methods.filter((m) => m === 'channels.conflict')).toHaveLength(4);
    expect(new Set(sections.map((s) => s.role))).toEqual(new Set(['initiator', 'responder']));
    expect(sections.filter((s) => s.kind === 'connect')).toHaveLength(2);

    // What the Channel recorded conforms both ways: the reducer sends the same messages
    // (client mode) and a fresh devnode answers the same (devnode mode). (The aborts
    // scenario has no races; the conflicts one depends on timing by nature.)
    const aborts = parseTranscript(readFileSync(join(transcriptDir, 'aborts.md'), 'utf8'));
    const networkId = await detectNetworkId(aborts, analyzeRecording(aborts).accounts);
    expect(networkId).toBe('ae_devnet');
    const analysis = analyzeRecording(aborts, networkId);
    expect(await checkClientMode(aborts, { networkId, analysis })).toMatchObject({ ok: true, difference: undefined, problem: undefined });
    expect(await runDevnodeMode(aborts, { analysis, networkId, waitMs: 2000 })).toMatchObject({ ok: true, difference: undefined, problem: undefined });

    // The stale close of the slash scenario happened outside the channel: the transcript says so.
    const slash = parseTranscript(readFileSync(join(transcriptDir, 'slash.md'), 'utf8'));
    expect(slash).toContainEqual(expect.objectContaining({ kind: 'info', role: 'responder', text: 'Posted a close solo with the co-signed state of round 2 directly to the chain' }));
  });

  it('runs the contract scenarios (race_to_ten, force_progress): every round recomputed by both clients; their transcripts conform in both modes', async () => {
    const scenarios = loadScenarios(defaultScenarioDir(), { only: ['force_progress', 'race_to_ten'] });
    expect(scenarios.map((s) => Object.keys(s.contracts))).toEqual([['race_to_ten'], ['race_to_ten']]);
    const transcriptDir = mkdtempSync(join(tmpdir(), 'examples-'));
    const { reporter } = quietReporter();
    const results = await runExamples({ scenarios, createDriver: createDevnodeDriverFactory({ peer: (i) => peer(i + 30) }), reporter, transcriptDir, stepTimeoutMs: 10_000 });
    expect(results.map((r) => [r.name, r.ok, r.failure, r.passed === r.total])).toEqual([
      ['force_progress', true, undefined, true],
      ['race_to_ten', true, undefined, true],
    ]);
    const game = parseTranscript(readFileSync(join(transcriptDir, 'race_to_ten.md'), 'utf8'));
    const requests = game.flatMap((s) => (s.kind === 'send' && typeof s.message === 'object' && s.message !== null && !Array.isArray(s.message) ? [s.message.method] : []));
    expect(requests.filter((m) => m === 'channels.update.call_contract')).toHaveLength(8);
    expect(requests).toContain('channels.update.new_contract');
    expect(requests).toContain('channels.dry_run.call_contract');
    const forced = parseTranscript(readFileSync(join(transcriptDir, 'force_progress.md'), 'utf8'));
    expect(forced.some((s) => s.kind === 'receive' && stringifyJson(s.message).includes('consumed_forced_progress'))).toBe(true);
    for (const sections of [game, forced]) {
      const networkId = await detectNetworkId(sections, analyzeRecording(sections).accounts);
      const analysis = analyzeRecording(sections, networkId);
      expect(analysis.variant).toBe('current');
      expect(await checkClientMode(sections, { networkId, analysis })).toMatchObject({ ok: true, difference: undefined, problem: undefined });
      expect(await runDevnodeMode(sections, { analysis, networkId: networkId!, waitMs: 2000 })).toMatchObject({ ok: true, difference: undefined, problem: undefined });
    }
  });

  it('runs the generalized-account scenario (ga_channel): the initiator attached on chain, every tx it signs wrapped in its GA meta tx', async () => {
    const scenarios = loadScenarios(defaultScenarioDir(), { only: ['ga_channel'] });
    expect(Object.keys(scenarios[0]!.contracts)).toEqual(['ga_auth']);
    const transcriptDir = mkdtempSync(join(tmpdir(), 'examples-'));
    const { reporter } = quietReporter();
    const results = await runExamples({ scenarios, createDriver: createDevnodeDriverFactory({ peer: (i) => peer(i + 40) }), reporter, transcriptDir, stepTimeoutMs: 10_000 });
    expect(results.map((r) => [r.name, r.ok, r.failure, r.passed === r.total])).toEqual([['ga_channel', true, undefined, true]]);
    const sections = parseTranscript(readFileSync(join(transcriptDir, 'ga_channel.md'), 'utf8'));
    // What the initiator's client sent back for each of its sign requests: its GA meta tx around the channel tx.
    const replies = sections.flatMap((s) => {
      if (s.kind !== 'send' || s.role !== 'initiator' || typeof s.message !== 'object' || s.message === null || Array.isArray(s.message)) return [];
      const params = s.message['params'];
      const tx = typeof params === 'object' && params !== null && !Array.isArray(params) ? params['signed_tx'] : undefined;
      return typeof tx === 'string' ? [{ method: s.message['method'], tx: tx as Encoded<'tx'> }] : [];
    });
    expect(replies.map((r) => r.method)).toEqual(expect.arrayContaining(['channels.initiator_sign', 'channels.update', 'channels.deposit_tx', 'channels.withdraw_ack', 'channels.shutdown_sign']));
    for (const { tx } of replies) {
      const unwrapped = unwrapSignedTx(tx);
      expect(unwrapped.layers).toHaveLength(1);
      expect(unwrapped.signatures.length).toBeLessThanOrEqual(1);
    }
    const create = unwrapSignedTx(replies.find((r) => r.method === 'channels.initiator_sign')!.tx).tx;
    expect(create.tag === Tag.ChannelCreateTx && create.nonce).toBe(0n);
  });

  it('fails a scenario whose expectation does not hold, naming the scenario, step, expectation and outcome', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'examples-'));
    const file = join(dir, 'wrong.json');
    writeFileSync(
      file,
      JSON.stringify({
        channel: { initiatorAmount: '70000000000000', responderAmount: '40000000000000', pushAmount: 1, channelReserve: 2, lockPeriod: 10 },
        steps: [
          { do: 'open' },
          { role: 'initiator', do: 'transfer', amount: 10, expect: { balances: { responder: '40000000000010' } } },
          { role: 'initiator', do: 'ping' },
        ],
      }),
    );
    const scenario = parseScenario(readFileSync(file, 'utf8'), file);
    const { reporter } = quietReporter();
    const [result] = await runExamples({ scenarios: [scenario], createDriver: createDevnodeDriverFactory({ peer: (i) => peer(i + 50) }), reporter, transcriptDir: undefined, stepTimeoutMs: 10_000 });
    expect(result).toMatchObject({ name: 'wrong', ok: false, passed: 1, total: 3 });
    expect(result!.failure).toEqual({
      scenario: 'wrong',
      step: '2',
      label: 'initiator transfer 10 initiator → responder',
      expected: 'responder balance 40000000000010',
      actual: '40000000000011 (initiator=69999999999989 responder=40000000000011)',
    });
    expect(formatSummary([result!])).toContain('wrong, step 2 (initiator transfer 10 initiator → responder)\n  expected: responder balance 40000000000010\n  actual:   40000000000011');
  });
});
