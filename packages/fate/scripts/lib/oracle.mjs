// Running ../shared/oracle/fate-oracle (the node's own channel-contract and FATE code, an
// escript) on a scenario, and reading its JSON without losing integers: log topics are
// 256-bit JSON integers, which JSON.parse would round.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The fate-oracle command: $FATE_ORACLE, else shared/oracle/fate-oracle beside a parent directory. */
export function findOracle(fromDir) {
  if (process.env.FATE_ORACLE) return process.env.FATE_ORACLE;
  for (let dir = resolve(fromDir); ; dir = dirname(dir)) {
    const candidate = join(dir, 'shared', 'oracle', 'fate-oracle');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new Error('fate-oracle not found: set FATE_ORACLE or keep ../shared beside the project');
}

const BIG = '__big__';

/**
 * Parses JSON text, keeping every integer of 16 digits or more exactly as the string
 * `__big__<digits>` (a scanner that skips string contents decides what is a number).
 */
export function parseExact(text) {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (ch === '-' || (ch >= '0' && ch <= '9')) {
      let j = i + 1;
      while (j < text.length && /[0-9.eE+-]/.test(text[j])) j += 1;
      const token = text.slice(i, j);
      out += /^-?\d{16,}$/.test(token) ? `"${BIG}${token}"` : token;
      i = j;
    } else {
      out += ch;
      i += 1;
    }
  }
  return JSON.parse(out);
}

/** JSON.stringify that writes the `__big__<digits>` strings of parseExact back as integers. */
export function stringifyExact(value) {
  return JSON.stringify(value).replace(new RegExp(`"${BIG}(-?\\d+)"`, 'g'), '$1');
}

/** Runs the oracle on a scenario object; resolves to its parsed result (throws on `fatal`). */
export function runOracle(oracle, scenario) {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(oracle, [], { maxBuffer: 1 << 30, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`fate-oracle failed: ${error.message}\n${stderr}`));
        return;
      }
      try {
        const result = parseExact(stdout);
        if (result.fatal) reject(new Error(`fate-oracle fatal: ${result.fatal}`));
        else resolvePromise(result);
      } catch (cause) {
        reject(new Error(`fate-oracle printed no JSON: ${stdout.slice(0, 500)}`, { cause }));
      }
    });
    child.stdin.end(stringifyExact(scenario));
  });
}

/** Runs `tasks` (functions returning promises) at most `limit` at a time, results in order. */
export async function inParallel(tasks, limit) {
  const results = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next;
      next += 1;
      results[index] = await tasks[index]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}
