export interface RetryPolicy {
  /** Attempts in all, rate-limited or failed (default 4). */
  attempts: number
  /** Longest backoff after a 5xx, in ms (default 60 s). */
  maxWaitMs: number
  /** First backoff for 5xx, doubled each time (default 1 s). */
  baseDelayMs: number
  /** Time a client may spend, in all, waiting out rate limits (default 5 min); past it, it fails. */
  rateLimitBudgetMs: number
  /** Waits `ms`; injectable so tests need not really wait a minute. */
  sleep: (ms: number) => Promise<void>
  /** The clock (ms since the epoch) that x-ratelimit-reset is compared with. */
  now: () => number
}

/** GitHub: "Otherwise, wait for at least one minute before retrying" (see rateLimitWait). */
export const MIN_SECONDARY_LIMIT_WAIT_MS = 60_000

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 4,
  maxWaitMs: 60_000,
  baseDelayMs: 1000,
  rateLimitBudgetMs: 5 * 60_000,
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  now: () => Date.now(),
}

interface ResponseError {
  status?: number
  response?: { headers?: Record<string, string | undefined>; data?: unknown }
}

const headersOf = (e: unknown) => (e as ResponseError).response?.headers ?? {}

/**
 * Whether GitHub refused for a (primary or secondary) rate limit. GitHub, "Troubleshooting the REST
 * API", Rate limit errors: a primary limit is a 403 or 429 with `x-ratelimit-remaining: 0`; a
 * secondary limit is "a 403 Forbidden or 429 Too Many Requests response and an error message that
 * indicates that you exceeded a secondary rate limit", with or without `retry-after`. A 403 without
 * any of these is a permission problem.
 * https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api#rate-limit-errors
 */
export function isRateLimited(e: unknown): boolean {
  const { status, response } = e as ResponseError
  if (status === 429) return true
  if (status !== 403) return false
  const h = headersOf(e)
  const data = response?.data as { message?: unknown } | undefined
  const message = typeof data?.message === 'string' ? data.message.toLowerCase() : ''
  return (
    h['retry-after'] !== undefined || h['x-ratelimit-remaining'] === '0' || message.includes('rate limit')
  )
}

const seconds = (v: string | undefined) =>
  v !== undefined && /^\d{1,10}$/.test(v.trim()) ? Number(v.trim()) : undefined

/**
 * How long GitHub asks a rate-limited client to wait, in ms, following the same documentation:
 * "If the retry-after response header is present, you should not retry your request until after that
 * many seconds has elapsed. If the x-ratelimit-remaining header is 0, you should not make another
 * request until after the time specified by the x-ratelimit-reset header [UTC epoch seconds].
 * Otherwise, wait for at least one minute before retrying. If your request continues to fail due to a
 * secondary rate limit, wait for an exponentially increasing amount of time between retries."
 * `limited` counts the rate-limited answers before this one.
 */
export function rateLimitWait(e: unknown, limited: number, now: number): number {
  const h = headersOf(e)
  const retryAfter = seconds(h['retry-after'])
  if (retryAfter !== undefined) return retryAfter * 1000
  const reset = seconds(h['x-ratelimit-reset'])
  if (h['x-ratelimit-remaining'] === '0' && reset !== undefined) return Math.max(0, reset * 1000 - now)
  return MIN_SECONDARY_LIMIT_WAIT_MS * 2 ** limited
}

/** How long to back off after a 5xx answer, or undefined when the error is not a 5xx. */
export function retryDelay(e: unknown, attempt: number, policy: RetryPolicy): number | undefined {
  const { status } = e as ResponseError
  if (status !== undefined && status >= 500)
    return Math.min(policy.baseDelayMs * 2 ** attempt, policy.maxWaitMs)
  return undefined
}

/** What a client has spent waiting out rate limits; shared by all its calls. */
export interface RateLimitBudget {
  spentMs: number
}

/**
 * Runs `fn`, retrying 5xx answers and rate limits a bounded number of times. A rate limit is waited
 * out as GitHub asks, never shorter; when that would take the client past its budget, the error is
 * thrown at once instead of sleeping and failing later.
 */
export async function withRetry<T>(
  fn: () => Promise<T>,
  policy: RetryPolicy,
  onRetry?: (why: string) => void,
  budget: RateLimitBudget = { spentMs: 0 },
): Promise<T> {
  let limited = 0
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn()
    } catch (e) {
      if (attempt + 1 >= policy.attempts) throw e
      let wait: number | undefined
      if (isRateLimited(e)) {
        wait = rateLimitWait(e, limited++, policy.now())
        if (budget.spentMs + wait > policy.rateLimitBudgetMs) throw e
        budget.spentMs += wait
        onRetry?.(
          `rate limited (HTTP ${(e as ResponseError).status}); waiting ${Math.ceil(wait / 1000)} s as GitHub asks`,
        )
      } else {
        wait = retryDelay(e, attempt, policy)
        if (wait === undefined) throw e
        onRetry?.(`HTTP ${(e as ResponseError).status}; retrying in ${Math.round(wait / 1000)} s`)
      }
      await policy.sleep(wait)
    }
  }
}
