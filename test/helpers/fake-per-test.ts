import { afterEach, beforeEach, expect } from 'vitest'
import { startFakeGitHub, type FakeGitHub } from '../fake-github/server.js'

/**
 * A fresh GitHub fake for every test of the file, handed to `use`; after each test it is closed and
 * must have seen no request that GitHub's OpenAPI description forbids.
 */
export function fakeGitHubPerTest(use: (fake: FakeGitHub) => void): void {
  let fake: FakeGitHub
  beforeEach(async () => {
    fake = await startFakeGitHub()
    use(fake)
  })
  afterEach(async () => {
    await fake.close()
    expect(fake.violations).toEqual([])
  })
}
