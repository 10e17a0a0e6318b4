/**
 * Finds and reads the scenario files of the examples runner.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScenarioError, parseContractFixture, parseScenario, type Scenario } from './scenario.js';

/** Largest contract fixture read (a bound on what a scenario folder can make the runner load). */
const MAX_CONTRACT_FIXTURE_BYTES = 4 * 1024 * 1024;

/**
 * The repository's `examples/` directory, found from this module's location
 * (`packages/aechannel/{src,dist}/examples/` → the repository root), so the runner works
 * from any working directory.
 */
export function defaultScenarioDir(): string {
  return fileURLToPath(new URL('../../../../examples/', import.meta.url));
}

/**
 * Reads every `*.json` scenario of a directory, sorted by name, with the contract fixtures
 * its steps name (`contracts/<name>.json` in the same directory).
 * @param dir - the directory
 * @param options - `only`: scenario names to keep (all when empty); `cwd`: paths in errors are relative to it
 * @returns the parsed scenarios
 * @throws {ScenarioError} `CHANNEL_SCENARIO_INVALID` for the first invalid file (naming it
 *   and the step), or when `only` names a scenario that does not exist
 */
export function loadScenarios(dir: string, options: { only?: readonly string[]; cwd?: string } = {}): Scenario[] {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((name) => name.endsWith('.json'))
      .sort();
  } catch (cause) {
    throw new ScenarioError('CHANNEL_SCENARIO_INVALID', `${dir}: cannot read the scenario directory.`, {
      cause,
      context: { file: dir, step: undefined, path: '' },
    });
  }
  const only = options.only ?? [];
  const known = files.map((name) => name.slice(0, -'.json'.length));
  for (const name of only) {
    if (!known.includes(name)) {
      throw new ScenarioError('CHANNEL_SCENARIO_INVALID', `${dir}: no scenario named "${name}" (known: ${known.join(', ')}).`, {
        context: { file: join(dir, `${name}.json`), step: undefined, path: '' },
      });
    }
  }
  return files
    .filter((name) => only.length === 0 || only.includes(name.slice(0, -'.json'.length)))
    .map((name) => {
      const path = join(dir, name);
      const shown = options.cwd === undefined ? path : relative(options.cwd, path);
      // Contracts are read from `contracts/<name>.json` beside the scenarios.
      const readContract = (contract: string) => {
        const fixture = join(dir, 'contracts', `${contract}.json`);
        const text = readFileSync(fixture, 'utf8');
        if (text.length > MAX_CONTRACT_FIXTURE_BYTES) throw new Error(`${fixture} is larger than ${MAX_CONTRACT_FIXTURE_BYTES} bytes`);
        return parseContractFixture(text);
      };
      return parseScenario(readFileSync(path, 'utf8'), shown, readContract);
    });
}
