import { defineProject } from 'vitest/config';

// Suites here start real processes, so they get longer timeouts and run files one at a time
// (two cores; a nats-server and a service per file is plenty).
export default defineProject({
  test: {
    name: '@carousel/test-suites',
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
