/**
 * Every section the sources cite exists in the project's protocol notes (docs/protocol/):
 * `PROTOCOL.md §x.y` and `CONTRACTS.md §x.y` anywhere in the repository, bare `§x.y` in the
 * files that cite them (a bare § refers to the notes the file names), and links to the
 * notes' anchors.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const notesDir = join(root, 'docs', 'protocol');
type Notes = 'PROTOCOL.md' | 'CONTRACTS.md';

/** Section numbers of a notes file, checking each heading has its anchor right above it. */
function readSections(file: Notes): { sections: Set<string>; anchors: Set<string>; problems: string[] } {
  const lines = readFileSync(join(notesDir, file), 'utf8').split('\n');
  const sections = new Set<string>();
  const anchors = new Set<string>();
  const problems: string[] = [];
  lines.forEach((line, i) => {
    const anchor = /^<a id="s([\d.]+)"><\/a>$/.exec(line);
    if (anchor !== null) {
      if (anchors.has(anchor[1]!)) problems.push(`${file}:${i + 1}: anchor s${anchor[1]} twice`);
      anchors.add(anchor[1]!);
    }
    const heading = /^(#{2,4}) §(\d+(?:\.\d+)*) \S/.exec(line);
    if (heading === null) {
      if (/^#{1,6} .*§/.test(line)) problems.push(`${file}:${i + 1}: a heading with § must read "## §x.y title"`);
      return;
    }
    const number = heading[2]!;
    const depth = number.split('.').length;
    if (heading[1]!.length !== depth + 1) problems.push(`${file}:${i + 1}: §${number} should be a level-${depth + 1} heading`);
    if (sections.has(number)) problems.push(`${file}:${i + 1}: §${number} twice`);
    sections.add(number);
    if (lines[i - 1] !== `<a id="s${number}"></a>`) problems.push(`${file}:${i + 1}: §${number} lacks the anchor <a id="s${number}"></a> on the line above`);
    const parent = number.split('.').slice(0, -1).join('.');
    if (parent !== '' && !sections.has(parent)) problems.push(`${file}:${i + 1}: §${number} comes before its parent §${parent}`);
  });
  return { sections, anchors, problems };
}

const notes: Record<Notes, ReturnType<typeof readSections>> = {
  'PROTOCOL.md': readSections('PROTOCOL.md'),
  'CONTRACTS.md': readSections('CONTRACTS.md'),
};

/** Text files of the repository that may cite the notes. */
function repositoryFiles(): string[] {
  const skip = new Set(['node_modules', '.git', 'dist', '.turbo', 'api', 'transcripts', 'coverage']);
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (skip.has(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        // recordings and generated fixtures are data, not citations
        if (entry.name === 'fixtures' || entry.name === 'vectors') continue;
        walk(path);
      } else if (/\.(ts|mts|mjs|js|md|json|yaml)$/.test(entry.name) && !entry.name.endsWith('.lock')) {
        out.push(path);
      }
    }
  };
  walk(root);
  return out;
}

/** Section numbers in a chain such as `§6.2/§6.3`, `§2.4–§2.10`, `§3.1–3.2`, `§0, §9.2`. */
const chain = String.raw`§(\d+(?:\.\d+)*)((?:\s*(?:[/–-]|,\s*(?=§)|and\s+(?=§))\s*§?\d+(?:\.\d+)*)*)`;
const numbersOf = (first: string, rest: string): string[] => [first, ...[...rest.matchAll(/\d+(?:\.\d+)*/g)].map((m) => m[0])];

/** Bare § citations that name another document (an RFC), written out so a new one is a decision. */
const externalCitations: { file: string; section: string }[] = [
  { file: 'packages/signer/src/keys.ts', section: '5.1.5' }, // RFC 8032
  { file: 'packages/transport/src/createTransportCore.ts', section: '7.4.1' }, // RFC 6455
];

interface Citation {
  where: string;
  /** The notes it may refer to (one, except for a bare § in a file that names both). */
  notes: Notes | Notes[];
  section: string;
}

function collectCitations(): { citations: Citation[]; bare: Citation[] } {
  const citations: Citation[] = [];
  const bare: Citation[] = [];
  // `PROTOCOL.md §x` also when a comment wraps between the name and the § (` * `, `// `)
  const prefixed = new RegExp(String.raw`(PROTOCOL|CONTRACTS)\.md(?:[\s*/#]|&nbsp;)*${chain}`, 'g');
  for (const path of repositoryFiles()) {
    const file = relative(root, path);
    if (file === 'docs/test/protocolCitations.test.ts') continue; // its own examples
    const text = readFileSync(path, 'utf8');
    if (!text.includes('§')) continue;
    const lineOf = (index: number): number => text.slice(0, index).split('\n').length;
    const named = new Set<Notes>();
    const covered: [number, number][] = [];
    for (const m of text.matchAll(prefixed)) {
      const notesFile = `${m[1]}.md` as Notes;
      named.add(notesFile);
      covered.push([m.index, m.index + m[0].length]);
      for (const section of numbersOf(m[2]!, m[3] ?? '')) citations.push({ where: `${file}:${lineOf(m.index)}`, notes: notesFile, section });
    }
    // A bare § refers to the notes the file names: PROTOCOL.md when it names only that (or
    // in PROTOCOL.md itself), CONTRACTS.md likewise; either one when it names both.
    const inNotes = file === 'docs/protocol/PROTOCOL.md' || file === 'docs/protocol/CONTRACTS.md';
    const namesOf = inNotes ? new Set([file.slice('docs/protocol/'.length) as Notes]) : named;
    if (namesOf.size === 0) continue;
    for (const m of text.matchAll(new RegExp(chain, 'g'))) {
      if (covered.some(([from, to]) => m.index >= from && m.index < to)) continue;
      const end = text.indexOf('\n', m.index);
      const line = text.slice(text.lastIndexOf('\n', m.index) + 1, end === -1 ? undefined : end);
      if (/RFC \d+/.test(line)) continue;
      for (const section of numbersOf(m[1]!, m[2] ?? '')) {
        if (externalCitations.some((c) => c.file === file && c.section === section)) continue;
        bare.push({ where: `${file}:${lineOf(m.index)}`, notes: [...namesOf], section });
      }
    }
  }
  return { citations, bare };
}

const { citations, bare } = collectCitations();
const missing = (list: Citation[]): string[] =>
  list
    .filter((c) => ![c.notes].flat().some((file) => notes[file].sections.has(c.section)))
    .map((c) => `${c.where}: ${[c.notes].flat().join(' or ')} §${c.section}`);

describe('protocol notes', () => {
  it('number every section with a heading "§x.y title" and an anchor s<x.y> right above it', () => {
    expect([...notes['PROTOCOL.md'].problems, ...notes['CONTRACTS.md'].problems]).toEqual([]);
    for (const file of ['PROTOCOL.md', 'CONTRACTS.md'] as const) expect([...notes[file].anchors].sort()).toEqual([...notes[file].sections].sort());
    // the top-level sections of both, in full
    expect([...notes['PROTOCOL.md'].sections].filter((s) => !s.includes('.'))).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12', '13', '14']);
    expect([...notes['CONTRACTS.md'].sections].filter((s) => !s.includes('.'))).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
  });

  it('have every section the repository cites as PROTOCOL.md §x or CONTRACTS.md §x', () => {
    expect(citations.length).toBeGreaterThan(150);
    expect(new Set(citations.map((c) => c.notes))).toEqual(new Set(['PROTOCOL.md', 'CONTRACTS.md']));
    expect(missing(citations)).toEqual([]);
  });

  it('have every section cited as a bare §x in a file that cites the protocol', () => {
    expect(bare.length).toBeGreaterThan(500);
    expect(missing(bare)).toEqual([]);
  });

  it('resolve every link to one of their anchors', () => {
    const broken: string[] = [];
    for (const path of repositoryFiles().filter((p) => p.endsWith('.md'))) {
      const file = relative(root, path);
      for (const m of readFileSync(path, 'utf8').matchAll(/\]\(([^)#\s]*)#s([\d.]+)\)/g)) {
        const target = m[1] === '' ? (file.startsWith('docs/protocol/') ? file.slice('docs/protocol/'.length) : '') : m[1]!.split('/').pop()!;
        if (target !== 'PROTOCOL.md' && target !== 'CONTRACTS.md') continue;
        if (!notes[target].anchors.has(m[2]!)) broken.push(`${file}: ${m[0]}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('would catch a citation of a section they lack', () => {
    expect(missing([{ where: 'example', notes: 'PROTOCOL.md', section: '15.1' }])).toEqual(['example: PROTOCOL.md §15.1']);
    const sample = 'see PROTOCOL.md §6.2/§6.3 and §2.4–§2.10 (CONTRACTS.md §4.6), also PROTOCOL.md §3.1–3.2, PROTOCOL.md §0, §9.2, CONTRACTS.md\n * §4.3';
    const found = [...sample.matchAll(new RegExp(String.raw`(PROTOCOL|CONTRACTS)\.md(?:[\s*/#]|&nbsp;)*${chain}`, 'g'))].map((m) => `${m[1]}:${numbersOf(m[2]!, m[3] ?? '').join(',')}`);
    expect(found).toEqual(['PROTOCOL:6.2,6.3,2.4,2.10', 'CONTRACTS:4.6', 'PROTOCOL:3.1,3.2', 'PROTOCOL:0,9.2', 'CONTRACTS:4.3']);
  });
});
