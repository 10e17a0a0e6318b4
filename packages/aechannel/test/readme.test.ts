/**
 * The README snippet runs as written (against an embedded devnode).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('runs the README example', () => {
  const packageDir = fileURLToPath(new URL('..', import.meta.url));
  const readme = readFileSync(`${packageDir}/README.md`, 'utf8');
  const snippet = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(snippet).toContain("from 'aechannel'");
  // the snippet imports the package by name: place it inside the package so that resolves
  const file = `${packageDir}/test/.readme-snippet.ts`;
  writeFileSync(file, snippet!);
  try {
    const result = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', file], { cwd: packageDir, encoding: 'utf8', timeout: 30_000 });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('bob sees round 2');
    expect(result.stdout).toMatch(/round 2: \{/);
    expect(result.stdout).toMatch(/alice on chain: \d+n?/);
  } finally {
    rmSync(file, { force: true });
  }
});
