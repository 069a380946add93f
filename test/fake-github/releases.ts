import { assetJson, locked } from './assets.js'
import {
  invalid,
  notFound,
  paged,
  refused,
  type FakeRequest,
  type FakeResponse,
  type Route,
} from './responses.js'
import type { FakeRelease, FakeState } from './state.js'

/**
 * A tag an immutable release was published with cannot be used by any other release, even after that
 * release is deleted ("you cannot reuse the same tag name", Immutable releases).
 */
const tagUsedByImmutable = (): FakeResponse => ({
  status: 422,
  body: {
    message: 'Validation Failed',
    errors: [
      {
        resource: 'Release',
        code: 'custom',
        field: 'tag_name',
        message: 'tag_name was used by an immutable release',
      },
    ],
    documentation_url: 'https://docs.github.com/rest/releases/releases#create-a-release',
    status: '422',
  },
})

function releaseJson(r: FakeRelease, q: FakeRequest, repo: string): Record<string, unknown> {
  return {
    url: `${q.api}/repos/${repo}/releases/${r.id}`,
    html_url: `https://github.com/${repo}/releases/tag/${r.tag_name}`,
    assets_url: `${q.api}/repos/${repo}/releases/${r.id}/assets`,
    upload_url: `${q.uploads}/repos/${repo}/releases/${r.id}/assets{?name,label}`,
    id: r.id,
    node_id: `RE_${r.id}`,
    tag_name: r.tag_name,
    target_commitish: r.target_commitish,
    name: r.name,
    body: r.body,
    draft: r.draft,
    prerelease: r.prerelease,
    immutable: r.immutable ?? false,
    created_at: '2026-01-01T00:00:00Z',
    published_at: r.draft ? null : '2026-01-01T00:00:00Z',
    author: { login: 'github-actions[bot]', id: 41898282 },
    assets: r.assets.map((a) => assetJson(a, q, repo)),
    tarball_url: null,
    zipball_url: null,
  }
}

/** The published release of a tag other than `except` (a tag has at most one; drafts may share it). */
const publishedWithTag = (s: FakeState, tag: string | undefined, except?: FakeRelease) =>
  s.releases.find((x) => x.tag_name === tag && !x.draft && x !== except)

/**
 * Publishes `r`: GitHub creates its tag at its target when the tag does not exist yet; with the
 * immutable-releases setting on, the release becomes immutable and its tag is spent for good; it
 * becomes latest unless make_latest is "false" (update-release: "Defaults to true for newly
 * published releases"; "Drafts and prereleases cannot be set as latest").
 */
function publish(s: FakeState, r: FakeRelease, makeLatest: string | undefined): void {
  r.draft = false
  const ref = `refs/tags/${r.tag_name}`
  if (!s.refs.has(ref) && /^[0-9a-f]{40}$/.test(r.target_commitish)) s.refs.set(ref, r.target_commitish)
  if (s.settings.immutableReleases) {
    r.immutable = true
    s.immutableTags.add(r.tag_name)
  }
  if (!r.prerelease && makeLatest !== 'false') s.latestId = r.id
}

type ReleaseBody = Partial<
  Record<'tag_name' | 'target_commitish' | 'name' | 'body' | 'make_latest', string>
> & {
  draft?: boolean
  prerelease?: boolean
}

/** Releases: create, get, update (publish), by tag, latest, list. */
export const RELEASE_ROUTES: Route[] = [
  {
    method: 'PATCH',
    pattern: /^\/repos\/([^/]+\/[^/]+)\/releases\/(\d+)$/,
    write: true,
    handle: (s, q, [repo, id]) => {
      const r = s.releases.find((x) => x.id === Number(id))
      if (!r) return notFound()
      const b = JSON.parse(q.body.toString('utf8') || '{}') as ReleaseBody
      const tag = b.tag_name ?? r.tag_name
      // "Only the assets and tag are locked": notes, title, prerelease and latest stay editable.
      if (locked(r) && tag !== r.tag_name) return tagUsedByImmutable()
      if (b.draft === true && !r.draft) return refused('Cannot change a published release back to a draft.')
      const publishing = r.draft && b.draft === false
      if ((publishing || !r.draft) && publishedWithTag(s, tag, r))
        return invalid('Release', 'tag_name', 'already_exists')
      if ((publishing || tag !== r.tag_name) && s.immutableTags.has(tag) && !locked(r))
        return tagUsedByImmutable()
      for (const k of ['tag_name', 'target_commitish', 'name', 'body'] as const)
        if (b[k] !== undefined) r[k] = b[k]
      if (b.prerelease !== undefined) r.prerelease = b.prerelease
      if (publishing) publish(s, r, b.make_latest)
      else if (!r.draft && !r.prerelease && b.make_latest === 'true') s.latestId = r.id
      return { status: 200, body: releaseJson(r, q, repo!) }
    },
  },
  {
    method: 'GET',
    pattern: /^\/repos\/([^/]+\/[^/]+)\/releases\/(\d+)$/,
    handle: (s, q, [repo, id]) => {
      const r = s.releases.find((x) => x.id === Number(id))
      return r ? { status: 200, body: releaseJson(r, q, repo!) } : notFound()
    },
  },
  {
    method: 'GET',
    pattern: /^\/repos\/([^/]+\/[^/]+)\/releases\/tags\/(.+)$/,
    // get-release-by-tag: "Get a published release with the specified tag": drafts are not found.
    handle: (s, q, [repo, tag]) => {
      const r = s.releases.find((x) => x.tag_name === decodeURIComponent(tag!) && !x.draft)
      return r ? { status: 200, body: releaseJson(r, q, repo!) } : notFound()
    },
  },
  {
    method: 'GET',
    pattern: /^\/repos\/([^/]+\/[^/]+)\/releases\/latest$/,
    handle: (s, q, [repo]) => {
      const marked = s.releases.find((x) => x.id === s.latestId && !x.draft && !x.prerelease)
      const r = marked ?? s.releases.filter((x) => !x.draft && !x.prerelease).at(-1)
      return r ? { status: 200, body: releaseJson(r, q, repo!) } : notFound()
    },
  },
  {
    method: 'GET',
    pattern: /^\/repos\/([^/]+\/[^/]+)\/releases$/,
    // Newest first, drafts included for a token with push access, and no further than the first
    // 1,000: past them GitHub answers 422 "Only the first 1000 results are available."
    // (documented at the list-releases documentation_url it sends; iree-org/iree#16506).
    handle: (s, q, [repo]) =>
      paged(
        [...s.releases].reverse().map((r) => releaseJson(r, q, repo!)),
        q,
        1000,
      ),
  },
  {
    method: 'POST',
    pattern: /^\/repos\/([^/]+\/[^/]+)\/releases$/,
    write: true,
    handle: (s, q, [repo]) => {
      const b = JSON.parse(q.body.toString('utf8') || '{}') as ReleaseBody
      if (s.immutableTags.has(b.tag_name ?? '')) return tagUsedByImmutable()
      // One published release per tag; several drafts may share a tag, "unlike normal releases"
      // (ncipollo/release-action#7; github/developer.github.com#784: drafts are found by listing).
      if (publishedWithTag(s, b.tag_name)) return invalid('Release', 'tag_name', 'already_exists')
      const r: FakeRelease = {
        id: s.nextId++,
        tag_name: b.tag_name ?? '',
        target_commitish: b.target_commitish ?? 'main',
        name: b.name ?? b.tag_name ?? '',
        body: b.body ?? '',
        draft: true,
        prerelease: Boolean(b.prerelease),
        immutable: false,
        assets: [],
      }
      s.releases.push(r)
      if (!b.draft) publish(s, r, b.make_latest)
      return { status: 201, body: releaseJson(r, q, repo!) }
    },
  },
]
