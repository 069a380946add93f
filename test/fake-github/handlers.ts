import { ASSET_ROUTES } from './assets.js'
import { RELEASE_ROUTES } from './releases.js'
import { invalid, notFound, paged, type FakeRequest, type Route } from './responses.js'
import type { FakeState } from './state.js'

export { handleDownload, handleUpload, leaveStarter, storedName } from './assets.js'
export type { FakeRequest, FakeResponse } from './responses.js'

function objectJson(s: FakeState, sha: string, q: FakeRequest, repo: string): Record<string, string> {
  const type = s.tagObjects.has(sha) ? 'tag' : 'commit'
  return { type, sha, url: `${q.api}/repos/${repo}/git/${type}s/${sha}` }
}

function refJson(
  s: FakeState,
  ref: string,
  sha: string,
  q: FakeRequest,
  repo: string,
): Record<string, unknown> {
  return {
    ref,
    node_id: `REF_${ref}`,
    url: `${q.api}/repos/${repo}/git/${ref}`,
    object: objectJson(s, sha, q, repo),
  }
}

/** Git refs and tag objects, and the repository itself. */
const GIT_ROUTES: Route[] = [
  {
    method: 'GET',
    pattern: /^\/repos\/([^/]+\/[^/]+)\/git\/ref\/(.+)$/,
    handle: (s, q, [repo, ref]) => {
      // Octokit sends the ref's slash encoded (tags%2Fv1.0.0); GitHub accepts both.
      const name = `refs/${decodeURIComponent(ref!)}`
      const sha = s.refs.get(name)
      return sha ? { status: 200, body: refJson(s, name, sha, q, repo!) } : notFound()
    },
  },
  {
    method: 'GET',
    pattern: /^\/repos\/([^/]+\/[^/]+)\/git\/tags\/([0-9a-f]{40})$/,
    handle: (s, q, [repo, sha]) => {
      const t = s.tagObjects.get(sha!)
      if (!t) return notFound()
      return {
        status: 200,
        body: {
          node_id: `TAG_${sha}`,
          tag: t.tag,
          sha,
          url: `${q.api}/repos/${repo}/git/tags/${sha}`,
          message: `Release ${t.tag}`,
          tagger: { name: 'Maintainer', email: 'maintainer@acme.example', date: '2026-01-01T00:00:00Z' },
          object: objectJson(s, t.object, q, repo!),
          verification: {
            verified: false,
            reason: 'unsigned',
            signature: null,
            payload: null,
            verified_at: null,
          },
        },
      }
    },
  },
  {
    method: 'GET',
    pattern: /^\/repos\/([^/]+\/[^/]+)\/git\/matching-refs\/(.+)$/,
    handle: (s, q, [repo, prefix]) =>
      paged(
        [...s.refs]
          .filter(([r]) => r.startsWith(`refs/${decodeURIComponent(prefix!)}`))
          .map(([r, sha]) => refJson(s, r, sha, q, repo!)),
        q,
      ),
  },
  {
    method: 'POST',
    pattern: /^\/repos\/([^/]+\/[^/]+)\/git\/refs$/,
    write: true,
    handle: (s, q, [repo]) => {
      const b = JSON.parse(q.body.toString('utf8') || '{}') as { ref?: string; sha?: string }
      if (!b.ref || !b.sha) return invalid('Reference', 'ref', 'missing_field')
      if (s.refs.has(b.ref))
        return {
          status: 422,
          body: {
            message: 'Reference already exists',
            documentation_url: 'https://docs.github.com/rest',
            status: '422',
          },
        }
      s.refs.set(b.ref, b.sha)
      return { status: 201, body: refJson(s, b.ref, b.sha, q, repo!) }
    },
  },
  {
    method: 'GET',
    pattern: /^\/repos\/([^/]+\/[^/]+)$/,
    handle: (s, q, [repo]) => ({
      status: 200,
      body: { id: 1, full_name: repo, default_branch: 'main', private: false },
    }),
  },
]

/** Every API-host route; each pattern is anchored, so their order does not matter. */
export const ROUTES: Route[] = [...RELEASE_ROUTES, ...ASSET_ROUTES, ...GIT_ROUTES]
