import { RelsealError } from '../errors.js'
import { MANIFEST_ASSET, MAX_MANIFEST_BYTES, readManifestFile } from '../manifest/index.js'

export interface SourceOptions {
  /** GitHub REST API base (default https://api.github.com). */
  apiUrl?: string
  /** Optional token for the GitHub API; sent only to apiUrl and never logged. */
  token?: string
}

const GITHUB_SOURCE = /^github:([A-Za-z0-9][A-Za-z0-9-]{0,38})\/([A-Za-z0-9._-]{1,100})@(.+)$/

async function boundedBody(res: Response, what: string): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? '0')
  if (declared > MAX_MANIFEST_BYTES) throw tooLarge(what)
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = res.body?.getReader()
  while (reader) {
    const r = (await reader.read()) as { done: boolean; value?: Uint8Array }
    if (r.done || r.value === undefined) break
    size += r.value.length
    if (size > MAX_MANIFEST_BYTES) {
      await reader.cancel()
      throw tooLarge(what)
    }
    chunks.push(r.value)
  }
  return Buffer.concat(chunks)
}

function tooLarge(what: string): RelsealError {
  return new RelsealError(
    'E_TOO_LARGE',
    `${what} is larger than ${MAX_MANIFEST_BYTES} bytes; it is not a relseal manifest`,
  )
}

async function get(url: string, headers: Record<string, string>, what: string): Promise<Response> {
  let res: Response
  try {
    res = await fetch(url, { headers, redirect: 'follow', signal: AbortSignal.timeout(30_000) })
  } catch (e) {
    throw new RelsealError(
      'E_NETWORK',
      `cannot reach ${new URL(url).origin} for ${what}: ${(e as Error).message}`,
      { cause: e },
    )
  }
  if (!res.ok) {
    const hint =
      res.status === 404
        ? 'check the repository, tag and asset name'
        : res.status === 401 || res.status === 403
          ? 'check GITHUB_TOKEN'
          : 'try again later'
    throw new RelsealError('E_NETWORK', `${what}: HTTP ${res.status} from ${new URL(url).origin}; ${hint}`)
  }
  return res
}

async function fromGitHub(owner: string, repo: string, tag: string, o: SourceOptions): Promise<Uint8Array> {
  const api = (o.apiUrl ?? 'https://api.github.com').replace(/\/$/, '')
  const headers: Record<string, string> = {
    accept: 'application/vnd.github+json',
    'x-github-api-version': '2022-11-28',
    'user-agent': 'relseal',
  }
  if (o.token) headers.authorization = `Bearer ${o.token}`
  const route = tag === 'latest' ? 'releases/latest' : `releases/tags/${encodeURIComponent(tag)}`
  const what = `the ${tag} release of ${owner}/${repo}`
  const release = (await (await get(`${api}/repos/${owner}/${repo}/${route}`, headers, what)).json()) as {
    assets?: { name: string; url: string }[]
  }
  const asset = release.assets?.find((a) => a.name === MANIFEST_ASSET)
  if (!asset)
    throw new RelsealError(
      'E_UNSIGNED',
      `${what} has no ${MANIFEST_ASSET} asset: the release is unsigned, and is refused`,
    )
  // The asset API answers with a redirect to the download host; the token must not follow it there.
  const assetUrl = new URL(asset.url)
  if (assetUrl.origin !== new URL(api).origin)
    throw new RelsealError('E_BAD_INPUT', `${what} lists its manifest on another host`)
  const res = await get(
    asset.url,
    { ...headers, accept: 'application/octet-stream' },
    `${MANIFEST_ASSET} of ${what}`,
  )
  return boundedBody(res, `${MANIFEST_ASSET} of ${what}`)
}

/**
 * Loads manifest bytes from a file path, an http(s) URL, or `github:OWNER/REPO@TAG` /
 * `github:OWNER/REPO@latest` (the release's release_manifest.json asset). Reads are bounded.
 */
export async function loadManifestSource(src: string, o: SourceOptions = {}): Promise<Uint8Array> {
  const gh = GITHUB_SOURCE.exec(src)
  if (gh) return fromGitHub(gh[1]!, gh[2]!, gh[3]!, o)
  if (src.startsWith('github:'))
    throw new RelsealError('E_USAGE', `${src} is not github:OWNER/REPO@TAG or github:OWNER/REPO@latest`)
  if (/^https?:\/\//.test(src)) return boundedBody(await get(src, { 'user-agent': 'relseal' }, src), src)
  return readManifestFile(src)
}
