import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAechannelError } from '@aechannel/codec';
import { describe, expect, it } from 'vitest';
import { defaultScenarioDir, loadScenarios } from './loadScenarios.js';

describe('loadScenarios', () => {
  it('reads every scenario of the repository, covering every command', () => {
    const scenarios = loadScenarios(defaultScenarioDir());
    expect(scenarios.length).toBeGreaterThanOrEqual(12);
    const commands = new Set(
      scenarios.flatMap((s) => s.steps.flatMap((step) => (step.kind === 'parallel' ? step.steps : [step]))).flatMap((step) => (step.kind === 'command' ? [step.command] : [])),
    );
    for (const flow of ['open', 'transfer', 'deposit', 'withdraw', 'message', 'ping', 'leave', 'reestablish', 'disconnect', 'reconnect', 'closeSolo', 'settle', 'snapshot', 'shutdown']) {
      expect(commands, flow).toContain(flow);
    }
  });

  it('keeps only the named scenarios, and names an unknown one', () => {
    expect(loadScenarios(defaultScenarioDir(), { only: ['transfer'] }).map((s) => s.name)).toEqual(['transfer']);
    expect(() => loadScenarios(defaultScenarioDir(), { only: ['nope'] })).toThrowError(/no scenario named "nope"/);
  });

  it('reports the first broken file with its path relative to cwd', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scenarios-'));
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ channel: { initiatorAmount: 10, responderAmount: 10, pushAmount: 0, channelReserve: 1, lockPeriod: 1 }, steps: [{ do: 'open' }] }));
    writeFileSync(join(dir, 'b.json'), JSON.stringify({ channel: { initiatorAmount: 10, responderAmount: 10, pushAmount: 0, channelReserve: 1, lockPeriod: 1 }, steps: [{ do: 'open' }, { role: 'initiator', do: 'fly' }] }));
    try {
      loadScenarios(dir, { cwd: dir });
      expect.unreachable();
    } catch (error) {
      expect(isAechannelError(error, 'CHANNEL_SCENARIO_INVALID')).toBe(true);
      expect((error as Error).message).toMatch(/^b\.json, step 2: unknown command "fly"/);
    }
  });
});
