/**
 * Differential tests against fate-oracle: every vector file (`{ scenario, result }`) under
 * `test/vectors/` (written by the vectors scripts) and `test/oracle-own/` (this package's
 * own scenarios) is run through this package and compared field by field with the node's
 * answer: per update ok/error, state hash, contract id, return type and value, gas used,
 * call object bytes and key, log, store and balances; the final state hash.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compareVector, type Vector } from './compare.js';

const here = fileURLToPath(new URL('.', import.meta.url));

function jsonFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return jsonFiles(p);
    return n.endsWith('.json') ? [p] : [];
  });
}

// Oracle output quotes nothing: integers ≥ 2^53 must survive JSON.parse.
function parse(text: string): Vector {
  return JSON.parse(text.replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,}\]])/g, '$1"$2"')) as Vector;
}

const files = [...jsonFiles(join(here, 'oracle-own')), ...jsonFiles(join(here, 'vectors'))];

describe('differential tests against fate-oracle', () => {
  it('has vectors', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  it.each(files.map((f) => [f.slice(here.length), f]))('%s', (_name, file) => {
    const vec = parse(readFileSync(file, 'utf8'));
    expect(compareVector(vec)).toEqual([]);
  });
});
