import { defineConfig } from 'vitest/config';

// Two tiers: test/unit needs no privilege; test/priv makes namespaces and needs root.
// Privileged files run one at a time (fileParallelism off): they share the kernel, and
// timing-sensitive peers (ping, tcpdump) behave better without a second file competing
// for the machine's two cores. Each test still uses uniquely named namespaces.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // one build before every test file (a failed build fails the run)
    globalSetup: ['./test/helpers/build.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});
