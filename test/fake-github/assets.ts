import { createHash } from 'node:crypto'
import {
  invalid,
  notFound,
  paged,
  refused,
  type FakeRequest,
  type FakeResponse,
  type Route,
} from './responses.js'
import type { FakeAsset, FakeRelease, FakeState } from './state.js'

/**
 * GitHub, "Immutable releases": once published, "Release assets cannot be modified or deleted" and
 * assets cannot be added: an upload answers 422 "Cannot upload assets to an immutable release."
 * (the text users report, e.g. voidzero-dev/vite-plus#1558, rubyists/linear-cli-ex#18). The text
 * for a delete or rename is not documented; the fake answers the same way.
 * https://docs.github.com/en/code-security/concepts/supply-chain-security/immutable-releases
 */
export const locked = (r: FakeRelease) => !r.draft && r.immutable === true
const immutableAssets = (what: string) => refused(`Cannot ${what} assets of an immutable release.`)

export function assetJson(a: FakeAsset, q: FakeRequest, repo: string): Record<string, unknown> {
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

export const findAsset = (s: FakeState, id: number) => {
  for (const r of s.releases) {
    const a = r.assets.find((x) => x.id === id)
    if (a) return { r, a }
  }
  return undefined
}

/** Release assets: list, get (a redirect to storage for the bytes), rename, delete. */
export const ASSET_ROUTES: Route[] = [
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
