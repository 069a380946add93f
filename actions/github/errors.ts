import { RelsealError } from '../../src/errors.js'
import { isRateLimited, rateLimitWait } from './retry.js'

interface HttpLikeError {
  status?: number
  message?: string
  response?: { data?: { message?: string; errors?: { code?: string; message?: string; field?: string }[] } }
}

/**
 * Turns an Octokit error into a RelsealError that tells the user what to do; `context` says what
 * relseal was doing ("uploading release_manifest.json to release v1.2.3").
 */
export function githubError(e: unknown, context: string): RelsealError {
  const err = e as HttpLikeError
  const status = err.status
  const gh = err.response?.data
  const details = gh?.errors?.map((x) => x.message ?? `${x.field ?? ''} ${x.code ?? ''}`.trim()).join('; ')
  const says = gh?.message
    ? `GitHub says: ${gh.message}${details ? ` (${details})` : ''}`
    : (err.message ?? String(e))
  const rateLimited = isRateLimited(e)
  let advice: string
  if (rateLimited)
    advice =
      `GitHub's rate limit stopped the request and asked to wait ${Math.ceil(rateLimitWait(e, 0, Date.now()) / 1000)} s, ` +
      'past what this run waits for rate limits in all; re-run the job later, or run fewer jobs against the API at once'
  else if (status === 401) advice = 'the token is invalid or expired: pass a valid github-token'
  else if (status === 403)
    advice = 'the token lacks permission: add `permissions: contents: write` to the job that runs this step'
  else if (status === 404)
    advice = 'no such release or repository, or the token cannot see it: check the tag and GITHUB_REPOSITORY'
  else if (status === 422) advice = 'GitHub refused the request as invalid'
  else if (status !== undefined && status >= 500) advice = 'GitHub failed repeatedly; re-run the job later'
  else advice = 'check the network and GITHUB_API_URL'
  return new RelsealError(
    'E_GITHUB',
    `${context} failed${status ? ` (HTTP ${status})` : ''}: ${advice}. ${says}`,
    {
      cause: e,
      details: { status, ...(rateLimited ? { rateLimited } : {}) },
    },
  )
}

/**
 * Whether GitHub refused because the thing exists already (422 Validation Failed, code
 * already_exists): a release for a published tag, an asset of that name. Takes the raw Octokit error
 * or the RelsealError that wraps it.
 */
export function isAlreadyExists(e: unknown): boolean {
  const raw = (e instanceof RelsealError ? e.cause : e) as HttpLikeError | undefined
  return raw?.status === 422 && (raw.response?.data?.errors ?? []).some((x) => x.code === 'already_exists')
}
