#!/usr/bin/env node
// Builds fate-oracle scenarios from the compiled test contracts (test/fixtures/contracts,
// written by compile-contracts.mjs), runs them through ../shared/oracle/fate-oracle (the
// node's own code; needs Erlang) and writes one vector per scenario and rule preset:
//
//   test/vectors/<group>/<name>.<preset>.json = { "scenario": <oracle input>, "result": <oracle output> }
//
// Presets: ceres (today's node, vm 8), iris (today's node, vm 7), early_iris (the recordings'
// node: protocol lima, compat early_iris, vm 7). Everything is seeded, so a rerun writes the
// same files. It also cross-checks calldata from @aeternity/aepp-calldata against
// `aesophia_cli --create_calldata` and writes the pairs to test/fixtures/calldata-crosscheck.json.
//
//   node scripts/generate-vectors.mjs                       # every group, every preset
//   node scripts/generate-vectors.mjs --group contracts --preset ceres
//   node scripts/generate-vectors.mjs --jobs 1 --no-crosscheck
//
// FATE_ORACLE=/path/to/fate-oracle and AESOPHIA_CLI=/path/to/aesophia_cli override the lookups.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findCompiler, runCompilerAsync } from './compile-contracts.mjs';
import { findOracle, inParallel } from './lib/oracle.mjs';
import { formatVector, PRESETS, Scenario } from './lib/scenario.mjs';
import { contracts, recursion, remote, storeMaps, updates } from './lib/handpicked.mjs';
import { planSweep, randomGroup, SWEEPS } from './lib/generated.mjs';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const fixturesDir = join(packageDir, 'test', 'fixtures', 'contracts');
const vectorsDir = join(packageDir, 'test', 'vectors');
const crosscheckFile = join(packageDir, 'test', 'fixtures', 'calldata-crosscheck.json');

const plain = (defs, showStore = true) =>
  Object.fromEntries(Object.entries(defs).map(([name, build]) => [name, { build, showStore }]));

/** Every group: scenario name → { build(s), showStore } (out-of-gas is planned per preset). */
const GROUPS = {
  contracts: plain(contracts),
  updates: plain(updates),
  'store-maps': { small: { build: storeMaps.small, showStore: true }, large: { build: storeMaps.large, showStore: false } },
  remote: plain(remote),
  recursion: plain(recursion),
  random: randomGroup,
  'out-of-gas': Object.fromEntries(Object.keys(SWEEPS).map((name) => [name, { sweep: name, showStore: false }])),
};

/** Groups with fewer scenarios under some presets (size): group → preset → names kept. */
const ONLY = {
  'out-of-gas': {
    iris: ['counter_tick', 'store_map_update', 'remote_bump', 'remote_protected', 'factory_create'],
    early_iris: ['counter_tick', 'store_map_update', 'remote_bump', 'remote_protected', 'factory_create'],
  },
};

function loadFixtures() {
  const fixtures = {};
  for (const file of readdirSync(fixturesDir).filter((f) => f.endsWith('.json')).sort()) {
    const fixture = JSON.parse(readFileSync(join(fixturesDir, file), 'utf8'));
    fixtures[fixture.name] = fixture;
  }
  if (Object.keys(fixtures).length === 0) throw new Error('no fixtures: run scripts/compile-contracts.mjs first');
  return fixtures;
}

function parseArgs(argv) {
  const options = { groups: [], presets: [], jobs: 2, crosscheck: true };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--group') options.groups.push(argv[(i += 1)]);
    else if (arg === '--preset') options.presets.push(argv[(i += 1)]);
    else if (arg === '--jobs') options.jobs = Number(argv[(i += 1)]);
    else if (arg === '--no-crosscheck') options.crosscheck = false;
    else throw new Error(`unknown argument ${arg}`);
  }
  for (const g of options.groups) if (!GROUPS[g]) throw new Error(`unknown group ${g} (${Object.keys(GROUPS).join(', ')})`);
  for (const p of options.presets) if (!PRESETS[p]) throw new Error(`unknown preset ${p} (${Object.keys(PRESETS).join(', ')})`);
  if (options.groups.length === 0) options.groups = Object.keys(GROUPS);
  if (options.presets.length === 0) options.presets = Object.keys(PRESETS);
  return options;
}

/**
 * Calls spelled in Sophia, compiled to calldata by aesophia_cli and compared with
 * aepp-calldata's encoding: the first calls of distinct functions of each hand-picked
 * scenario and the first random calls of each contract (calls into a contract other than a
 * fixture's main contract cannot be spelled for the compiler and are left out).
 */
const CROSSCHECK_PER_FIXTURE = 6;

async function crosscheck(fixtures, spelled, jobs) {
  const cli = findCompiler();
  const seen = new Set();
  const perFixture = new Map();
  const chosen = [];
  for (const entry of spelled) {
    if (entry.contract && entry.contract !== fixtures[entry.fixture].contract) continue;
    const key = entry.perFunction ? `${entry.fixture}:${entry.text.slice(0, entry.text.indexOf('('))}` : `${entry.fixture}:${entry.text}`;
    const count = perFixture.get(`${entry.perFunction}:${entry.fixture}`) ?? 0;
    if (seen.has(key) || (entry.perFunction && count >= CROSSCHECK_PER_FIXTURE)) continue;
    seen.add(key);
    perFixture.set(`${entry.perFunction}:${entry.fixture}`, count + 1);
    chosen.push(entry);
  }
  const checked = await inParallel(
    chosen.map((entry) => async () => {
      const source = join(packageDir, fixtures[entry.fixture].source);
      const out = await runCompilerAsync(cli, ['-w', 'all', '--create_calldata', '--call', entry.text, source]);
      const compiled = /cb_[A-Za-z0-9+/=]+/.exec(out)?.[0];
      if (compiled !== entry.callData) {
        throw new Error(`calldata differs for ${entry.fixture} ${entry.text}: compiler ${compiled}, aepp-calldata ${entry.callData}`);
      }
      return { fixture: entry.fixture, call: entry.text, calldata: compiled };
    }),
    jobs,
  );
  return checked;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const fixtures = loadFixtures();
  const oracle = findOracle(packageDir);
  const written = [];
  const tasks = [];
  for (const group of options.groups) {
    for (const preset of options.presets) {
      for (const [name, def] of Object.entries(GROUPS[group])) {
        if (ONLY[group]?.[preset] && !ONLY[group][preset].includes(name)) continue;
        tasks.push(async () => {
          const showStore = typeof def.showStore === 'function' ? def.showStore(preset) : def.showStore;
          const make = () => new Scenario({ preset, fixtures, oracle, showStore });
          const build = def.sweep ? await planSweep(make, def.sweep, preset) : def.build;
          const s = make();
          await build(s);
          let result;
          try {
            result = await s.run();
          } catch (cause) {
            throw new Error(`${group}/${name}.${preset}: ${cause.message}`, { cause });
          }
          // Two keys of each result are left out to keep the vectors small (scripts/README.md):
          // `call`, the node's client JSON of the call object (each of its fields is also a
          // key of the result or inside `call_object`), and `call_key`, the calls-tree key
          // (contract pk ‖ call id, both derived from the update; the state hash covers it).
          for (const r of result.results) {
            delete r.call;
            delete r.call_key;
          }
          const file = join(vectorsDir, group, `${name}.${preset}.json`);
          mkdirSync(dirname(file), { recursive: true });
          writeFileSync(file, formatVector(s.toJSON(), result));
          written.push(file);
          const skipped = s.skipped.length > 0 ? `, ${s.skipped.length} calls the oracle cannot run left out` : '';
          console.log(`${relative(packageDir, file)}: ${s.updates.length} updates, ${statSync(file).size} bytes${skipped}`);
          // Cross-check the hand-picked calls and the first random calls of each contract.
          if (preset !== 'ceres') return [];
          if (group === 'contracts') return s.spelled.map((e) => ({ ...e, perFunction: true }));
          if (group === 'random') return s.spelled.slice(0, 3);
          return [];
        });
      }
    }
  }
  // Results come back in task order, so the cross-check sample does not depend on timing.
  const spelled = (await inParallel(tasks, options.jobs)).flat();

  // Files of the regenerated groups and presets that this run did not write are stale.
  const fresh = new Set(written);
  for (const group of options.groups) {
    const dir = join(vectorsDir, group);
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir)) {
      const preset = file.split('.').at(-2);
      const path = join(dir, file);
      if (options.presets.includes(preset) && !fresh.has(path)) {
        rmSync(path);
        console.log(`removed stale ${relative(packageDir, path)}`);
      }
    }
  }

  if (options.crosscheck && spelled.length > 0) {
    const checked = await crosscheck(fixtures, spelled, options.jobs);
    writeFileSync(crosscheckFile, `${JSON.stringify(checked, null, 2)}\n`);
    console.log(`calldata: ${checked.length} calls encoded alike by aepp-calldata and aesophia_cli`);
  }

  let total = 0;
  for (const group of readdirSync(vectorsDir).sort()) {
    const files = readdirSync(join(vectorsDir, group));
    const size = files.reduce((n, f) => n + statSync(join(vectorsDir, group, f)).size, 0);
    total += size;
    console.log(`${group}: ${files.length} files, ${(size / 1024).toFixed(0)} KiB`);
  }
  console.log(`total ${(total / 1024).toFixed(0)} KiB`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
