/**
 * The guide (docs/guide.md) shows exactly the snippet files of docs/guide/, every snippet
 * runs against the embedded devnode and prints what the guide says it prints, and the
 * snippets use the packages' public entries only.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { docsDir, guidePath, parseGuide, replaceBlocks, runSnippet, snippetSource } from '../scripts/syncGuide.js';

const markdown = readFileSync(guidePath, 'utf8');
const blocks = parseGuide(markdown);
const snippetFiles = readdirSync(join(docsDir, 'guide')).filter((name) => name.endsWith('.ts')).map((name) => `guide/${name}`).sort();
const outputs = blocks.filter((b) => b.kind === 'output');

/** The entries a snippet may import: each package's public entries, node built-ins, and the guide's own setup. */
function publicEntries(): Set<string> {
  const entries = new Set<string>();
  const packagesDir = join(docsDir, '..', 'packages');
  for (const dir of readdirSync(packagesDir)) {
    let manifest: { name: string; private?: boolean; exports?: Record<string, unknown> };
    try {
      manifest = JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8')) as typeof manifest;
    } catch {
      continue;
    }
    if (manifest.private === true) continue;
    for (const subpath of Object.keys(manifest.exports ?? {})) {
      if (subpath !== './package.json') entries.add(subpath === '.' ? manifest.name : `${manifest.name}${subpath.slice(1)}`);
    }
  }
  return entries;
}

describe('the guide', () => {
  it('shows every snippet file once, each in a ts block that is exactly the file', () => {
    const shown = blocks.filter((b) => b.kind === 'snippet').map((b) => b.file);
    expect([...shown].sort()).toEqual(snippetFiles);
    expect(new Set(shown).size).toBe(shown.length);
    const stale = blocks.filter((b) => b.kind === 'snippet' && b.content !== snippetSource(b.file)).map((b) => b.file);
    expect(stale, 'run pnpm docs:guide').toEqual([]);
  });

  it('has no ts block that is not a snippet file (so none goes unexecuted)', () => {
    expect(() => parseGuide(`${markdown}\n\`\`\`ts\nconst untested = 1;\n\`\`\`\n`)).toThrow(/every ts block must be a snippet file/);
    expect(() => parseGuide(markdown)).not.toThrow();
  });

  it('shows the output of every snippet but the shared setup', () => {
    expect(outputs.map((b) => b.file).sort()).toEqual(snippetFiles.filter((file) => file !== 'guide/setup.ts'));
  });

  it('rewrites a stale block from its file (what pnpm docs:guide does)', () => {
    const stale = markdown.replace(snippetSource('guide/open.ts'), '// an old version\n');
    expect(stale).not.toBe(markdown);
    expect(replaceBlocks(stale, (b) => (b.kind === 'snippet' ? snippetSource(b.file) : undefined))).toBe(markdown);
  });

  it('imports only public entries of the packages', () => {
    const allowed = publicEntries();
    expect(allowed.has('aechannel')).toBe(true);
    const outside: string[] = [];
    for (const file of snippetFiles) {
      for (const match of snippetSource(file).matchAll(/^import [^'"]*from '([^']+)'/gm)) {
        const specifier = match[1]!;
        // fake-indexeddb stands in for a page's IndexedDB when the browser snippet runs in Node.
        if (specifier.startsWith('node:') || specifier === './setup.js' || specifier === 'fake-indexeddb' || allowed.has(specifier)) continue;
        outside.push(`${file}: ${specifier}`);
      }
    }
    expect(outside).toEqual([]);
  });

  describe.concurrent('every snippet runs against the devnode and prints what the guide shows', () => {
    for (const block of outputs) {
      it(block.file, async () => {
        const result = await runSnippet(block.file);
        expect(result.stderr).toBe('');
        expect(result.status).toBe(0);
        expect(result.stdout).toBe(block.content);
      });
    }
  });
});
