export interface RetryPolicy {
  /** Attempts in all (default 4). */
  attempts: number
  /** Longest wait honoured from retry-after, in ms (default 60 s). */
  maxWaitMs: number
  /** First backoff for 5xx, doubled each time (default 1 s). */
  baseDelayMs: number
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, maxWaitMs: 60_000, baseDelayMs: 1000 }

interface ResponseError {
  status?: number
  response?: { headers?: Record<string, string | undefined> }
}

/** How long to wait before retrying, or undefined when the error is not worth retrying. */
export function retryDelay(e: unknown, attempt: number, policy: RetryPolicy): number | undefined {
  const { status, response } = e as ResponseError
  const headers = response?.headers ?? {}
  const retryAfter = headers['retry-after']
  const rateLimited =
    status === 429 ||
    (status === 403 && (retryAfter !== undefined || headers['x-ratelimit-remaining'] === '0'))
  if (rateLimited) {
    const reset = headers['x-ratelimit-reset']
    const wait =
      retryAfter !== undefined
        ? Number(retryAfter) * 1000
        : reset !== undefined
          ? Number(reset) * 1000 - Date.now()
          : policy.baseDelayMs
    return Math.min(Math.max(0, wait), policy.maxWaitMs)
  }
  if (status !== undefined && status >= 500)
    return Math.min(policy.baseDelayMs * 2 ** attempt, policy.maxWaitMs)
  return undefined
}

/** Runs `fn`, retrying 5xx answers and (secondary) rate limits a bounded number of times. */
export async function withRetry<T>(
  fn: () => Promise<T>,
  policy: RetryPolicy,
  onRetry?: (why: string) => void,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn()
    } catch (e) {
      const wait = attempt + 1 < policy.attempts ? retryDelay(e, attempt, policy) : undefined
      if (wait === undefined) throw e
      onRetry?.(`HTTP ${(e as ResponseError).status}; retrying in ${Math.round(wait / 1000)} s`)
      await new Promise((r) => setTimeout(r, wait))
    }
  }
}
