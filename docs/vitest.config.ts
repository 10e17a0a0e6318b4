import { defineProject } from 'vitest/config';
import { alias, timeouts } from '../vitest.shared.js';

const conditions = ['source', 'node', 'import', 'module', 'default'];

export default defineProject({
  resolve: { alias },
  ssr: { resolve: { conditions } },
  test: {
    name: 'docs',
    ...timeouts,
    include: ['test/**/*.test.ts'],
  },
});
