import { defineConfig } from 'vitest/config'

// CI sets RELSEAL_VITEST_JSON to a file path so .ci/run can print the plain
// "N passed, N failed" closing line from vitest's JSON report while still
// running exactly `npm test` (the command README.md gives).
const jsonReport = process.env.RELSEAL_VITEST_JSON

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: jsonReport ? ['default', 'json'] : ['default'],
    ...(jsonReport ? { outputFile: { json: jsonReport } } : {}),
  },
})
