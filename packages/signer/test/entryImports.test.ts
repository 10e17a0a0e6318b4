/**
 * The main and `./testing` entries must bundle for browsers: no runtime import of a Node
 * built-in anywhere in their import graph (node:crypto is reached only through
 * `process.getBuiltinModule` at run time, or statically from the `./node` entry).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../src');
const IMPORT = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/gm;

/** Runtime specifiers reached from `entry` (type-only imports are erased and skipped). */
function runtimeGraph(entry: string): { files: Set<string>; external: Set<string> } {
  const files = new Set<string>();
  const external = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      if (match[2] !== undefined) continue;
      const specifier = match[3] ?? match[4] ?? match[5];
      if (specifier === undefined) continue;
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else external.add(specifier);
    }
  };
  visit(resolve(src, entry));
  return { files, external };
}

it.each(['index.ts', 'testing.ts'])('%s imports no Node built-in at run time', (entry) => {
  const { files, external } = runtimeGraph(entry);
  expect(files.size).toBeGreaterThan(1);
  expect([...external]).toContain('@aechannel/codec');
  expect([...external].filter((s) => s.startsWith('node:') || ['crypto', 'fs', 'buffer'].includes(s))).toEqual([]);
});

it('the ./node entry does import node:crypto', () => {
  expect(runtimeGraph('node.ts').external.has('node:crypto')).toBe(true);
});
