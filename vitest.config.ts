import { defineConfig } from 'vitest/config';

// CI has 2 cores: at most 2 workers, and every test bounded in time. Tests import the packages'
// built `dist` (npm test builds first), so the end-to-end suites run what users run.
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 30_000,
    passWithNoTests: false,
    reporters: ['default'],
  },
});
