/**
 * Where a signed artifact's bytes come from, and the download itself: streamed through SHA-256
 * into a file the caller opened, never past the signed size (issue 17, item 1).
 */
import { createHash } from 'node:crypto'
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { RelsealError } from '../errors.js'
import type { ManifestArtifact, ManifestPayload } from '../manifest/index.js'
import { expectOk, fetchPinned } from '../net/index.js'
import { escapeUntrusted } from '../text/escape.js'
import { fetchGitHubRelease, GITHUB_SOURCE } from './github-release.js'
import type { SourceOptions } from './manifest-source.js'

const URL_SOURCE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//
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
    const release = await fetchGitHubRelease(gh[1]!, gh[2]!, payload.tag, o)
    const asset = release.assets.find((a) => a.name === entry.name)
    if (typeof asset?.url !== 'string')
      throw new RelsealError(
        'E_NOT_FOUND',
        `${release.what} has no asset named "${escapeUntrusted(entry.name)}" although its signed manifest lists it; ask the publisher to upload it`,
      )
    const res = await fetchPinned({
      ...release.assetRequest(escapeUntrusted(entry.name), asset.url),
      what,
      maxBytes: entry.size,
      deadlineMs,
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
