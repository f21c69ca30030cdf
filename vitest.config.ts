// Root vitest config: one run over every workspace. Unit tests sit beside the code; suites that
// start real processes live in test/ and carry their own, longer timeouts.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*', 'services/*', 'test'],
  },
});
