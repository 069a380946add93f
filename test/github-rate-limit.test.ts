import { describe, expect, it } from 'vitest'
import {
  createClient,
  createRelease,
  listReleases,
  MIN_SECONDARY_LIMIT_WAIT_MS,
  type RetryPolicy,
} from '../actions/github/index.js'
import type { FakeGitHub } from './fake-github/server.js'
import { secondaryRateLimit } from './fake-github/state.js'
import { fakeGitHubPerTest } from './helpers/fake-per-test.js'

let fake!: FakeGitHub
fakeGitHubPerTest((f) => (fake = f))

const NOW = Date.UTC(2026, 11, 2, 8, 0, 0)

/** The error a promise rejects with (the test fails if it resolves). */
async function failure(p: Promise<unknown>): Promise<Error & { code?: string }> {
  const e: unknown = await p.then(
    () => undefined,
    (x: unknown) => x,
  )
  expect(e).toBeInstanceOf(Error)
  return e as Error
}

/** A client whose waits are recorded instead of slept, on a clock standing at NOW. */
function client(retry: Partial<RetryPolicy> = {}, token = 'test-token') {
  const waits: number[] = []
  const gh = createClient({
    token,
    repository: 'acme/app',
    baseUrl: fake.url,
    retry: {
      baseDelayMs: 10,
      sleep: (ms) => {
        waits.push(ms)
        return Promise.resolve()
      },
      now: () => NOW,
      ...retry,
    },
  })
  return { gh, waits }
}

describe('secondary rate limits, waited out as GitHub documents', () => {
  it('waits at least a minute for a 403 secondary limit without headers, then exponentially longer', async () => {
    const { gh, waits } = client()
    fake.faults.push(secondaryRateLimit('POST', '/releases', { times: 2 }))
    await createRelease(gh, { tag: 'v1.0.0' })
    expect(waits).toEqual([MIN_SECONDARY_LIMIT_WAIT_MS, 2 * MIN_SECONDARY_LIMIT_WAIT_MS])
    expect(fake.state.releases).toHaveLength(1)
  })

  it('waits retry-after seconds on a 429, and until x-ratelimit-reset when remaining is 0', async () => {
    const { gh, waits } = client()
    fake.faults.push(secondaryRateLimit('GET', '/releases', { status: 429, retryAfter: 7 }))
    fake.faults.push(secondaryRateLimit('GET', '/releases', { status: 403, resetAt: NOW / 1000 + 42 }))
    await listReleases(gh)
    expect(waits).toEqual([7000, 42_000])
  })

  it('a 429 without headers also waits a minute, not a second', async () => {
    const { gh, waits } = client()
    fake.faults.push(secondaryRateLimit('GET', '/releases', { status: 429 }))
    await listReleases(gh)
    expect(waits).toEqual([MIN_SECONDARY_LIMIT_WAIT_MS])
  })

  it('fails at once, reported as a rate limit, when the wait would exceed the budget', async () => {
    const { gh, waits } = client({ rateLimitBudgetMs: 90_000 })
    fake.faults.push(secondaryRateLimit('POST', '/releases', { times: 3 }))
    const e = await failure(createRelease(gh, { tag: 'v1.0.0' }))
    expect(e).toMatchObject({ code: 'E_GITHUB', details: { status: 403, rateLimited: true } })
    expect(e.message).toMatch(/rate limit/)
    expect(e.message).not.toMatch(/contents: write/)
    // 60 s fits the budget; the next 120 s would not, so it is not slept
    expect(waits).toEqual([MIN_SECONDARY_LIMIT_WAIT_MS])
    expect(fake.state.releases).toEqual([])
  })

  it('shares one budget among all calls of a client', async () => {
    const { gh, waits } = client({ rateLimitBudgetMs: 100_000 })
    fake.faults.push(secondaryRateLimit('GET', '/releases', { retryAfter: 60 }))
    await listReleases(gh)
    fake.faults.push(secondaryRateLimit('GET', '/releases', { retryAfter: 60 }))
    await expect(listReleases(gh)).rejects.toMatchObject({ details: { rateLimited: true } })
    expect(waits).toEqual([60_000])
  })

  it('a 403 that is not a rate limit is a permission problem, and is not retried', async () => {
    fake.state.tokens.set('read-only', 'read')
    const { gh, waits } = client({}, 'read-only')
    const e = await failure(createRelease(gh, { tag: 'v1.0.0' }))
    expect(e).toMatchObject({ code: 'E_GITHUB', details: { status: 403 } })
    expect(e.message).toMatch(/contents: write/)
    expect(e.message).not.toMatch(/rate limit/)
    expect(fake.requests.filter((r) => r.status === 403)).toHaveLength(1)
    expect(waits).toEqual([])
  })
})
