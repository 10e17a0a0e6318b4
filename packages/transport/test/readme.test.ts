/** The README's quick start runs as written and prints what its comments say. */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it, vi } from 'vitest';

it('runs the README quick start', async () => {
  const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
  const snippet = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
  const file = fileURLToPath(new URL(`./readme-snippet-${process.pid}.tmp.ts`, import.meta.url));
  writeFileSync(file, snippet);
  const logged: unknown[][] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logged.push(args));
  try {
    await import(/* @vite-ignore */ file);
  } finally {
    spy.mockRestore();
    rmSync(file);
  }
  expect(logged).toEqual([
    ['notification', 'channels.info', { channel_id: null, data: { event: 'fsm_up' } }],
    [[{ account: 'ak_…', balance: 10n ** 30n }]],
    [{ code: 1000, reason: 'done', wasClean: true }],
  ]);
});
