import { defineConfig } from 'vitest/config';
import { scaled } from './test/helpers/time-scale.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Scaled to the machine (test/helpers/time-scale.ts): a slow or busy box waits longer.
    testTimeout: scaled(30_000),
    hookTimeout: scaled(30_000),
    pool: 'forks',
  },
});
