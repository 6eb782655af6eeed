import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Two cores on CI: forks keep real servers and watchers in separate processes.
    pool: 'forks',
    testTimeout: 20_000,
    // The JSON report lets .ci/run print a plain "N passed, N failed" summary line.
    reporters: ['default', 'json'],
    outputFile: { json: 'node_modules/.cache/vitest-report.json' },
  },
});
