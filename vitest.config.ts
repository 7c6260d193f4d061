import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // End-to-end suites start the server as a child process; give them room
    // on a loaded two-core CI machine.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
