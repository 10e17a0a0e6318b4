/**
 * `aechannel examples` after an install: the package ships the scenarios (`prepack` copies
 * them into `scenarios/`), and an installed copy runs them without a repository around it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { examplesArguments, isRepositoryCheckout, shippedScenarioDir } from '../src/shippedScenarios.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const repoDir = join(packageDir, '..', '..');
const scenarioNames = readdirSync(join(repoDir, 'examples')).filter((name) => name.endsWith('.json')).sort();
/** The compiled contracts the scenarios use (`examples/contracts/*.json`), shipped beside them. */
const contractNames = readdirSync(join(repoDir, 'examples', 'contracts')).filter((name) => name.endsWith('.json')).sort();

describe('examplesArguments', () => {
  it('leaves the arguments alone in a checkout, where the runner reads examples/', () => {
    expect(isRepositoryCheckout()).toBe(true);
    expect(examplesArguments(['--only', 'ping'])).toEqual(['--only', 'ping']);
  });

  it('points an installed package at its shipped scenarios and writes no transcripts unless asked', () => {
    expect(examplesArguments(['--only', 'ping'], false)).toEqual(['--dir', shippedScenarioDir(), '--no-transcripts', '--only', 'ping']);
    expect(examplesArguments(['--transcripts', 'out'], false)).toEqual(['--dir', shippedScenarioDir(), '--transcripts', 'out']);
    expect(examplesArguments(['--transcripts=out'], false)).toEqual(['--dir', shippedScenarioDir(), '--transcripts=out']);
    expect(examplesArguments(['--dir', 'mine'], false)).toEqual(['--dir', 'mine']);
    expect(examplesArguments(['--dir=mine'], false)).toEqual(['--dir=mine']);
    expect(examplesArguments(['--help'], false)).toEqual(['--help']);
  });
});

describe('the packed package', () => {
  it('contains every scenario of examples/ (prepack copies them)', () => {
    rmSync(join(packageDir, 'scenarios'), { recursive: true, force: true });
    const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts=false'], { cwd: packageDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const [packed] = JSON.parse(output.slice(output.indexOf('['))) as [{ files: { path: string }[] }];
    const shipped = packed.files.map((file) => file.path).filter((path) => path.startsWith('scenarios/'));
    expect(shipped.sort()).toEqual([...scenarioNames.map((name) => `scenarios/${name}`), ...contractNames.map((name) => `scenarios/contracts/${name}`)].sort());
    expect(packed.files.some((file) => file.path === 'bin/aechannel.js')).toBe(true);
  });

  it('runs the shipped scenarios from a project that installed it, without a repository and writing nothing into the package', () => {
    // An installed layout: <project>/node_modules/aechannel (a copy: package.json, src, the
    // shipped scenarios) next to its @aechannel/* dependencies, and a project `examples/`
    // folder of its own that the command must not read.
    const project = mkdtempSync(join(tmpdir(), 'aechannel-installed-'));
    try {
      const installed = join(project, 'node_modules', 'aechannel');
      mkdirSync(installed, { recursive: true });
      cpSync(join(packageDir, 'package.json'), join(installed, 'package.json'));
      cpSync(join(packageDir, 'src'), join(installed, 'src'), { recursive: true, filter: (path) => !path.endsWith('.test.ts') });
      mkdirSync(join(installed, 'scenarios'));
      for (const name of scenarioNames) cpSync(join(repoDir, 'examples', name), join(installed, 'scenarios', name));
      mkdirSync(join(installed, 'scenarios', 'contracts'));
      for (const name of contractNames) cpSync(join(repoDir, 'examples', 'contracts', name), join(installed, 'scenarios', 'contracts', name));
      // its dependencies, as installed beside it (the repository's copies)
      const { dependencies } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
      for (const dependency of Object.keys(dependencies)) {
        const target = join(project, 'node_modules', dependency);
        mkdirSync(dirname(target), { recursive: true });
        symlinkSync(realpathSync(join(packageDir, 'node_modules', dependency)), target, 'dir');
      }
      mkdirSync(join(project, 'examples'));
      writeFileSync(join(project, 'examples', 'not_a_scenario.json'), '{"name": "the project\'s own file"}');

      const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
      const run = (...args: string[]) =>
        spawnSync(process.execPath, ['--conditions=source', '--import', tsx, join(installed, 'src', 'cli.ts'), 'examples', ...args], {
          cwd: project,
          encoding: 'utf8',
          timeout: 60_000,
          env: { ...process.env, INIT_CWD: project },
        });

      const list = run('--list');
      expect(list.stderr).toBe('');
      expect(list.status).toBe(0);
      expect(list.stdout.trim().split('\n').map((line) => line.split(' ')[0])).toEqual(scenarioNames.map((name) => name.slice(0, -'.json'.length)));

      const ping = run('--only', 'ping');
      expect(ping.stderr).toBe('');
      expect(ping.status).toBe(0);
      expect(ping.stdout).toContain('Running 1 scenario from node_modules/aechannel/scenarios');
      expect(ping.stdout).toContain('1/1 scenarios passed');
      expect(existsSync(join(installed, 'scenarios', 'transcripts'))).toBe(false);
      expect(readdirSync(project).sort()).toEqual(['examples', 'node_modules']);

      const help = run('--help');
      expect(help.status).toBe(0);
      expect(help.stdout).toContain('Usage: aechannel examples');
      expect(help.stdout).toContain('Installed from a package registry');
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});
