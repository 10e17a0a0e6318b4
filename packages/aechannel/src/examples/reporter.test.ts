import { describe, expect, it } from 'vitest';
import { createReporter, formatSummary, type ReportedResult } from './reporter.js';
import { parseScenario } from './scenario.js';

const scenario = parseScenario(
  JSON.stringify({
    description: 'demo',
    channel: { initiatorAmount: 10, responderAmount: 10, pushAmount: 0, channelReserve: 1, lockPeriod: 1 },
    steps: [{ do: 'open' }, { role: 'initiator', do: 'ping' }],
  }),
  'examples/demo.json',
);
const passed: ReportedResult = { name: 'demo', ok: true, passed: 2, total: 2, durationMs: 1234, failure: undefined, transcript: 'examples/transcripts/demo.md' };
const failed: ReportedResult = {
  name: 'other',
  ok: false,
  passed: 1,
  total: 2,
  durationMs: 12,
  failure: { scenario: 'other', step: '2', label: 'initiator ping', expected: 'success', actual: 'error CHANNEL_CLOSED: closed' },
  transcript: undefined,
};

describe('reporter', () => {
  it('shows the running step in place on a terminal, then the finished line', () => {
    const out: string[] = [];
    const reporter = createReporter({ write: (t: string) => out.push(t), isTTY: true }, { color: false });
    reporter.scenarioStarted(scenario, 0, 3);
    reporter.stepStarted!(scenario, scenario.steps[1]!);
    reporter.stepFinished!(scenario, scenario.steps[1]!, { ok: true, durationMs: 3 });
    expect(out).toEqual(['[1/3] demo: demo\n', '  … step 2/2: initiator ping', '\r\x1b[K', '  ✓ 2/2 initiator ping (3 ms)\n']);
  });

  it('writes one line per finished step in a log', () => {
    const out: string[] = [];
    const reporter = createReporter({ write: (t: string) => out.push(t) }, { color: false });
    reporter.stepStarted!(scenario, scenario.steps[0]!);
    reporter.stepFinished!(scenario, scenario.steps[0]!, { ok: false, durationMs: 1500 });
    expect(out).toEqual(['  ✗ 1/2 both open (1.5 s)\n']);
  });

  it('summarizes results in a table and repeats every failure', () => {
    expect(formatSummary([passed, failed])).toBe(
      [
        '',
        'scenario  result  steps   time  transcript',
        '--------  ------  -----  -----  ----------------------------',
        'demo      pass      2/2  1.2 s  examples/transcripts/demo.md',
        'other     FAIL      1/2  12 ms',
        '',
        '1/2 scenarios passed',
        '',
        'Failures:',
        'other, step 2 (initiator ping)\n  expected: success\n  actual:   error CHANNEL_CLOSED: closed',
        '',
      ].join('\n'),
    );
  });
});
