/**
 * The TypeScript contract example (`examples/contract_game.ts`) runs as written against an
 * embedded devnode and plays the game to its end.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('runs examples/contract_game.ts: the game is created, played in turn and won, both clients verifying every round', () => {
  const packageDir = fileURLToPath(new URL('..', import.meta.url));
  const examples = fileURLToPath(new URL('../../../examples/', import.meta.url));
  // The example imports the packages by name: place it inside the package so that resolves.
  const file = `${packageDir}/test/.contract-game.ts`;
  copyFileSync(`${examples}/contract_game.ts`, file);
  try {
    const result = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', file, `${examples}/contracts/race_to_ten.json`], { cwd: packageDir, encoding: 'utf8', timeout: 60_000 });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^game ct_\w+ created in round 2$/);
    expect(result.stdout).toContain("bob sees alice's round 3: join -> ok 1");
    expect(result.stdout).toContain('bob out of turn -> revert: not your turn');
    expect(result.stdout).toContain("alice's move 3 would make 3 (checked against her own run: true)");
    expect(result.stdout).toContain("bob sees alice's round 6: move -> ok 3");
    expect(result.stdout).toContain('round 9: bob adds 2 -> 10, bob wins the pot');
    expect(result.stdout).toMatch(/final state \{.*total: 10n/s);
    // Bob staked 1000 and won the pot of 2000.
    expect(result.stdout).toContain(`bob's balance in the channel: ${10n ** 18n + 1000n}`);
  } finally {
    rmSync(file, { force: true });
  }
});
