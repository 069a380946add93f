import { RelsealError } from '../errors.js'
import { checkFetchUrl, expectOk, fetchPinned, MAX_API_JSON_BYTES, type PinnedRequest } from '../net/index.js'
import type { SourceOptions } from './manifest-source.js'

/** `github:<owner>/<repo>@<tag>` (tag `latest`: the latest release). */
export const GITHUB_SOURCE = /^github:([A-Za-z0-9][A-Za-z0-9-]{0,38})\/([A-Za-z0-9._-]{1,100})@(.+)$/
const DEFAULT_API = 'https://api.github.com'

/** A release as the GitHub API lists it, and how to download one of its assets. */
export interface GitHubRelease {
  /** `the <tag> release of <owner>/<repo>`, for messages. */
  what: string
  /** The release's assets as listed (untrusted: every field is checked where it is used). */
  assets: { name: unknown; url: unknown }[]
  /**
   * The request for an asset `name` listed at `url`: through the API with the token, which
   * redirects to GitHub's storage host (fetchPinned drops the token there). An asset listed on
   * another host than the API is refused.
   */
  assetRequest(name: string, url: unknown): Omit<PinnedRequest, 'maxBytes'>
}

/** Looks up release `tag` (or `latest`) of `owner/repo` through the GitHub API of `o.apiUrl`. */
export async function fetchGitHubRelease(
  owner: string,
  repo: string,
  tag: string,
  o: SourceOptions,
): Promise<GitHubRelease> {
  // Checked before anything is sent: the token must never travel over plain http off this machine.
  const api = checkFetchUrl(o.apiUrl ?? DEFAULT_API, '--api-url (GITHUB_API_URL)')
  const base = api.href.replace(/\/+$/, '')
  const headers = {
    accept: 'application/vnd.github+json',
    'x-github-api-version': '2022-11-28',
    'user-agent': 'relseal',
  }
  const common = { token: o.token, ...(o.deadlineMs ? { deadlineMs: o.deadlineMs } : {}) }
  const route = tag === 'latest' ? 'releases/latest' : `releases/tags/${encodeURIComponent(tag)}`
  const what = `the ${tag} release of ${owner}/${repo}`
  const res = await fetchPinned({
    ...common,
    url: `${base}/repos/${owner}/${repo}/${route}`,
    what,
    headers,
    maxBytes: MAX_API_JSON_BYTES,
  })
  let release: unknown
  try {
    release = JSON.parse(expectOk(res, what).body.toString('utf8'))
  } catch (e) {
    if (e instanceof RelsealError) throw e
    throw new RelsealError('E_NETWORK', `${what}: the GitHub API answered with something that is not JSON`, {
      cause: e,
    })
  }
  const assets = (release as { assets?: unknown } | null)?.assets
  return {
    what,
    // Anything but an object in the list (a hostile or broken answer) is no asset.
    assets: Array.isArray(assets)
      ? (assets as unknown[]).filter(
          (a): a is { name: unknown; url: unknown } => typeof a === 'object' && a !== null,
        )
      : [],
    assetRequest(name, url) {
      let assetUrl: URL | undefined
      try {
        assetUrl = typeof url === 'string' ? new URL(url) : undefined
      } catch {
        assetUrl = undefined
      }
      if (assetUrl?.origin !== api.origin)
        throw new RelsealError('E_BAD_INPUT', `${what} lists its ${name} on another host; refused`)
      return {
        ...common,
        url: assetUrl.href,
        what: `${name} of ${what}`,
        headers: { ...headers, accept: 'application/octet-stream' },
        assetRedirects: true,
        ...(o.assetHosts ? { assetHosts: o.assetHosts } : {}),
      }
    },
  }
}
