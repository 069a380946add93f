import { createHash } from 'node:crypto'
import type { FakeAsset, FakeRelease, FakeState } from './state.js'

export interface FakeRequest {
  method: string
  path: string
  query: URLSearchParams
  headers: Record<string, string | string[] | undefined>
  body: Buffer
  /** Base URLs of the two hosts, to build links as GitHub does. */
  api: string
  uploads: string
  /** The storage host that asset downloads are redirected to. */
  objects: string
}

export interface FakeResponse {
  status: number
  headers?: Record<string, string>
  body?: unknown
}

const notFound = (): FakeResponse => ({
  status: 404,
  body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' },
})

/** A 422 with a plain message, as GitHub answers for immutable releases and the listing limit. */
const refused = (message: string, doc = 'https://docs.github.com/rest'): FakeResponse => ({
  status: 422,
  body: { message, documentation_url: doc, status: '422' },
})

/**
 * GitHub, "Immutable releases": once published, "Release assets cannot be modified or deleted" and
 * assets cannot be added: an upload answers 422 "Cannot upload assets to an immutable release."
 * (the text users report, e.g. voidzero-dev/vite-plus#1558, rubyists/linear-cli-ex#18). The text
 * for a delete or rename is not documented; the fake answers the same way.
 * https://docs.github.com/en/code-security/concepts/supply-chain-security/immutable-releases
 */
const locked = (r: FakeRelease) => !r.draft && r.immutable === true
const immutableAssets = (what: string) => refused(`Cannot ${what} assets of an immutable release.`)

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

const invalid = (resource: string, field: string, code: string): FakeResponse => ({
  status: 422,
  body: {
    message: 'Validation Failed',
    errors: [{ resource, code, field }],
    documentation_url: 'https://docs.github.com/rest',
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

function assetJson(a: FakeAsset, q: FakeRequest, repo: string): Record<string, unknown> {
  return {
    url: `${q.api}/repos/${repo}/releases/assets/${a.id}`,
    browser_download_url: `${q.api}/download/${a.id}/${a.name}`,
    id: a.id,
    node_id: `RA_${a.id}`,
    name: a.name,
    label: null,
    state: a.state ?? 'uploaded',
    content_type: a.content_type,
    size: a.data.length,
    // GitHub reports each asset's SHA-256 as `digest` (null until it has one, e.g. a starter).
    digest:
      (a.state ?? 'uploaded') === 'uploaded'
        ? `sha256:${createHash('sha256').update(a.data).digest('hex')}`
        : null,
    download_count: 0,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    uploader: null,
  }
}

/** Pages a list as GitHub does, with a Link header (rel="next", rel="last"). */
function paged(items: unknown[], q: FakeRequest, maxItems = Infinity): FakeResponse {
  const perPage = Math.min(Number(q.query.get('per_page') ?? 30), 100)
  const page = Number(q.query.get('page') ?? 1)
  if ((page - 1) * perPage >= maxItems)
    return refused(
      `Only the first ${maxItems} results are available.`,
      'https://docs.github.com/rest/releases/releases#list-releases',
    )
  const last = Math.max(1, Math.ceil(items.length / perPage))
  const link = (p: number, rel: string) => {
    const u = new URL(q.api + q.path)
    q.query.forEach((v, k) => u.searchParams.set(k, v))
    u.searchParams.set('page', String(p))
    return `<${u.toString()}>; rel="${rel}"`
  }
  const links = [
    ...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : []),
    ...(page > 1 ? [link(1, 'first'), link(page - 1, 'prev')] : []),
  ]
  return {
    status: 200,
    headers: links.length ? { link: links.join(', ') } : {},
    body: items.slice((page - 1) * perPage, page * perPage),
  }
}

type Route = {
  method: string
  pattern: RegExp
  write?: boolean
  handle: (s: FakeState, q: FakeRequest, m: string[]) => FakeResponse
}

const findAsset = (s: FakeState, id: number) => {
  for (const r of s.releases) {
    const a = r.assets.find((x) => x.id === id)
    if (a) return { r, a }
  }
  return undefined
}

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

export const ROUTES: Route[] = [
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
  {
    method: 'GET',
    pattern: /^\/repos\/([^/]+\/[^/]+)\/releases\/(\d+)\/assets$/,
    handle: (s, q, [repo, id]) => {
      const r = s.releases.find((x) => x.id === Number(id))
      return r
        ? paged(
            r.assets.map((a) => assetJson(a, q, repo!)),
            q,
          )
        : notFound()
    },
  },
  {
    method: 'GET',
    pattern: /^\/repos\/([^/]+\/[^/]+)\/releases\/assets\/(\d+)$/,
    handle: (s, q, [repo, id]) => {
      const found = findAsset(s, Number(id))
      if (!found) return notFound()
      if (q.headers.accept === 'application/octet-stream')
        return { status: 302, headers: { location: `${q.objects}/download/${found.a.id}/${found.a.name}` } }
      return { status: 200, body: assetJson(found.a, q, repo!) }
    },
  },
  {
    method: 'PATCH',
    pattern: /^\/repos\/([^/]+\/[^/]+)\/releases\/assets\/(\d+)$/,
    write: true,
    handle: (s, q, [repo, id]) => {
      const found = findAsset(s, Number(id))
      if (!found) return notFound()
      if (locked(found.r)) return immutableAssets('modify')
      const b = JSON.parse(q.body.toString('utf8') || '{}') as { name?: string }
      const name = b.name === undefined ? undefined : storedName(b.name)
      if (name && found.r.assets.some((a) => a.name === name && a.id !== found.a.id))
        return invalid('ReleaseAsset', 'name', 'already_exists')
      if (name) found.a.name = name
      return { status: 200, body: assetJson(found.a, q, repo!) }
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/repos\/([^/]+\/[^/]+)\/releases\/assets\/(\d+)$/,
    write: true,
    handle: (s, _q, [, id]) => {
      const found = findAsset(s, Number(id))
      if (!found) return notFound()
      if (locked(found.r)) return immutableAssets('delete')
      found.r.assets = found.r.assets.filter((a) => a !== found.a)
      return { status: 204 }
    },
  },
]

/**
 * The name GitHub stores: "GitHub renames asset filenames that have special characters,
 * non-alphanumeric characters, and leading or trailing periods" (upload-release-asset). Users see
 * each such character become "." (actions/upload-release-asset#57); the fake does that, then drops
 * leading and trailing periods.
 */
export function storedName(name: string): string {
  let out = ''
  for (const c of name) out += /[A-Za-z0-9._-]/.test(c) ? c : '.'
  let start = 0
  let end = out.length
  while (start < end && out[start] === '.') start++
  while (end > start && out[end - 1] === '.') end--
  return out.slice(start, end)
}

/** The release an uploads-host request is for, with its repository, or undefined. */
function uploadTarget(s: FakeState, q: FakeRequest): { repo: string; r: FakeRelease } | undefined {
  const m = /^\/repos\/([^/]+\/[^/]+)\/releases\/(\d+)\/assets$/.exec(q.path)
  const r = m ? s.releases.find((x) => x.id === Number(m[2])) : undefined
  return q.method === 'POST' && m && r ? { repo: m[1]!, r } : undefined
}

/** The uploads host: POST /repos/{o}/{r}/releases/{id}/assets?name=… */
export function handleUpload(s: FakeState, q: FakeRequest): FakeResponse {
  const t = uploadTarget(s, q)
  if (!t) return notFound()
  const raw = q.query.get('name')
  if (!raw) return invalid('ReleaseAsset', 'name', 'missing_field')
  if (locked(t.r)) return refused('Cannot upload assets to an immutable release.')
  const name = storedName(raw)
  // "If you upload an asset with the same filename as another uploaded asset, you'll receive an
  // error and must delete the old file before you can re-upload the new asset."
  if (t.r.assets.some((a) => a.name === name)) return invalid('ReleaseAsset', 'name', 'already_exists')
  const a: FakeAsset = {
    id: s.nextId++,
    name,
    data: q.body,
    content_type: String(q.headers['content-type'] ?? 'application/octet-stream'),
    state: 'uploaded',
  }
  t.r.assets.push(a)
  return { status: 201, body: assetJson(a, q, t.repo) }
}

/** What a 502 during an upload may leave: an empty asset of that name in state `starter`. */
export function leaveStarter(s: FakeState, q: FakeRequest): void {
  const t = uploadTarget(s, q)
  const raw = q.query.get('name')
  if (!t || !raw || locked(t.r) || t.r.assets.some((a) => a.name === storedName(raw))) return
  t.r.assets.push({
    id: s.nextId++,
    name: storedName(raw),
    data: Buffer.alloc(0),
    content_type: 'application/octet-stream',
    state: 'starter',
  })
}

/**
 * The storage host behind asset redirects. Its URLs are pre-signed, so, like S3, it refuses a
 * request that also carries an Authorization header: a client must not take the token along.
 */
export function handleDownload(s: FakeState, q: FakeRequest): FakeResponse {
  const m = /^\/download\/(\d+)\//.exec(q.path)
  if (!m) return notFound()
  if (q.headers.authorization !== undefined)
    return {
      status: 400,
      headers: { 'content-type': 'application/xml' },
      body: Buffer.from(
        '<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed</Message></Error>',
      ),
    }
  const found = findAsset(s, Number(m[1]))
  return found
    ? { status: 200, headers: { 'content-type': 'application/octet-stream' }, body: found.a.data }
    : notFound()
}
