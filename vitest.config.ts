import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    // The JSON report is what .ci/run counts (vitest's console summary is not parsed by CI).
    reporters: ['default', ['json', { outputFile: '.vitest-results.json' }]],
  },
});
