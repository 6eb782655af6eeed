import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Two cores on CI: forks keep real servers and watchers in separate processes.
    pool: 'forks',
    testTimeout: 20_000,
  },
});
