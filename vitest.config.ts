import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'tests/**/*.test.ts'],
    // Real ffmpeg, Chromium and child processes: generous per-test limits, never timing assertions.
    testTimeout: 600_000,
    hookTimeout: 900_000,
    pool: 'forks',
    // Two cores: two test files at a time keeps the heavy end-to-end tests from starving each other.
    maxWorkers: 2,
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});
