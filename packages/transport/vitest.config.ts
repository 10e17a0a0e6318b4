import { defineProject } from 'vitest/config';
import { alias, timeouts } from '../../vitest.shared.js';

// `source` first so the private `#websocket` import (package.json `imports`) resolves to
// TypeScript source in tests, like the tsconfig `customConditions` does for tsc.
const conditions = ['source', 'node', 'import', 'module', 'default'];

export default defineProject({
  resolve: { alias },
  ssr: { resolve: { conditions } },
  test: {
    name: 'transport',
    ...timeouts,
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    benchmark: { include: ['bench/**/*.bench.ts'] },
  },
});
