import { defineProject } from 'vitest/config';
import { alias, timeouts } from '../../vitest.shared.js';

// `source` first so private package imports (transport's `#websocket`) resolve to
// TypeScript source in tests, like the tsconfig `customConditions` does for tsc. No
// `import`/`module`: CommonJS dependencies would then get the ESM build of what they
// `require` (the aepp-sdk's json-bigint gets a namespace instead of BigNumber), as in the
// devnode's config.
const conditions = ['source', 'node', 'default'];

export default defineProject({
  resolve: { alias },
  ssr: { resolve: { conditions } },
  test: {
    name: 'aechannel',
    ...timeouts,
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    benchmark: { include: ['bench/**/*.bench.ts'] },
  },
});
