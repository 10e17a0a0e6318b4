// Runs every package's tests (and the docs' checks) in one process: `npx vitest run` from the root.
// (The README's `pnpm test` runs them per package through turbo.)
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { projects: ['packages/*', 'docs'] },
});
