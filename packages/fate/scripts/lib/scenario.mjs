// Building fate-oracle scenarios (see ../shared/oracle/README.md for the format): accounts,
// the pinned environment, and a list of updates whose calldata is encoded from the
// fixtures' ACI with @aeternity/aepp-calldata. Rounds are tracked exactly as the oracle
// does (every update but a dry run uses one, rejected ones too), so the id of each new
// contract, BLAKE2b(owner ‖ round), is known before the oracle runs; it is checked against
// the oracle's `contract_id` afterwards.
import { AciContractCallEncoder, FateApiEncoder } from '@aeternity/aepp-calldata';
import { blake2b } from '@noble/hashes/blake2.js';
import { runOracle, stringifyExact } from './oracle.mjs';
import { oracleCannotRun } from './gaps.mjs';
import { isSupported, renderValue, resolveType, sophiaLiteral } from './values.mjs';

const api = new FateApiEncoder();

/** The rule sets every group is generated under. */
export const PRESETS = {
  /** Today's node, Ceres: FATE_03 contracts. */
  ceres: { protocol: 'ceres', vm: 8, compat: null, networkId: 'ae_mainnet' },
  /** Today's node at Iris: FATE_02 contracts. */
  iris: { protocol: 'iris', vm: 7, compat: null, networkId: 'ae_mainnet' },
  /** The early-Iris node of the recordings: Lima gas, contract object v1, init stripped. */
  early_iris: { protocol: 'lima', vm: 7, compat: 'early_iris', networkId: 'local_iris_testnet' },
};

/** `ak_` of the 32-byte key 00…0n (n < 256). */
export function account(n) {
  const bytes = new Uint8Array(32);
  bytes[31] = n;
  return api.encode('account_pubkey', bytes);
}

/** `kh_` of the 32-byte hash 00…0n: same base58check as `ak_`, another prefix. */
export function keyHash(n) {
  return `kh_${account(n).slice(3)}`;
}

/** The initiator (00…01) and responder (00…02) of every scenario, as in CONTRACTS.md §8.4. */
export const I = account(1);
export const R = account(2);

/** The account id (`ak_`) of a contract (`ct_`): same key. */
export function contractAccount(ct) {
  return api.encode('account_pubkey', api.decode(ct));
}

/** BLAKE2b-256(owner ‖ minimal big-endian round) as `ct_` (PROTOCOL.md §4). */
export function contractId(owner, round) {
  const pk = api.decode(owner);
  let hexRound = BigInt(round).toString(16);
  if (hexRound.length % 2) hexRound = `0${hexRound}`;
  const roundBytes = Buffer.from(hexRound, 'hex');
  const input = new Uint8Array(pk.length + roundBytes.length);
  input.set(pk);
  input.set(roundBytes, pk.length);
  return api.encode('contract_pubkey', blake2b(input, { dkLen: 32 }));
}

const encoders = new Map();
function encoderOf(fixture) {
  let encoder = encoders.get(fixture.name);
  if (!encoder) {
    encoder = new AciContractCallEncoder(fixture.aci);
    encoders.set(fixture.name, encoder);
  }
  return encoder;
}

/** The ACI entry of contract `name` in a fixture's ACI. */
export function contractAci(fixture, name = fixture.contract) {
  const entry = fixture.aci.find((e) => e.contract && e.contract.name === name);
  if (!entry) throw new Error(`${fixture.name}: no contract ${name} in the ACI`);
  return entry.contract;
}

/** Argument types of `fn` of contract `name` (init without an ACI entry takes none). */
export function argumentTypes(fixture, name, fn) {
  const f = contractAci(fixture, name).functions.find((x) => x.name === fn);
  if (!f) {
    if (fn === 'init') return [];
    throw new Error(`${fixture.name}: ${name} has no function ${fn}`);
  }
  return f.arguments.map((a) => ({ name: a.name, type: resolveType(fixture.aci, a.type) }));
}

/** Encodes a call; returns the calldata, a label and (when Sophia can spell it) the call as text. */
export function encodeCall(fixture, name, fn, args) {
  const types = argumentTypes(fixture, name, fn);
  if (types.length !== args.length) throw new Error(`${name}.${fn}: ${args.length} arguments for ${types.length}`);
  const callData = encoderOf(fixture).encodeCall(name, fn, args);
  const label = `${name}.${fn}(${args.map((v, i) => renderValue(types[i].type, v)).join(', ')})`;
  const literals = args.map((v, i) => sophiaLiteral(types[i].type, v));
  const text = literals.some((l) => l === undefined) ? undefined : `${fn}(${literals.join(', ')})`;
  return { callData, label, text };
}

/** Decodes the `ok` return value of a call with the fixture's ACI. */
export function decodeResult(fixture, name, fn, value) {
  return encoderOf(fixture).decodeResult(name, fn, value, 'ok');
}

/** A scenario under construction. */
export class Scenario {
  /**
   * @param {object} options
   * @param {keyof PRESETS} options.preset
   * @param {Record<string, object>} options.fixtures compiled contracts by name
   * @param {string} options.oracle the fate-oracle command
   */
  constructor({ preset, fixtures, oracle, accounts, reserve = 1, showStore = true, env = {}, startRound = 2 }) {
    this.presetName = preset;
    this.preset = PRESETS[preset];
    if (!this.preset) throw new Error(`unknown preset ${preset}`);
    this.fixtures = fixtures;
    this.oracle = oracle;
    this.head = {
      protocol: this.preset.protocol,
      compat: this.preset.compat,
      network_id: this.preset.networkId,
      env: { height: 100, timestamp: 1700000000000, difficulty: 12345, beneficiary: account(7), key_hash: keyHash(9), ...env },
      reserve,
      accounts: accounts ?? { [I]: 1000000, [R]: 2000000 },
      start_round: startRound,
      show_store: showStore,
    };
    this.updates = [];
    this.nextRound = startRound;
    /** ct_ → { fixture, contract } of every contract the scenario knows. */
    this.known = new Map();
    /** Predicted ids of the creates, by update index. */
    this.predicted = new Map();
    /** Calls spelled in Sophia, for the calldata cross-check: { fixture, text, callData }. */
    this.spelled = [];
    /** Labels of calls left out because the oracle cannot run them (gaps.mjs). */
    this.skipped = [];
  }

  /** Appends a raw update (round bookkeeping as the oracle does it). Returns its round. */
  push(update) {
    const round = update.round ?? this.nextRound;
    this.nextRound = update.dry_run ? round : round + 1;
    this.updates.push(update);
    return round;
  }

  /** Registers a contract the scenario did not create itself (made by CREATE / CLONE). */
  adopt(ct, fixtureName, contract) {
    const fixture = this.fixtures[fixtureName];
    this.known.set(ct, { fixture, contract: contract ?? fixture.contract });
    return ct;
  }

  /** A create-contract update of a fixture with `init(...args)`; returns the new `ct_`. */
  create(fixtureName, args = [], options = {}) {
    const fixture = this.fixtures[fixtureName];
    if (!fixture) throw new Error(`no fixture ${fixtureName}`);
    const owner = options.owner ?? I;
    const encoded = options.callData ? undefined : encodeCall(fixture, fixture.contract, 'init', args);
    const update = {
      op: 'new_contract',
      owner,
      code: options.code ?? fixture.bytecode,
      call_data: options.callData ?? encoded.callData,
      deposit: options.deposit ?? 0,
      vm_version: options.vm ?? this.preset.vm,
      abi_version: options.abi ?? 3,
    };
    if (options.round !== undefined) update.round = options.round;
    update.label = options.label ?? `create ${encoded.label}`;
    if (encoded?.text) this.spelled.push({ fixture: fixture.name, text: encoded.text, callData: encoded.callData });
    const round = this.push(update);
    const ct = contractId(owner, round);
    this.predicted.set(this.updates.length - 1, ct);
    this.known.set(ct, { fixture, contract: fixture.contract });
    return ct;
  }

  /** A call-contract update; `fn`/`args` are encoded against the contract's ACI. */
  call(ct, fn, args = [], options = {}) {
    const target = options.as ?? this.known.get(ct);
    let callData = options.callData;
    let label = options.label;
    if (!callData) {
      if (!target) throw new Error(`call to ${ct}: unknown contract, give callData`);
      const encoded = encodeCall(target.fixture, target.contract, fn, args);
      if (oracleCannotRun(target.fixture.name, fn, args, this.presetName)) {
        this.skipped.push(label ?? encoded.label);
        return undefined;
      }
      callData = encoded.callData;
      label ??= options.note ? `${encoded.label} ${options.note}` : encoded.label;
      if (encoded.text) this.spelled.push({ fixture: target.fixture.name, contract: target.contract, text: encoded.text, callData });
    }
    const update = {
      op: 'call_contract',
      caller: options.caller ?? R,
      contract: ct,
      call_data: callData,
      amount: options.amount ?? 0,
      gas: options.gas ?? 1000000,
      gas_price: options.gasPrice ?? 1,
      abi_version: options.abi ?? 3,
    };
    if (options.dryRun) update.dry_run = true;
    if (options.round !== undefined) update.round = options.round;
    update.label = label ?? fn;
    this.push(update);
    return this.updates.length - 1;
  }

  transfer(from, to, amount) { this.push({ op: 'transfer', from, to, amount, label: `transfer ${amount}` }); }

  deposit(from, amount) { this.push({ op: 'deposit', from, amount, label: `deposit ${amount}` }); }

  withdraw(to, amount) { this.push({ op: 'withdraw', to, amount, label: `withdraw ${amount}` }); }

  /** The scenario as the oracle reads it. */
  toJSON() {
    return { ...this.head, updates: this.updates };
  }

  /** Runs the scenario so far; checks the result's shape and the predicted contract ids. */
  async run() {
    const scenario = this.toJSON();
    const result = await runOracle(this.oracle, scenario);
    if (result.results.length !== scenario.updates.length) {
      throw new Error(`oracle returned ${result.results.length} results for ${scenario.updates.length} updates`);
    }
    for (const [index, ct] of this.predicted) {
      const r = result.results[index];
      if (r.ok && r.contract_id !== ct) throw new Error(`update ${index}: oracle made ${r.contract_id}, expected ${ct}`);
    }
    result.results.forEach((r, index) => {
      if (!r.ok && /undef/.test(r.error ?? '')) {
        throw new Error(`update ${index} (${scenario.updates[index].label}) hit a missing beam: ${r.error}`);
      }
    });
    return result;
  }

  /** Like `decoded`, but undefined when the update did not return ok. */
  decodedIfOk(result, index) {
    const r = result.results[index];
    return r.ok && r.return_type === 'ok' ? this.decoded(result, index) : undefined;
  }

  /** The `return_value` of update `index` in `result`, decoded with the target's ACI. */
  decoded(result, index) {
    const update = this.updates[index];
    const r = result.results[index];
    if (!r.ok || r.return_type !== 'ok') throw new Error(`update ${index} (${update.label}) did not return ok: ${JSON.stringify(r).slice(0, 300)}`);
    const target = this.known.get(update.contract);
    const fn = update.label.slice(update.label.indexOf('.') + 1, update.label.indexOf('('));
    return decodeResult(target.fixture, target.contract, fn, r.return_value);
  }
}

/**
 * Functions of a contract that can be called with generated arguments (and that the oracle
 * can run under any preset, whatever the arguments).
 */
export function callableFunctions(fixture, name = fixture.contract) {
  return contractAci(fixture, name).functions.filter(
    (f) => f.name !== 'init' &&
      !oracleCannotRun(fixture.name, f.name, f.arguments.map(() => 0n), undefined) &&
      f.arguments.every((a) => isSupported(resolveType(fixture.aci, a.type))),
  );
}

/**
 * A vector file: `{ "scenario": …, "result": … }` with one update and one result per line, so
 * a regenerated file diffs line by line.
 */
export function formatVector(scenario, result) {
  const lines = ['{', '  "scenario": {'];
  const block = (object, listKey, indent) => {
    const keys = Object.keys(object).filter((k) => k !== listKey);
    const out = keys.map((k) => `${indent}${JSON.stringify(k)}: ${stringifyExact(object[k])},`);
    const items = object[listKey] ?? [];
    out.push(`${indent}${JSON.stringify(listKey)}: [`);
    items.forEach((item, i) => out.push(`${indent}  ${stringifyExact(item)}${i < items.length - 1 ? ',' : ''}`));
    out.push(`${indent}]`);
    return out;
  };
  lines.push(...block(scenario, 'updates', '    '));
  lines.push('  },', '  "result": {');
  lines.push(...block(result, 'results', '    '));
  lines.push('  }', '}');
  return `${lines.join('\n')}\n`;
}
