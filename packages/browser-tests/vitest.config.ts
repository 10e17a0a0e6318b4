import { defineProject } from 'vitest/config';
import { alias } from '../../vitest.shared.js';

// The Node side of these tests (the devnode, the peer's Channel) runs from TypeScript source
// like every other package's tests; the page and the entry bundles are built from the
// packages' `dist`, as an application gets them, which `test/buildLibrary.ts` brings up to date.
const conditions = ['source', 'node', 'import', 'module', 'default'];

export default defineProject({
  resolve: { alias },
  ssr: { resolve: { conditions } },
  test: {
    name: 'browser-tests',
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/buildLibrary.ts'],
    // A browser, a devnode and on-chain closes on a loaded 2-core machine: limits against
    // hangs, never timing assertions.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // One Chromium at a time.
    fileParallelism: false,
  },
});
