import { RelsealError } from '../../src/errors.js'

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
  let advice: string
  if (status === 401) advice = 'the token is invalid or expired: pass a valid github-token'
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
      details: { status },
    },
  )
}
