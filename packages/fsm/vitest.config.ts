import { defineProject } from 'vitest/config';
import { alias, timeouts } from '../../vitest.shared.js';

export default defineProject({
  resolve: { alias },
  test: {
    name: 'fsm',
    ...timeouts,
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    setupFiles: ['test/setup.frozenStates.ts'],
    benchmark: { include: ['bench/**/*.bench.ts'] },
  },
});
