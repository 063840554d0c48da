import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: end-to-end tests spawn git, the CLI and daemons of their own.
    maxWorkers: 2,
    fileParallelism: true,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
