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

/** Quotes integers of 16+ digits outside strings, so integers ≥ 2^53 survive JSON.parse. */
export function quoteBigInts(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') {
        out += text[i + 1] ?? '';
        i += 1;
      } else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
      continue;
    }
    if (c === '-' || (c >= '0' && c <= '9')) {
      let j = i + 1;
      while (j < text.length && /[0-9.eE+-]/.test(text[j]!)) j += 1;
      const num = text.slice(i, j);
      out += /^-?\d{16,}$/.test(num) ? `"${num}"` : num;
      i = j - 1;
      continue;
    }
    out += c;
  }
  return out;
}

function parse(text: string): Vector {
  return JSON.parse(quoteBigInts(text)) as Vector;
}

const files = [...jsonFiles(join(here, 'oracle-own')), ...jsonFiles(join(here, 'vectors'))];

/**
 * Known differences from the node, each with its reason (see the package README): for these
 * vector files the test asserts that exactly the listed updates (and, if marked, the final
 * state hash) differ — a fix or a new difference both fail it, so the list stays true.
 */
const known = JSON.parse(readFileSync(join(here, 'known-differences.json'), 'utf8')) as Record<string, { reason: string; updates: number[]; finalStateHash: boolean }>;

describe('differential tests against fate-oracle', () => {
  it('has vectors', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  it.each(files.map((f) => [f.slice(here.length), f]))('%s', (name, file) => {
    const vec = parse(readFileSync(file, 'utf8'));
    const diffs = compareVector(vec);
    const k = known[name];
    if (k === undefined) {
      expect(diffs).toEqual([]);
      return;
    }
    const updates = [...new Set(diffs.filter((l) => l.startsWith('#')).map((l) => Number(l.slice(1, l.indexOf(' ')))))].sort((a, b) => a - b);
    expect({ updates, finalStateHash: diffs.some((l) => l.startsWith('final state hash')) }).toEqual({ updates: k.updates, finalStateHash: k.finalStateHash });
  });
});
