/**
 * Live progress and the summary table of `aechannel examples`.
 *
 * On a terminal the running step is shown on one line that is rewritten in place; in a
 * log (not a TTY) every finished step gets its own line. Failures are repeated under the
 * summary table with the scenario, the step, what was expected and what happened.
 */
import type { ScenarioProgress, ScenarioResult, StepFailure } from './runScenario.js';
import type { Scenario, ScenarioStep } from './scenario.js';

/** Where the reporter writes. */
export interface ReporterOutput {
  write(text: string): unknown;
  isTTY?: boolean | undefined;
}

/** A scenario result with where its transcript went. */
export interface ReportedResult extends ScenarioResult {
  transcript: string | undefined;
}

/** The reporter of one `aechannel examples` run. */
export interface ExamplesReporter extends ScenarioProgress {
  scenarioStarted(scenario: Scenario, index: number, total: number): void;
  scenarioFinished(result: ReportedResult): void;
  /** Writes the summary table and the failures; returns the text written. */
  summary(results: readonly ReportedResult[]): string;
}

const formatMs = (ms: number): string => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

/**
 * Creates the progress reporter.
 * @param output - e.g. `process.stdout`
 * @param options - `color` (default: on a TTY without `NO_COLOR`)
 * @returns the reporter
 * @example
 * const reporter = createReporter(process.stdout);
 */
export function createReporter(output: ReporterOutput, options: { color?: boolean } = {}): ExamplesReporter {
  const tty = output.isTTY === true;
  const color = options.color ?? (tty && process.env.NO_COLOR === undefined);
  const paint = (code: string, text: string): string => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const green = (text: string): string => paint('32', text);
  const red = (text: string): string => paint('31', text);
  const dim = (text: string): string => paint('2', text);
  let liveLine = false;
  const clearLive = (): void => {
    if (liveLine) output.write('\r\x1b[K');
    liveLine = false;
  };

  return {
    scenarioStarted(scenario, index, total) {
      clearLive();
      output.write(`${dim(`[${index + 1}/${total}]`)} ${scenario.name}${scenario.description ? dim(`: ${scenario.description}`) : ''}\n`);
    },
    stepStarted(scenario: Scenario, step: ScenarioStep) {
      if (!tty) return;
      clearLive();
      output.write(`  … step ${step.id}/${scenario.steps.length}: ${step.label}`);
      liveLine = true;
    },
    stepFinished(scenario: Scenario, step: ScenarioStep, outcome) {
      clearLive();
      const mark = outcome.ok ? green('✓') : red('✗');
      output.write(`  ${mark} ${step.id}/${scenario.steps.length} ${step.label} ${dim(`(${formatMs(outcome.durationMs)})`)}\n`);
    },
    scenarioFinished(result) {
      clearLive();
      const verdict = result.ok ? green('pass') : red('FAIL');
      output.write(`  ${verdict} ${result.name} in ${formatMs(result.durationMs)}${result.transcript ? dim(` → ${result.transcript}`) : ''}\n`);
      if (result.failure) output.write(`${indent(formatFailure(result.failure), '    ')}\n`);
    },
    summary(results) {
      clearLive();
      const text = formatSummary(results, { green, red });
      output.write(text);
      return text;
    },
  };
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => prefix + line)
    .join('\n');
}

/**
 * One failure as text: scenario, step, expected, actual.
 * @example formatFailure({ scenario: 'transfer', step: '3', label: 'initiator transfer 1', expected: 'success', actual: 'error …' })
 */
export function formatFailure(failure: StepFailure): string {
  return `${failure.scenario}, step ${failure.step} (${failure.label})\n  expected: ${failure.expected}\n  actual:   ${failure.actual}`;
}

/**
 * The summary table, followed by every failure.
 * @param results - the reported results
 * @returns the text
 */
export function formatSummary(
  results: readonly ReportedResult[],
  paint: { green: (t: string) => string; red: (t: string) => string } = { green: (t) => t, red: (t) => t },
): string {
  const rows = results.map((r) => [r.name, r.ok ? 'pass' : 'FAIL', `${r.passed}/${r.total}`, formatMs(r.durationMs), r.transcript ?? '']);
  const header = ['scenario', 'result', 'steps', 'time', 'transcript'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (i === 2 || i === 3 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const failed = results.filter((r) => !r.ok);
  const body = rows.map((row) => {
    const text = line(row);
    return row[1] === 'pass' ? text.replace(/ pass /, ` ${paint.green('pass')} `) : text.replace(/ FAIL /, ` ${paint.red('FAIL')} `);
  });
  const total = `${results.length - failed.length}/${results.length} scenarios passed`;
  const lines = ['', line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body, '', failed.length === 0 ? paint.green(total) : paint.red(total)];
  if (failed.length > 0) {
    lines.push('', 'Failures:');
    for (const result of failed) if (result.failure) lines.push(formatFailure(result.failure));
  }
  return `${lines.join('\n')}\n`;
}
