#!/usr/bin/env node
// Prints a vector file as a table, one line per update: round, label, outcome, gas used and
// the return value (hex for ok, the message for revert and error, the error of a rejected
// update). No Erlang needed.
//
//   node scripts/show-vector.mjs test/vectors/contracts/counter.ceres.json
import { readFileSync } from 'node:fs';
import { ContractByteArrayEncoder, FateApiEncoder } from '@aeternity/aepp-calldata';
import { parseExact } from './lib/oracle.mjs';

const api = new FateApiEncoder();
const values = new ContractByteArrayEncoder();

function outcome(r) {
  if (!r.ok) return `rejected: ${r.error}`;
  if (!r.return_type) return 'ok';
  const bytes = api.decode(r.return_value);
  let value;
  if (r.return_type === 'ok') value = Buffer.from(bytes).toString('hex');
  else if (r.return_type === 'revert') value = JSON.stringify(values.decode(r.return_value));
  else value = JSON.stringify(Buffer.from(bytes).toString());
  return `${r.return_type.padEnd(6)} ${String(r.gas_used).padStart(8)}  ${value}`;
}

for (const file of process.argv.slice(2)) {
  const { scenario, result } = parseExact(readFileSync(file, 'utf8'));
  console.log(`${file}: protocol ${scenario.protocol}, compat ${scenario.compat}, ${scenario.updates.length} updates`);
  scenario.updates.forEach((update, i) => {
    const r = result.results[i];
    const label = (update.label ?? update.op).slice(0, 72).padEnd(72);
    console.log(`${String(r.round).padStart(4)}${update.dry_run ? '*' : ' '} ${label} ${outcome(r).slice(0, 120)}`);
  });
  console.log(`final state hash ${result.final_state_hash}`);
}
