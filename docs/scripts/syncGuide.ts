/**
 * Keeps docs/guide.md in step with its snippet files, so the guide shows exactly the code the
 * tests run.
 *
 * In the guide, `<!-- snippet: guide/x.ts -->` is followed by a ```ts block holding the file
 * `docs/guide/x.ts`, and `<!-- output: guide/x.ts -->` by a ```text block holding what running
 * that file prints. `docs/test/guide.test.ts` checks both; this script rewrites them:
 *
 *   pnpm docs:guide               copy every snippet file into its block
 *   pnpm docs:guide --outputs     also run the snippets and copy what they print
 *   pnpm docs:guide --check       change nothing; exit 1 when a block is out of date
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The docs folder (the package this script belongs to). */
export const docsDir = fileURLToPath(new URL('..', import.meta.url));
/** The guide. */
export const guidePath = join(docsDir, 'guide.md');

/** One generated block of the guide. */
export interface GuideBlock {
  kind: 'snippet' | 'output';
  /** The snippet file, relative to the docs folder (`guide/x.ts`). */
  file: string;
  /** The block's text between its fences. */
  content: string;
  /** Offsets of that text in the markdown. */
  start: number;
  end: number;
}

const MARKER = /<!-- (snippet|output): (guide\/[\w.-]+\.ts) -->\n```(ts|text)\n/g;

/**
 * Finds the generated blocks of the guide.
 * @param markdown - the guide's text
 * @returns the blocks in order
 * @throws {Error} when a marker is not followed by a fenced block of the right language
 */
export function parseGuide(markdown: string): GuideBlock[] {
  const blocks: GuideBlock[] = [];
  for (const match of markdown.matchAll(MARKER)) {
    const kind = match[1] as GuideBlock['kind'];
    if ((kind === 'snippet') !== (match[3] === 'ts')) throw new Error(`${match[0].trim()}: a ${kind} block must be fenced as ${kind === 'snippet' ? 'ts' : 'text'}`);
    const start = match.index + match[0].length;
    const end = markdown.indexOf('```', start);
    if (end === -1) throw new Error(`${match[0].trim()}: the block is not closed`);
    blocks.push({ kind, file: match[2]!, content: markdown.slice(start, end), start, end });
  }
  const bare = (markdown.match(/^```ts$/gm) ?? []).length;
  const snippets = blocks.filter((b) => b.kind === 'snippet').length;
  if (bare !== snippets) throw new Error(`the guide has ${bare} ts blocks but ${snippets} snippet markers: every ts block must be a snippet file`);
  return blocks;
}

/**
 * Replaces the content of some blocks.
 * @param markdown - the guide's text
 * @param contentOf - the new content of a block, or undefined to keep it
 * @returns the new text
 */
export function replaceBlocks(markdown: string, contentOf: (block: GuideBlock) => string | undefined): string {
  let out = '';
  let at = 0;
  for (const block of parseGuide(markdown)) {
    const content = contentOf(block);
    if (content === undefined) continue;
    out += markdown.slice(at, block.start) + (content.endsWith('\n') ? content : `${content}\n`);
    at = block.end;
  }
  return out + markdown.slice(at);
}

/** The text of a snippet file. */
export function snippetSource(file: string): string {
  return readFileSync(join(docsDir, file), 'utf8');
}

/**
 * Runs a snippet as its own program (from the TypeScript sources, as a reader would with
 * `npx tsx --conditions=source`).
 * @param file - `guide/x.ts`
 * @returns its exit code, standard output and standard error
 */
export function runSnippet(file: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', tsx, join(docsDir, file)], { cwd: docsDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('error', reject);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

async function main(argv: readonly string[]): Promise<number> {
  const outputs = argv.includes('--outputs');
  const check = argv.includes('--check');
  const markdown = readFileSync(guidePath, 'utf8');
  const printed = new Map<string, string>();
  if (outputs) {
    for (const block of parseGuide(markdown).filter((b) => b.kind === 'output')) {
      const result = await runSnippet(block.file);
      if (result.status !== 0 || result.stderr !== '') {
        process.stderr.write(`${block.file} failed (exit ${result.status}):\n${result.stderr}`);
        return 1;
      }
      printed.set(block.file, result.stdout);
    }
  }
  const next = replaceBlocks(markdown, (block) => (block.kind === 'snippet' ? snippetSource(block.file) : printed.get(block.file)));
  if (next === markdown) {
    process.stdout.write('docs/guide.md is up to date\n');
    return 0;
  }
  if (check) {
    process.stderr.write('docs/guide.md is out of date: run pnpm docs:guide (and --outputs after changing what a snippet prints)\n');
    return 1;
  }
  writeFileSync(guidePath, next);
  process.stdout.write('docs/guide.md updated\n');
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
