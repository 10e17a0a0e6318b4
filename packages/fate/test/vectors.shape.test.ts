/**
 * Shape and internal consistency of the committed oracle vectors and contract fixtures
 * (scripts/README.md): what a replay test relies on, checked without Erlang.
 *
 * - fixtures: the `cb_` bytecode is a contract-code object (tag 70, version 3) whose source
 *   hash is BLAKE2b-256 of the committed source and whose symbols name every entrypoint
 *   under its function id;
 * - calldata cross-check: aepp-calldata decodes and re-encodes the compiler's calldata
 *   byte for byte;
 * - vectors: one result per update, rounds and contract ids as the oracle derives them, the
 *   preset in the file name matching the scenario, calldata that decodes against the
 *   target's ACI (or a result that shows it did not), call objects that decode and agree
 *   with the result, and a final state hash equal to that of the last state change.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AciContractCallEncoder, ContractByteArrayEncoder } from '@aeternity/aepp-calldata';
import {
  computeContractId,
  decode,
  deserializeObject,
  encode,
  parseJson,
  Tag,
  type ContractCallObject,
  type Encoded,
} from '@aechannel/codec';
import { blake2b } from '@noble/hashes/blake2.js';
import { decode as rlpDecode, encode as rlpEncode } from 'rlp';
import { describe, expect, it } from 'vitest';

const testDir = dirname(fileURLToPath(import.meta.url));
const fixturesDir = join(testDir, 'fixtures', 'contracts');
const vectorsDir = join(testDir, 'vectors');

interface AciFunction {
  name: string;
  arguments: { name: string; type: unknown }[];
  payable: boolean;
}
interface AciContract {
  name: string;
  kind: string;
  functions: AciFunction[];
}
interface Fixture {
  name: string;
  source: string;
  contract: string;
  compilerVersion: string;
  bytecode: Encoded<'cb'>;
  functionIds: Record<string, string>;
  aci: Record<string, AciContract>[];
  asm: string;
}

type Json = ReturnType<typeof parseJson>;
type JsonObject = { [key: string]: Json };

const PRESETS = {
  ceres: { protocol: 'ceres', protocolVersion: 6n, vm: 8n, compat: null },
  iris: { protocol: 'iris', protocolVersion: 5n, vm: 7n, compat: null },
  early_iris: { protocol: 'lima', protocolVersion: 4n, vm: 7n, compat: 'early_iris' },
} as const;

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const functionId = (name: string): string => hex(blake2b(new TextEncoder().encode(name), { dkLen: 32 }).subarray(0, 4));

const fixtures: Fixture[] = readdirSync(fixturesDir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(fixturesDir, f), 'utf8')) as Fixture);
const byBytecode = new Map(fixtures.map((f) => [f.bytecode, f]));
const byName = new Map(fixtures.map((f) => [f.name, f]));

const vectorFiles: { group: string; file: string }[] = readdirSync(vectorsDir)
  .sort()
  .flatMap((group) =>
    readdirSync(join(vectorsDir, group))
      .sort()
      .map((file) => ({ group, file })),
  );

function contractsOf(fixture: Fixture): AciContract[] {
  return fixture.aci.flatMap((entry) => (entry.contract ? [entry.contract] : []));
}

/** Decodes the contract-code object of a `cb_` (tag 70, version 3, CONTRACTS.md §4.7). */
function decodeCodeObject(bytecode: Encoded<'cb'>) {
  const fields = rlpDecode(decode(bytecode, 'cb')) as unknown as (Uint8Array | Uint8Array[])[];
  const [tag, version, sourceHash, typeInfo, byteCode, compilerVersion, payable] = fields;
  const { data: code, remainder: afterCode } = rlpDecode(byteCode as Uint8Array, true) as unknown as { data: Uint8Array; remainder: Uint8Array };
  const { data: symbols, remainder: afterSymbols } = rlpDecode(afterCode, true) as unknown as { data: Uint8Array; remainder: Uint8Array };
  const { data: annotations, remainder } = rlpDecode(afterSymbols, true) as unknown as { data: Uint8Array; remainder: Uint8Array };
  return { fields, tag, version, sourceHash, typeInfo, code, symbols, annotations, remainder, compilerVersion, payable };
}

describe('contract fixtures', () => {
  it('holds the compiled test contracts', () => {
    const sources = readdirSync(join(testDir, 'contracts')).filter((f) => f.endsWith('.aes'));
    expect(fixtures.map((f) => `${f.name}.aes`)).toEqual(sources.sort());
    expect(fixtures.length).toBeGreaterThanOrEqual(10);
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s: the bytecode is a contract-code object of its source', (_name, fixture) => {
    const object = decodeCodeObject(fixture.bytecode);
    expect(object.fields).toHaveLength(7);
    expect(object.tag).toEqual(Uint8Array.of(70));
    expect(object.version).toEqual(Uint8Array.of(3));
    expect(object.typeInfo).toEqual([]);
    const source = readFileSync(join(testDir, '..', fixture.source));
    expect(hex(object.sourceHash as Uint8Array)).toBe(hex(blake2b(source, { dkLen: 32 })));
    expect(Buffer.from(object.compilerVersion as Uint8Array).toString()).toBe(fixture.compilerVersion);
    expect(object.remainder).toHaveLength(0);
    expect(object.code[0]).toBe(0xfe);
    expect(hex(object.annotations)).toBe('2f00');
    // Symbols: a FATE map from function id to name; each entrypoint's code starts with
    // the FUNCTION marker fe and its id.
    const symbols = new ContractByteArrayEncoder().decode(encode(object.symbols, 'cb')) as Map<string, string>;
    const names = new Set(symbols.values());
    const main = contractsOf(fixture).find((c) => c.name === fixture.contract);
    expect(main?.kind).toBe('contract_main');
    for (const f of main?.functions ?? []) {
      expect(fixture.functionIds[f.name]).toBe(functionId(f.name));
      expect(names.has(f.name)).toBe(true);
      expect(hex(object.code)).toContain(`fe${functionId(f.name)}`);
    }
    expect(fixture.functionIds.init).toBe('44d6441f');
    expect(hex(object.code)).toContain('fe44d6441f');
  });
});

describe('calldata cross-check', () => {
  const entries = JSON.parse(readFileSync(join(testDir, 'fixtures', 'calldata-crosscheck.json'), 'utf8')) as {
    fixture: string;
    call: string;
    calldata: Encoded<'cb'>;
  }[];

  it('covers every fixture', () => {
    expect(new Set(entries.map((e) => e.fixture))).toEqual(new Set(fixtures.map((f) => f.name)));
  });

  it.each(entries.map((e) => [`${e.fixture} ${e.call}`, e] as const))('%s: aepp-calldata agrees with aesophia_cli', (_label, entry) => {
    const fixture = byName.get(entry.fixture);
    if (!fixture) throw new Error(`no fixture ${entry.fixture}`);
    const fn = entry.call.slice(0, entry.call.indexOf('('));
    const encoder = new AciContractCallEncoder(fixture.aci);
    const { functionId: id, args } = encoder.decodeCall(fixture.contract, fn, entry.calldata) as { functionId: string; args: unknown[] };
    expect(id).toBe(functionId(fn));
    expect(encoder.encodeCall(fixture.contract, fn, args)).toBe(entry.calldata);
  });
});

/** The oracle's round rule: every update uses a round (its own or previous + 1) but a dry run. */
function expectedRounds(scenario: JsonObject): bigint[] {
  let next = (scenario.start_round as bigint | undefined) ?? 2n;
  return (scenario.updates as JsonObject[]).map((u) => {
    const round = (u.round as bigint | undefined) ?? next;
    next = u.dry_run === true ? round : round + 1n;
    return round;
  });
}

const RETURN_TYPES = { ok: 0n, error: 1n, revert: 2n } as const;

/** Messages of calls whose calldata does not fit the function (CONTRACTS.md §4.5). */
const CALLDATA_FAILURES = /bad_call_data|Trying to call undefined function|Type error on call|Expected \d+ arguments|Calling init is not allowed|is not payable/;

describe('oracle vectors', () => {
  it('cover every group under every preset', () => {
    const groups = new Set(vectorFiles.map((v) => v.group));
    expect([...groups].sort()).toEqual(['contracts', 'out-of-gas', 'random', 'recursion', 'remote', 'store-maps', 'updates']);
    for (const group of groups) {
      const presets = new Set(vectorFiles.filter((v) => v.group === group).map((v) => v.file.split('.').at(-2)));
      expect([...presets].sort()).toEqual(['ceres', 'early_iris', 'iris']);
    }
  });

  it.each(vectorFiles.map((v) => [`${v.group}/${v.file}`, v] as const))('%s', (_label, { group, file }) => {
    const text = readFileSync(join(vectorsDir, group, file), 'utf8');
    const vector = parseJson(text) as JsonObject;
    expect(Object.keys(vector)).toEqual(['scenario', 'result']);
    const scenario = vector.scenario as JsonObject;
    const result = vector.result as JsonObject;
    const presetName = file.split('.').at(-2) as keyof typeof PRESETS;
    const preset = PRESETS[presetName];
    expect(preset).toBeDefined();
    expect(scenario.protocol).toBe(preset.protocol);
    expect(scenario.compat).toBe(preset.compat);
    expect(result.protocol).toBe(preset.protocolVersion);
    expect(result.compat).toBe(preset.compat);

    const updates = scenario.updates as JsonObject[];
    const results = result.results as JsonObject[];
    expect(results).toHaveLength(updates.length);
    const rounds = expectedRounds(scenario);
    const created = new Map<string, Fixture>();
    let lastStateHash = result.initial_state_hash;
    let presetCreates = 0;

    updates.forEach((update, i) => {
      const r = results[i] as JsonObject;
      const where = `update ${i} (${String(update.label)})`;
      expect(r.op, where).toBe(update.op);
      expect(r.round, where).toBe(rounds[i]);
      expect(r.dry_run === true, where).toBe(update.dry_run === true);
      if (r.ok !== true) {
        expect(r.ok, where).toBe(false);
        expect(typeof r.error, where).toBe('string');
        return;
      }
      expect(decode(r.state_hash as string, 'st'), where).toHaveLength(32);
      if (update.dry_run !== true) lastStateHash = r.state_hash;
      if (scenario.show_store === false) expect(r.store, where).toBeUndefined();
      if (update.op !== 'new_contract' && update.op !== 'call_contract') return;

      // Which contract and which ACI the update addresses.
      let fixture: Fixture | undefined;
      let contractName: string | undefined;
      if (update.op === 'new_contract') {
        if (update.vm_version === preset.vm) presetCreates += 1;
        const owner = update.owner as Encoded<'ak'>;
        expect(r.contract_id, where).toBe(computeContractId(owner, rounds[i] as bigint));
        fixture = byBytecode.get(update.code as Encoded<'cb'>);
        expect(fixture, where).toBeDefined();
        if (fixture) created.set(r.contract_id as string, fixture);
        contractName = fixture?.contract;
        expect(r.gas_price, where).toBe(0n);
      } else {
        expect(r.contract_id, where).toBe(update.contract);
        expect(r.gas_price, where).toBe(update.gas_price);
        expect(r.gas_used as bigint, where).toBeLessThanOrEqual(update.gas as bigint);
        const labelled = /^(\w+)\.\w+\(/.exec(String(update.label))?.[1];
        fixture = created.get(update.contract as string);
        contractName = fixture?.contract;
        if (labelled && labelled !== contractName) {
          // A contract made by CREATE/CLONE: the label names it; its ACI is in the fixture that holds it.
          fixture = fixtures.find((f) => contractsOf(f).some((c) => c.name === labelled && c.kind !== 'contract_interface'));
          contractName = labelled;
        }
      }

      // The calldata decodes against the target's ACI (as the function its label names), or
      // the call shows it did not fit.
      const callData = decode(update.call_data as string, 'cb');
      const labelledFunction = /^(?:create )?\w+\.(\w+)\(/.exec(String(update.label))?.[1];
      const fitsAci = (() => {
        if (!fixture || !contractName || callData[0] !== 0x2b || callData[1] !== 0x11) return false;
        const id = hex(callData.subarray(2, 6));
        const contract = contractsOf(fixture).find((c) => c.name === contractName);
        const fn = id === '44d6441f' ? 'init' : contract?.functions.find((f) => functionId(f.name) === id)?.name;
        if (!fn) return false;
        try {
          new AciContractCallEncoder(fixture.aci).decodeCall(contractName, fn, update.call_data as Encoded<'cb'>);
        } catch {
          return false;
        }
        if (labelledFunction) expect(fn, `${where}: calldata of another function`).toBe(labelledFunction);
        return true;
      })();
      const message = r.return_type === 'ok' ? '' : Buffer.from(decode(r.return_value as string, 'cb')).toString();
      if (!fitsAci) expect(r.return_type !== 'ok' && CALLDATA_FAILURES.test(message), `${where}: calldata does not fit the ACI`).toBe(true);

      // The call object (tag 41) agrees with the result. Its log is read here: the node writes
      // each entry's address as the raw 32-byte key (CONTRACTS.md §2.5), which codec's call
      // schema reads as a 33-byte id; the other fields go through codec with the log emptied.
      const fields = rlpDecode(Buffer.from(r.call_object as string, 'hex')) as unknown as Uint8Array[];
      expect(fields, where).toHaveLength(11);
      const log = fields[10] as unknown as [Uint8Array, Uint8Array[], Uint8Array][];
      const resultLog = r.log as JsonObject[];
      expect(log, where).toHaveLength(resultLog.length);
      log.forEach(([address, topics, data], k) => {
        const entry = resultLog[k] as JsonObject;
        expect(hex(address), where).toBe(hex(decode(entry.address as string, 'ct')));
        expect(topics.map((t) => BigInt(`0x${hex(t) || '0'}`)), where).toEqual(entry.topics);
        expect(hex(data), where).toBe(hex(decode(entry.data as string, 'cb')));
      });
      const call = deserializeObject(rlpEncode([...fields.slice(0, 10), []])) as ContractCallObject;
      expect(call.tag, where).toBe(Tag.ContractCall);
      expect(call.version, where).toBe(2);
      expect(call.callerId, where).toBe(update.op === 'new_contract' ? update.owner : update.caller);
      expect(call.callerNonce, where).toBe(rounds[i]);
      expect(call.height, where).toBe(rounds[i]);
      expect(call.contractId, where).toBe(r.contract_id);
      expect(call.gasPrice, where).toBe(r.gas_price);
      expect(call.gasUsed, where).toBe(r.gas_used);
      expect(call.returnType, where).toBe(RETURN_TYPES[r.return_type as keyof typeof RETURN_TYPES]);
      expect(hex(call.returnValue), where).toBe(hex(decode(r.return_value as string, 'cb')));
    });

    expect(result.final_state_hash).toBe(lastStateHash);
    if (updates.some((u) => u.op === 'new_contract')) expect(presetCreates).toBeGreaterThan(0);
  });
});
