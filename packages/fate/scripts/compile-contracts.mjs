#!/usr/bin/env node
// Compiles every Sophia test contract of test/contracts/*.aes with the compiler that
// @aeternity/aepp-sdk ships (bin/aesophia_cli, an escript: needs Erlang) and writes one
// fixture per contract to test/fixtures/contracts/<name>.json:
//
//   { name, source, contract, compilerVersion, bytecode (cb_), functionIds, aci, asm }
//
// Tests and CI read the fixtures and need no Erlang. The compiler output is deterministic
// (the source hash is part of the code object), so rerunning rewrites identical files.
//
//   node scripts/compile-contracts.mjs            # (re)write every fixture
//   node scripts/compile-contracts.mjs --check    # compile and compare, write nothing
//   node scripts/compile-contracts.mjs counter    # only the named contracts
//
// AESOPHIA_CLI=/path/to/aesophia_cli overrides where the compiler is looked up.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { blake2b } from '@noble/hashes/blake2.js';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const contractsDir = join(packageDir, 'test', 'contracts');
const fixturesDir = join(packageDir, 'test', 'fixtures', 'contracts');

/** The aesophia_cli escript: $AESOPHIA_CLI, else the first node_modules/@aeternity/aepp-sdk up the tree. */
export function findCompiler() {
  if (process.env.AESOPHIA_CLI) return process.env.AESOPHIA_CLI;
  for (let dir = packageDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', '@aeternity', 'aepp-sdk', 'bin', 'aesophia_cli');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new Error('aesophia_cli not found: install @aeternity/aepp-sdk (root devDependency) or set AESOPHIA_CLI');
}

/** Runs the compiler with `args`; returns stdout (callers pass `-w all`: warnings would mix with it). */
export function runCompiler(cli, args) {
  return execFileSync('escript', [cli, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Like runCompiler, without blocking (for several compiler runs at once). */
export function runCompilerAsync(cli, args) {
  return new Promise((resolvePromise, reject) => {
    execFile('escript', [cli, ...args], { encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`aesophia_cli ${args.join(' ')}: ${stderr || error.message}`));
      else resolvePromise(stdout);
    });
  });
}

/** First 4 bytes of BLAKE2b-256(name), hex: the FATE function id (CONTRACTS.md §4.6). */
export function functionId(name) {
  return Buffer.from(blake2b(new TextEncoder().encode(name), { dkLen: 32 }).subarray(0, 4)).toString('hex');
}

/** The main contract of an ACI: the `contract` entry that is not an interface (the last one). */
export function mainContract(aci) {
  const contracts = aci.filter((entry) => entry.contract && entry.contract.kind !== 'contract_interface');
  const main = contracts.find((entry) => entry.contract.kind === 'contract_main') ?? contracts.at(-1);
  if (!main) throw new Error('ACI without a contract');
  return main.contract;
}

function compileOne(cli, compilerVersion, file, scratch) {
  const name = file.replace(/\.aes$/, '');
  const path = join(contractsDir, file);
  const out = join(scratch, `${name}.out`);
  // -o keeps the compiler's progress text off the result; asm still goes to stdout.
  const asmText = runCompiler(cli, ['-w', 'all', '--pp_asm', path, '-o', out]);
  const bytecode = readFileSync(out, 'utf8').trim();
  if (!/^cb_[A-Za-z0-9+/=]+$/.test(bytecode)) throw new Error(`${file}: compiler printed no cb_ bytecode`);
  runCompiler(cli, ['-w', 'all', '--create_json_aci', path, '-o', out]);
  const aci = JSON.parse(readFileSync(out, 'utf8'));
  const contract = mainContract(aci);
  const asm = asmText
    .split('\n')
    .filter((line) => line.startsWith('FUNCTION') || /^\s+\S/.test(line))
    .join('\n');
  const names = ['init', ...contract.functions.map((f) => f.name).filter((n) => n !== 'init')];
  return {
    name,
    source: relative(packageDir, path),
    contract: contract.name,
    compilerVersion,
    bytecode,
    functionIds: Object.fromEntries(names.map((n) => [n, functionId(n)])),
    aci,
    asm: `${asm}\n`,
  };
}

function main() {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const only = args.filter((a) => !a.startsWith('--'));
  const cli = findCompiler();
  const versionText = runCompiler(cli, ['--version']);
  const compilerVersion = /version\s+(\S+)/.exec(versionText)?.[1];
  if (!compilerVersion) throw new Error(`cannot read the compiler version from: ${versionText}`);
  const files = readdirSync(contractsDir)
    .filter((f) => f.endsWith('.aes'))
    .filter((f) => only.length === 0 || only.includes(f.replace(/\.aes$/, '')))
    .sort();
  const scratch = mkdtempSync(join(tmpdir(), 'fate-compile-'));
  let differences = 0;
  try {
    mkdirSync(fixturesDir, { recursive: true });
    for (const file of files) {
      const fixture = compileOne(cli, compilerVersion, file, scratch);
      const text = `${JSON.stringify(fixture, null, 2)}\n`;
      const target = join(fixturesDir, `${fixture.name}.json`);
      if (check) {
        const same = existsSync(target) && readFileSync(target, 'utf8') === text;
        if (!same) differences += 1;
        console.log(`${same ? 'same   ' : 'DIFFERS'} ${relative(packageDir, target)}`);
      } else {
        writeFileSync(target, text);
        console.log(`wrote ${relative(packageDir, target)} (${fixture.bytecode.length} chars of cb_)`);
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  console.log(`${files.length} contracts, compiler ${compilerVersion}`);
  if (differences > 0) process.exit(1);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
