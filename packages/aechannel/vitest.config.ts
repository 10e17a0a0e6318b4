import { defineProject } from 'vitest/config';
import { alias } from '../../vitest.shared.js';

// `source` first so private package imports (transport's `#websocket`) resolve to
// TypeScript source in tests, like the tsconfig `customConditions` does for tsc.
const conditions = ['source', 'node', 'import', 'module', 'default'];

export default defineProject({
  resolve: { alias },
  ssr: { resolve: { conditions } },
  test: {
    name: 'aechannel',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // End-to-end tests run real WebSockets against the devnode (and child processes).
    testTimeout: 30_000,
    hookTimeout: 30_000,
    benchmark: { include: ['bench/**/*.bench.ts'] },
  },
});
