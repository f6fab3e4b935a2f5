import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['facts/**/*.test.ts', 'tools/**/*.test.ts', 'harness/**/*.test.ts', 'plugin/**/*.test.ts', 'engine/**/*.test.ts', 'e2e/**/*.test.ts'],
    testTimeout: 20000,
    pool: 'forks',
    setupFiles: ['plugin/test-support/host-shim.ts'],
  },
});
