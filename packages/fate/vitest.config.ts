import { defineProject } from 'vitest/config';
import { alias, timeouts } from '../../vitest.shared.js';

export default defineProject({
  resolve: { alias },
  test: {
    name: 'fate',
    ...timeouts,
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    benchmark: { include: ['bench/**/*.bench.ts'] },
  },
});
