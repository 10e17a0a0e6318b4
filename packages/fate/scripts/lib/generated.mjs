// Generated scenarios: seeded random well-typed calls over the test contracts' entrypoints
// (group "random"), and out-of-gas sweeps that rerun one call with many gas limits up to the
// gas it needs (group "out-of-gas").
import { stringifyExact } from './oracle.mjs';
import { account, argumentTypes, callableFunctions, contractAccount, I, R } from './scenario.mjs';
import { createRandom, randomValue } from './values.mjs';
import { h } from './material.mjs';

/**
 * Integer parameters that size a loop, a collection, a shift, an exponent, an amount or a gas
 * cap get small values (see randomCount); every other int can be anything.
 */
const COUNT_PARAMETERS = new Set(['n', 'i', 'k', 'rows', 'cols', 'from', 'to', 'g', 'm', 'v', 'set', 'clear', 'dx', 'dy', 'amount', 'r', 'c']);
const COUNT_BY_FUNCTION = { 'ints_bits.pow': ['b'], 'failures.power': ['b'], 'ints_bits.shifts': ['n'] };

/** Random-call targets: how many calls, extra contracts to create first, store dumps or not. */
export const RANDOM_TARGETS = {
  echo: { calls: 80 },
  ints_bits: { calls: 30 },
  strings_bytes: { calls: 30 },
  lists_options: { calls: 30 },
  records_variants: { calls: 25 },
  small_maps: { calls: 30 },
  counter: { calls: 20 },
  failures: { calls: 30 },
  events: { calls: 25 },
  crypto: { calls: 20 },
  env: { calls: 15 },
  store_maps: { calls: 30, showStore: false },
  recursion: { calls: 20 },
  wallet: { calls: 25 },
  remote_caller: { calls: 30, with: ['remote_callee', 'remote_callee'] },
  remote_callee: { calls: 20 },
  factory: { calls: 20 },
};

/**
 * Builds the random scenario of one contract. Every preset draws the same sequence; iris and
 * early_iris stop after the first half of the calls (to keep the vectors small).
 */
export async function randomScenario(s, name) {
  const config = RANDOM_TARGETS[name];
  const calls = s.presetName === 'ceres' ? config.calls : Math.ceil(config.calls / 2);
  const random = createRandom(`random/${name}`);
  const contracts = [];
  for (const other of config.with ?? []) contracts.push(s.create(other, [], { deposit: random.int(0, 20) }));
  const fixture = s.fixtures[name];
  const ctx = () => ({
    addresses: [I, R, account(3), ...contracts.map(contractAccount)],
    contracts,
    count: false,
  });
  const initTypes = argumentTypes(fixture, fixture.contract, 'init');
  const initArgs = initTypes.map((p) => randomValue(random, p.type, { ...ctx(), count: COUNT_PARAMETERS.has(p.name) }));
  const main = s.create(name, initArgs, { deposit: random.int(0, 50) });
  contracts.push(main);
  // Gaps of one preset only are skipped by s.call, after the arguments were drawn: every
  // preset sees the same random sequence.
  const functions = callableFunctions(fixture);
  for (let i = 0; i < calls; i += 1) {
    const f = random.pick(functions);
    const counted = new Set([...COUNT_PARAMETERS, ...(COUNT_BY_FUNCTION[`${name}.${f.name}`] ?? [])]);
    const args = argumentTypes(fixture, fixture.contract, f.name).map((p) =>
      randomValue(random, p.type, { ...ctx(), count: counted.has(p.name) }),
    );
    const options = { caller: random.chance(0.5) ? I : R };
    if (f.payable && random.chance(0.4)) options.amount = random.int(1, 100);
    else if (!f.payable && random.chance(0.05)) options.amount = 1;
    if (random.chance(0.15)) options.gas = random.int(1, 20000);
    if (random.chance(0.1)) options.dryRun = true;
    s.call(main, f.name, args, options);
  }
}

/** The random scenarios, by name. */
export const randomGroup = Object.fromEntries(
  Object.keys(RANDOM_TARGETS).map((name) => [
    name,
    { build: (s) => randomScenario(s, name), showStore: (preset) => preset === 'ceres' && (RANDOM_TARGETS[name].showStore ?? true) },
  ]),
);

// --- out of gas ------------------------------------------------------------------------------

/**
 * Calls rerun with many gas limits. `setup(s)` creates what the call needs and returns the
 * call: `{ ct, fn, args, options }`.
 */
export const SWEEPS = {
  echo_int: (s) => ({ ct: s.create('echo'), fn: 'echo_int', args: [42n] }),
  counter_tick: (s) => ({ ct: s.create('counter', [7n]), fn: 'tick', args: [] }),
  small_maps_set: (s) => {
    const ct = s.create('small_maps');
    s.call(ct, 'set_name', [1n, 'one']);
    return { ct, fn: 'set_name', args: [4n, 'four'] };
  },
  store_map_update: (s) => {
    const ct = s.create('store_maps');
    s.call(ct, 'fill', [0n, 20n]);
    return { ct, fn: 'set', args: [3n, 'x'] };
  },
  store_map_lookup: (s) => {
    const ct = s.create('store_maps');
    s.call(ct, 'fill', [0n, 20n]);
    return { ct, fn: 'sum_present', args: [[3n, 4n, 3n, 99n]] };
  },
  event_digest: (s) => ({ ct: s.create('events'), fn: 'digest', args: ['abc', h('01020304'), 5n] }),
  remote_bump: (s) => {
    const callee = s.create('remote_callee');
    return { ct: s.create('remote_caller'), fn: 'bump', args: [callee, 2n, 1n], options: { amount: 1 } };
  },
  remote_protected: (s) => {
    const callee = s.create('remote_callee');
    return { ct: s.create('remote_caller'), fn: 'burn_protected', args: [callee, 20n, 8000n] };
  },
  factory_create: (s) => ({ ct: s.create('factory'), fn: 'create', args: [1n] }),
  recursion_sum: (s) => ({ ct: s.create('recursion'), fn: 'sum_to', args: [20n] }),
};

/**
 * How densely each preset samples: the limits 0..`start`, the last `ends` limits below the
 * gas the call needs, and `stride` limits spread between; refinement adds more.
 */
const DENSITY = { ceres: { start: 4, ends: 12, stride: 16 }, iris: { start: 2, ends: 6, stride: 6 }, early_iris: { start: 2, ends: 6, stride: 6 } };
const MAX_GAS = 1000000;

function signature(r, gas) {
  return [r.ok, r.error, r.return_type, r.return_value, r.gas_used === gas ? 'all' : r.gas_used, stringifyExact(r.log ?? [])].join('|');
}

/**
 * Builds an out-of-gas sweep: measures the call's gas G, samples gas limits in [0, G + 1]
 * (both ends densely, the middle spread), then refines between neighbouring limits whose
 * outcomes differ until each change of outcome is pinned to two adjacent limits.
 * Returns a function that adds the final updates to a fresh scenario.
 */
export async function planSweep(makeScenario, name, preset) {
  const define = SWEEPS[name];
  const probe = async (limits) => {
    const s = makeScenario();
    const target = await define(s);
    const first = s.updates.length;
    for (const gas of limits) s.call(target.ct, target.fn, target.args, { ...target.options, gas, dryRun: true });
    const result = await s.run();
    return limits.map((gas, i) => result.results[first + i]);
  };
  const [full] = await probe([MAX_GAS]);
  if (!full.ok) throw new Error(`sweep ${name}: the call is rejected: ${full.error}`);
  const used = full.gas_used;
  const { start, ends, stride } = DENSITY[preset];
  const limits = new Set();
  for (let g = 0; g <= Math.min(start, used + 1); g += 1) limits.add(g);
  for (let g = Math.max(0, used - ends); g <= used + 1; g += 1) limits.add(g);
  for (let i = 1; i < stride; i += 1) limits.add(Math.round((used * i) / stride));
  const outcomes = new Map();
  let pending = [...limits];
  for (let round = 0; round < 12 && pending.length > 0; round += 1) {
    const results = await probe(pending);
    pending.forEach((g, i) => outcomes.set(g, signature(results[i], g)));
    const sorted = [...outcomes.keys()].sort((a, b) => a - b);
    const next = new Set();
    for (let i = 1; i < sorted.length; i += 1) {
      const [a, b] = [sorted[i - 1], sorted[i]];
      if (b - a > 1 && outcomes.get(a) !== outcomes.get(b)) {
        if (b - a <= 8) for (let g = a + 1; g < b; g += 1) next.add(g);
        else next.add(Math.floor((a + b) / 2));
      }
    }
    pending = [...next].filter((g) => !outcomes.has(g));
  }
  const sampled = [...outcomes.keys()].sort((a, b) => a - b);
  return async (s) => {
    const target = await define(s);
    for (const gas of sampled) {
      s.call(target.ct, target.fn, target.args, { ...target.options, gas, dryRun: true, note: `with gas ${gas} (dry run)` });
    }
    s.call(target.ct, target.fn, target.args, { ...target.options, note: `with gas ${MAX_GAS}` });
  };
}

