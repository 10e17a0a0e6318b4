/**
 * Runs a list of scenarios one after the other, reporting progress, and writes the
 * transcript of each run (in the fixture format of `@aechannel/transcript`) next to the
 * scenarios.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { writeTranscript, type SectionInput } from '@aechannel/transcript';
import type { ExamplesReporter, ReportedResult } from './reporter.js';
import { runScenario, type ScenarioDriverContext, type ScenarioDriver } from './runScenario.js';
import type { Scenario } from './scenario.js';

/** Creates the driver of one scenario, recording its traffic into `transcript`. */
export type RecordingDriverFactory = (context: ScenarioDriverContext, transcript: { write(section: SectionInput): void }) => Promise<ScenarioDriver>;

/** Options of {@link runExamples}. */
export interface RunExamplesOptions {
  scenarios: readonly Scenario[];
  createDriver: RecordingDriverFactory;
  reporter: ExamplesReporter;
  /** Directory for `<scenario>.md` transcripts (created if missing); none written when undefined. */
  transcriptDir: string | undefined;
  /** Paths in the report are shown relative to this directory. */
  cwd?: string;
  stepTimeoutMs?: number;
}

/**
 * Runs every scenario and writes its transcript.
 * @returns one result per scenario, in order
 */
export async function runExamples(options: RunExamplesOptions): Promise<ReportedResult[]> {
  const results: ReportedResult[] = [];
  if (options.transcriptDir !== undefined) mkdirSync(options.transcriptDir, { recursive: true });
  for (const [index, scenario] of options.scenarios.entries()) {
    options.reporter.scenarioStarted(scenario, index, options.scenarios.length);
    const sections: SectionInput[] = [];
    const result = await runScenario(scenario, {
      createDriver: (context) => options.createDriver(context, { write: (section) => sections.push(section) }),
      progress: options.reporter,
      ...(options.stepTimeoutMs === undefined ? {} : { stepTimeoutMs: options.stepTimeoutMs }),
    });
    let transcript: string | undefined;
    if (options.transcriptDir !== undefined) {
      const path = join(options.transcriptDir, `${scenario.name}.md`);
      const title = `${scenario.name}${scenario.description ? `: ${scenario.description}` : ''}`;
      writeFileSync(path, writeTranscript(sections, title), 'utf8');
      transcript = options.cwd === undefined ? path : relative(options.cwd, path);
    }
    const reported = { ...result, transcript };
    options.reporter.scenarioFinished(reported);
    results.push(reported);
  }
  return results;
}
