#!/usr/bin/env node
// Writes test/fixtures/ga-auth-vectors.json: authorizations of the test auth contract
// (examples/contracts/ga_auth.aes, the owner's Ed25519 signature over tx hash ++ nonce), and
// Auth.tx of scripts/lib/ga/auth_tx.aes for channel txs, a spend and a nested meta tx, run
// by the node's own code (lib/ga/ga-auth.escript on the fate-oracle's beams), for
// src/ga.test.ts to compare runGaAuth with: gas used, return type and value.
//
//   node scripts/ga-auth-vectors.mjs      # needs Erlang (escript, erlc) and ../shared/oracle
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ed25519 } from '@noble/curves/ed25519.js';
import { AciContractCallEncoder } from '@aeternity/aepp-calldata';
import { sha256 } from '@noble/hashes/sha2.js';
import { createBase58check } from '@scure/base';
import { findCompiler, runCompiler } from './compile-contracts.mjs';
import { findOracle } from './lib/oracle.mjs';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const fixture = JSON.parse(readFileSync(join(packageDir, '..', '..', 'examples', 'contracts', 'ga_auth.json'), 'utf8'));
const encoder = new AciContractCallEncoder(fixture.aci);
const callData = (fn, args) => encoder.encodeCall('GaAuth', fn, args);

const seed = new Uint8Array(32).fill(5);
const otherSeed = new Uint8Array(32).fill(6);
const hex = (b) => Buffer.from(b).toString('hex');
const base58Ak = (pk) => `ak_${createBase58check(sha256).encode(pk)}`;

const owner = base58Ak(ed25519.getPublicKey(seed));
const txHash = new Uint8Array(32).fill(3);
const sign = (n, key = seed) => {
  const message = new Uint8Array(64);
  message.set(txHash);
  for (let i = 0, x = n; i < 32; i += 1, x >>= 8n) message[63 - i] = Number(x & 0xffn);
  return ed25519.sign(message, key);
};
const authorize = (n, key) => callData('authorize', [n, sign(n, key)]);
const cases = [
  { name: 'valid, nonce 1', auth_data: authorize(1n), tx_hash: hex(txHash), gas: 50000, fee: 77000000000000 },
  { name: 'valid, nonce 63 (64 stored: a two-byte FATE integer)', auth_data: authorize(63n), tx_hash: hex(txHash), gas: 50000, fee: 1 },
  { name: 'valid, nonce 100000', auth_data: authorize(100000n), tx_hash: hex(txHash), gas: 50000, fee: 1 },
  { name: 'signed with another key: false', auth_data: authorize(1n, otherSeed), tx_hash: hex(txHash), gas: 50000, fee: 1 },
  { name: 'nonce too low: revert', auth_data: authorize(0n), tx_hash: hex(txHash), gas: 50000, fee: 1 },
  { name: 'no GA context: revert', auth_data: authorize(1n), tx_hash: null, gas: 50000, fee: 1 },
  { name: 'out of gas', auth_data: authorize(1n), tx_hash: hex(txHash), gas: 1000, fee: 1 },
];
const scratch = mkdtempSync(join(tmpdir(), 'ga-auth-'));
const input = join(scratch, 'input.json');
// The reader of Auth.tx, compiled here (it is not one of the vector contracts of test/contracts).
const cli = findCompiler();
const authTxSource = join(packageDir, 'scripts', 'lib', 'ga', 'auth_tx.aes');
runCompiler(cli, ['-w', 'all', authTxSource, '-o', join(scratch, 'auth_tx.cb')]);
runCompiler(cli, ['-w', 'all', '--create_json_aci', authTxSource, '-o', join(scratch, 'auth_tx.aci')]);
const authTx = { bytecode: readFileSync(join(scratch, 'auth_tx.cb'), 'utf8').trim(), aci: JSON.parse(readFileSync(join(scratch, 'auth_tx.aci'), 'utf8')) };
const authTxEncoder = new AciContractCallEncoder(authTx.aci);
writeFileSync(input, JSON.stringify({
  bytecode: fixture.bytecode, owner, init: callData('init', [owner]), cases,
  auth_tx_bytecode: authTx.bytecode, auth_tx_init: authTxEncoder.encodeCall('AuthTx', 'init', []), auth_tx_call: authTxEncoder.encodeCall('AuthTx', 'tx', []),
}));
execFileSync('erlc', ['-o', scratch, join(packageDir, 'scripts', 'lib', 'ga', 'enacl.erl')]);
const ebin = join(dirname(findOracle(packageDir)), 'ebin');
const output = JSON.parse(execFileSync('escript', [join(packageDir, 'scripts', 'lib', 'ga', 'ga-auth.escript'), ebin, scratch, input], { encoding: 'utf8' }));
const vectors = {
  source: 'examples/contracts/ga_auth.json',
  owner,
  ownerSeed: hex(seed),
  contract: output.contract,
  cases: cases.map((c, i) => ({ ...c, expected: output.cases[i] })),
  // Auth.tx of scripts/lib/ga/auth_tx.aes (created at round 3) for txs a layer may wrap.
  authTxContract: output.auth_tx_contract,
  authTxBytecode: authTx.bytecode,
  authTxAci: authTx.aci,
  authTxCases: output.auth_tx_cases,
};
writeFileSync(join(packageDir, 'test', 'fixtures', 'ga-auth-vectors.json'), `${JSON.stringify(vectors, null, 2)}\n`);
console.log(`wrote ${cases.length} cases to test/fixtures/ga-auth-vectors.json`);
