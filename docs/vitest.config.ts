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
    // each guide snippet is a program of its own (tsx, a devnode, two clients): a few at a time
    maxConcurrency: 3,
  },
});
