/**
 * The commands the README and the docs show work as written: every `pnpm <name>` they
 * show from the repository root runs the root script of that name (`pnpm docs` did not:
 * pnpm hands `docs` to npm), and `pnpm aechannel ...` runs the CLI from the root.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const rootScripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/** pnpm's own commands the pages use on purpose (not scripts). */
const pnpmCommands = new Set(['install', 'add', 'exec', 'dlx', 'run']);

/** The pages whose commands run from the repository root. */
function pages(): string[] {
  const docs = readdirSync(join(root, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.md') && !path.startsWith('node_modules') && !path.startsWith('api'))
    .map((path) => join('docs', path));
  return ['README.md', 'examples/README.md', ...docs];
}

/** Every script name shown as `pnpm [-s] <name>` (or `npx -y pnpm@10 <name>`) in the pages. */
function documentedScripts(): Map<string, string> {
  const found = new Map<string, string>();
  for (const page of pages()) {
    // commands are code: fenced blocks and inline code spans
    const code = [...readFileSync(join(root, page), 'utf8').matchAll(/```[^\n]*\n([\s\S]*?)```|`([^`\n]+)`/g)].map((m) => m[1] ?? m[2]).join('\n');
    for (const match of code.matchAll(/(?:npx -y pnpm@10|(?<![\w@/-])pnpm)(?: -s)? ([a-z][\w:-]*)/g)) {
      const name = match[1]!;
      if (!pnpmCommands.has(name) && !found.has(name)) found.set(name, page);
    }
  }
  return found;
}

/** How to run pnpm here: the pnpm running this test (turbo under `pnpm test`), else pnpm 10 through npx. */
function pnpm(args: string[], cwd: string): Promise<{ status: number; stdout: string; stderr: string }> {
  const execPath = process.env['npm_execpath'];
  const [command, prefix] = execPath !== undefined && /pnpm/.test(execPath) ? [process.execPath, [execPath]] : ['npx', ['-y', 'pnpm@10']];
  return new Promise((resolve) => {
    execFile(command, [...prefix, ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, npm_config_update_notifier: 'false' } }, (error, stdout, stderr) => {
      resolve({ status: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

describe('commands shown in the docs', () => {
  const documented = documentedScripts();

  it('finds the commands (the pages show the usual ones)', () => {
    expect([...documented.keys()]).toEqual(expect.arrayContaining(['test', 'examples', 'docs:api', 'docs:guide', 'aechannel']));
  });

  it('each `pnpm <name>` is a root script', () => {
    const missing = [...documented].filter(([name]) => rootScripts[name] === undefined).map(([name, page]) => `${page}: pnpm ${name}`);
    expect(missing).toEqual([]);
  });

  it('pnpm runs the script for each `pnpm <name>` (not one of its own or npm commands)', async () => {
    // A project with the same script names, each printing its name: what pnpm runs for
    // `pnpm <name>` is the script only if the name is not taken by pnpm or npm.
    const project = mkdtempSync(join(tmpdir(), 'docs-commands-'));
    try {
      const scripts = Object.fromEntries(Object.keys(rootScripts).map((name) => [name, `node -e "console.log('ran:${name}')"`]));
      writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'commands', private: true, scripts }));
      writeFileSync(join(project, 'pnpm-workspace.yaml'), 'packages: []\n');
      const names = [...documented.keys()];
      const results = await Promise.all([...names, 'docs'].map((name) => pnpm([name], project)));
      const wrong = names
        .filter((name, i) => !results[i]!.stdout.includes(`ran:${name}`))
        .map((name) => `pnpm ${name}: exit ${results[names.indexOf(name)]!.status}, ${JSON.stringify(results[names.indexOf(name)]!.stdout.slice(0, 200))}`);
      expect(wrong).toEqual([]);
      // The check itself tells a script from npm's command of the same name.
      expect(results.at(-1)!.stdout).not.toContain('ran:docs');
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  it('pnpm aechannel runs the CLI from the repository root', async () => {
    const { version } = JSON.parse(readFileSync(join(root, 'packages/aechannel/package.json'), 'utf8')) as { version: string };
    const [result, decode, usage] = await Promise.all([
      pnpm(['-s', 'aechannel', '--version'], root),
      pnpm(['-s', 'aechannel', 'decode', 'ak_2MJU325LQVfAu36vjGvdVpVgiCDbjRsMAjHZc7ahzuLZHTjWYS'], root),
      pnpm(['-s', 'aechannel'], root),
    ]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${version}\n`);
    expect(decode.stdout).toBe('"0xb1cad54aca6eb950b0c23762397df0c88370b3b0eddb86e050c7f85daccf6fd6"\n');
    expect(usage.status).toBe(2);
    expect(usage.stdout).toBe('');
    expect(usage.stderr).toContain('Usage: aechannel <command>');
  });

  it('the docs:guide script runs the guide sync of the docs package', () => {
    expect(rootScripts['docs:guide']).toBe('pnpm --filter aechannel-docs run guide');
    const docsScripts = (JSON.parse(readFileSync(join(root, 'docs/package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(docsScripts['guide']).toBe('tsx scripts/syncGuide.ts');
  });
});
