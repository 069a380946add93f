/**
 * Where a signed artifact's bytes come from, and the download itself: streamed through SHA-256
 * into a file the caller opened, never past the signed size (issue 17, item 1).
 */
import { createHash } from 'node:crypto'
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { RelsealError } from '../errors.js'
import type { ManifestArtifact, ManifestPayload } from '../manifest/index.js'
import { checkFetchUrl, expectOk, fetchPinned, MAX_API_JSON_BYTES } from '../net/index.js'
import { escapeUntrusted } from '../text/escape.js'
import type { SourceOptions } from './manifest-source.js'

const GITHUB_SOURCE = /^github:([A-Za-z0-9][A-Za-z0-9-]{0,38})\/([A-Za-z0-9._-]{1,100})@(.+)$/
const URL_SOURCE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//
const DEFAULT_API = 'https://api.github.com'
const CHUNK_BYTES = 1024 * 1024
/** An artifact download may take this long in all unless told otherwise (large binaries). */
export const DEFAULT_ARTIFACT_DEADLINE_MS = 300_000

/** What the bytes that arrived hash to. */
export interface Downloaded {
  size: number
  sha256: string
}

/** The signed entry for `name`, or E_NOT_FOUND naming the artifacts the manifest does list. */
export function signedArtifact(payload: ManifestPayload, name: string): ManifestArtifact {
  const entry = payload.artifacts.find((a) => a.name === name)
  if (entry) return entry
  const listed = payload.artifacts.map((a) => escapeUntrusted(a.name)).join(', ') || 'none'
  throw new RelsealError(
    'E_NOT_FOUND',
    `the signed manifest for ${payload.version} lists no artifact named "${escapeUntrusted(name)}" ` +
      `(it lists: ${listed}); pass one of those to --artifact`,
  )
}

/** Refuses unless what arrived is exactly the signed entry: size first, then SHA-256. */
export function verifyDownloaded(got: Downloaded, want: ManifestArtifact, version: string): void {
  if (got.size !== want.size || got.sha256 !== want.sha256)
    throw new RelsealError(
      'E_TREE_MISMATCH',
      `artifact ${escapeUntrusted(want.name)} arrived as ${got.size} bytes with sha256 ${got.sha256}, but the manifest for ` +
        `${version} signs ${want.size} bytes with sha256 ${want.sha256}; it was refused and nothing was installed: ` +
        'download it again, or ask the publisher to re-upload it',
    )
}

function hashingWriter(
  fd: number,
  onChunk?: () => void,
): { write: (chunk: Buffer) => void; done: () => Downloaded } {
  const hash = createHash('sha256')
  let size = 0
  return {
    write: (chunk) => {
      hash.update(chunk)
      size += chunk.length
      for (let off = 0; off < chunk.length;) off += writeSync(fd, chunk, off)
      onChunk?.()
    },
    done: () => ({ size, sha256: hash.digest('hex') }),
  }
}

/** The file of that name beside a local manifest: read once, at most `maxBytes` (+1 to notice more). */
function copyLocal(path: string, maxBytes: number, w: ReturnType<typeof hashingWriter>): void {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (e) {
    throw new RelsealError(
      'E_NOT_FOUND',
      `the artifact ${path} (beside the manifest) cannot be opened: ${(e as Error).message}`,
      { cause: e },
    )
  }
  try {
    if (!fstatSync(fd).isFile())
      throw new RelsealError('E_NOT_FOUND', `the artifact ${path} is not a regular file`)
    const buf = Buffer.allocUnsafe(CHUNK_BYTES)
    let total = 0
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null)
      if (n === 0) return
      total += n
      // One byte past the signed size is enough to know it is the wrong file: stop reading there.
      if (total > maxBytes) return w.write(buf.subarray(0, n - (total - maxBytes - 1)))
      w.write(buf.subarray(0, n))
    }
  } finally {
    closeSync(fd)
  }
}

async function githubAssetUrl(
  owner: string,
  repo: string,
  tag: string,
  name: string,
  o: SourceOptions,
): Promise<{ url: string; api: URL; headers: Record<string, string> }> {
  const api = checkFetchUrl(o.apiUrl ?? DEFAULT_API, '--api-url (GITHUB_API_URL)')
  const base = api.href.replace(/\/+$/, '')
  const headers = {
    accept: 'application/vnd.github+json',
    'x-github-api-version': '2022-11-28',
    'user-agent': 'relseal',
  }
  const what = `the ${tag} release of ${owner}/${repo}`
  const res = await fetchPinned({
    url: `${base}/repos/${owner}/${repo}/releases/tags/${encodeURIComponent(tag)}`,
    what,
    maxBytes: MAX_API_JSON_BYTES,
    headers,
    token: o.token,
    ...(o.deadlineMs ? { deadlineMs: o.deadlineMs } : {}),
  })
  let assets: unknown
  try {
    assets = (JSON.parse(expectOk(res, what).body.toString('utf8')) as { assets?: unknown } | null)?.assets
  } catch (e) {
    if (e instanceof RelsealError) throw e
    throw new RelsealError('E_NETWORK', `${what}: the GitHub API answered with something that is not JSON`, {
      cause: e,
    })
  }
  const asset = Array.isArray(assets)
    ? (assets as { name?: unknown; url?: unknown }[]).find((a) => a?.name === name)
    : undefined
  if (typeof asset?.url !== 'string')
    throw new RelsealError(
      'E_NOT_FOUND',
      `${what} has no asset named "${escapeUntrusted(name)}" although its signed manifest lists it; ask the publisher to upload it`,
    )
  let url: URL | undefined
  try {
    url = new URL(asset.url)
  } catch {
    url = undefined
  }
  if (url?.origin !== api.origin)
    throw new RelsealError(
      'E_BAD_INPUT',
      `${what} lists its ${escapeUntrusted(name)} on another host; refused`,
    )
  return { url: url.href, api, headers: { ...headers, accept: 'application/octet-stream' } }
}

/**
 * Downloads the signed artifact `entry` of the release `payload` from where the manifest came
 * from (`github:` release asset of the signed tag, the URL beside an https manifest, the file
 * beside a local one), writing it to `fd` while hashing. More bytes than the signed size stop
 * the download (E_TOO_LARGE); the caller compares the result with verifyDownloaded.
 */
export async function downloadArtifact(
  manifestSource: string,
  payload: ManifestPayload,
  entry: ManifestArtifact,
  fd: number,
  o: SourceOptions = {},
  onChunk?: () => void,
): Promise<Downloaded> {
  const w = hashingWriter(fd, onChunk)
  const deadlineMs = o.deadlineMs ?? DEFAULT_ARTIFACT_DEADLINE_MS
  const what = `artifact ${escapeUntrusted(entry.name)} of ${payload.version}`
  const gh = GITHUB_SOURCE.exec(manifestSource)
  if (gh) {
    // The signed tag, not "latest": a release published meanwhile cannot slip in its asset.
    const a = await githubAssetUrl(gh[1]!, gh[2]!, payload.tag, entry.name, o)
    const res = await fetchPinned({
      url: a.url,
      what,
      headers: a.headers,
      token: o.token,
      maxBytes: entry.size,
      deadlineMs,
      assetRedirects: true,
      ...(o.assetHosts ? { assetHosts: o.assetHosts } : {}),
      sink: w.write,
    })
    expectOk(res, what)
  } else if (URL_SOURCE.test(manifestSource)) {
    const url = new URL(encodeURIComponent(entry.name), manifestSource).href
    const res = await fetchPinned({
      url,
      what,
      headers: { 'user-agent': 'relseal' },
      maxBytes: entry.size,
      deadlineMs,
      sink: w.write,
    })
    expectOk(res, what)
  } else {
    copyLocal(join(dirname(manifestSource), entry.name), entry.size, w)
  }
  return w.done()
}
