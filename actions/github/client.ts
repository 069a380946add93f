import { getOctokit } from '@actions/github'
import { DEFAULT_RETRY, withRetry, type RateLimitBudget, type RetryPolicy } from './retry.js'
import { githubError } from './errors.js'
import { httpClientFetch } from './transport.js'

export type Octokit = ReturnType<typeof getOctokit>

export interface GitHubClient {
  octokit: Octokit
  owner: string
  repo: string
  /** Runs one API call with retries and turns failures into RelsealErrors naming `context`. */
  call<T>(context: string, fn: (octokit: Octokit) => Promise<T>): Promise<T>
}

export interface ClientOptions {
  token: string
  /** owner/name */
  repository: string
  /** GITHUB_API_URL; read at call time because @actions/github reads it once at import. */
  baseUrl?: string
  retry?: Partial<RetryPolicy>
  log?: (message: string) => void
}

/**
 * The one GitHub client of the actions: Octokit from @actions/github with bounded retries.
 *
 * @example const gh = createClient({ token, repository: 'acme/app', baseUrl: process.env.GITHUB_API_URL })
 */
export function createClient(o: ClientOptions): GitHubClient {
  const [owner = '', repo = ''] = o.repository.split('/')
  const octokit = getOctokit(o.token, {
    ...(o.baseUrl ? { baseUrl: o.baseUrl } : {}),
    // Replaces @actions/github's request defaults (its proxy-aware undici fetch) as a whole.
    request: { fetch: httpClientFetch() },
  })
  const policy = { ...DEFAULT_RETRY, ...o.retry }
  // One budget for every call of the client: a run waits out rate limits for so long, in all.
  const budget: RateLimitBudget = { spentMs: 0 }
  return {
    octokit,
    owner,
    repo,
    async call(context, fn) {
      try {
        return await withRetry(
          () => fn(octokit),
          policy,
          (why) => o.log?.(`${context}: ${why}`),
          budget,
        )
      } catch (e) {
        throw githubError(e, context)
      }
    },
  }
}
