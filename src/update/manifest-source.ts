import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { RelsealError } from '../errors.js'
import {
  MANIFEST_ASSET,
  MAX_MANIFEST_BYTES,
  MAX_WITHDRAWAL_BYTES,
  readManifestFile,
  WITHDRAWAL_ASSET,
} from '../manifest/index.js'
import { checkFetchUrl, expectOk, fetchPinned, MAX_API_JSON_BYTES } from '../net/index.js'
import {
  MAX_ROOT_STEPS,
  MAX_TRUST_ROOT_BYTES,
  readTrustRootFile,
  trustRootName,
} from '../trust/trust-root.js'
import { withdrawalBeside } from './withdrawal-source.js'

export interface SourceOptions {
  /** GitHub REST API base (default https://api.github.com); https, or http to loopback only. */
  apiUrl?: string
  /** Optional token for the GitHub API; sent only to apiUrl's origin and never logged. */
  token?: string
  /** Milliseconds each download may take in all (default 30 s). */
  deadlineMs?: number
  /** Replaces GitHub's asset hosts as redirect targets for the asset download (tests). */
  assetHosts?: readonly string[]
}

const GITHUB_SOURCE = /^github:([A-Za-z0-9][A-Za-z0-9-]{0,38})\/([A-Za-z0-9._-]{1,100})@(.+)$/
const DEFAULT_API = 'https://api.github.com'

function parseRelease(body: Buffer, what: string): { name: unknown; url: unknown }[] {
  let release: unknown
  try {
    release = JSON.parse(body.toString('utf8'))
  } catch (e) {
    throw new RelsealError('E_NETWORK', `${what}: the GitHub API answered with something that is not JSON`, {
      cause: e,
    })
  }
  const assets = (release as { assets?: unknown } | null)?.assets
  return Array.isArray(assets) ? (assets as { name: unknown; url: unknown }[]) : []
}

export { trustRootName }

/** What a source holds: the manifest, and any trust roots newer than the one asked about, in order. */
export interface LoadedSource {
  manifest: Uint8Array
  /** trust-root.<N+1>.json, trust-root.<N+2>.json, … as found (consecutive), unverified. */
  untrustedRoots: Uint8Array[]
  /** release_withdrawn.json published with the manifest, unverified (withdrawal-source.ts). */
  untrustedWithdrawal?: Uint8Array
}

async function fromGitHub(
  owner: string,
  repo: string,
  tag: string,
  o: SourceOptions,
  rootsAfter: number | undefined,
): Promise<LoadedSource> {
  // Checked before anything is sent: the token must never travel over plain http off this machine.
  const api = checkFetchUrl(o.apiUrl ?? DEFAULT_API, '--api-url (GITHUB_API_URL)')
  const base = api.href.replace(/\/+$/, '')
  const headers = {
    accept: 'application/vnd.github+json',
    'x-github-api-version': '2022-11-28',
    'user-agent': 'relseal',
  }
  const common = { token: o.token, headers, ...(o.deadlineMs ? { deadlineMs: o.deadlineMs } : {}) }
  const route = tag === 'latest' ? 'releases/latest' : `releases/tags/${encodeURIComponent(tag)}`
  const what = `the ${tag} release of ${owner}/${repo}`
  const res = await fetchPinned({
    ...common,
    url: `${base}/repos/${owner}/${repo}/${route}`,
    what,
    maxBytes: MAX_API_JSON_BYTES,
  })
  const assets = parseRelease(expectOk(res, what).body, what)
  // The asset is fetched through the API (with the token), which redirects to GitHub's storage
  // host; fetchPinned drops the token there.
  const download = async (name: string, url: unknown, maxBytes: number): Promise<Uint8Array> => {
    let assetUrl: URL | undefined
    try {
      assetUrl = typeof url === 'string' ? new URL(url) : undefined
    } catch {
      assetUrl = undefined
    }
    if (assetUrl?.origin !== api.origin)
      throw new RelsealError('E_BAD_INPUT', `${what} lists its ${name} on another host; refused`)
    const assetWhat = `${name} of ${what}`
    const got = await fetchPinned({
      ...common,
      url: assetUrl.href,
      what: assetWhat,
      headers: { ...headers, accept: 'application/octet-stream' },
      maxBytes,
      assetRedirects: true,
      ...(o.assetHosts ? { assetHosts: o.assetHosts } : {}),
    })
    return expectOk(got, assetWhat).body
  }
  const asset = assets.find((a) => a.name === MANIFEST_ASSET)
  if (!asset || typeof asset.url !== 'string')
    throw new RelsealError(
      'E_UNSIGNED',
      `${what} has no ${MANIFEST_ASSET} asset: the release is unsigned, and is refused`,
    )
  const manifest = await download(MANIFEST_ASSET, asset.url, MAX_MANIFEST_BYTES)
  const untrustedRoots: Uint8Array[] = []
  if (rootsAfter !== undefined) {
    for (let n = rootsAfter + 1; untrustedRoots.length <= MAX_ROOT_STEPS; n++) {
      const root = assets.find((a) => a.name === trustRootName(n))
      if (root === undefined) break
      untrustedRoots.push(await download(trustRootName(n), root.url, MAX_TRUST_ROOT_BYTES))
    }
  }
  const withdrawal = assets.find((a) => a.name === WITHDRAWAL_ASSET)
  return {
    manifest,
    untrustedRoots,
    ...(withdrawal
      ? { untrustedWithdrawal: await download(WITHDRAWAL_ASSET, withdrawal.url, MAX_WITHDRAWAL_BYTES) }
      : {}),
  }
}

/** trust-root.<N>.json files beside a local manifest file, from N = after + 1 while they exist. */
async function rootsBeside(manifestPath: string, after: number): Promise<Uint8Array[]> {
  const roots: Uint8Array[] = []
  for (let n = after + 1; roots.length <= MAX_ROOT_STEPS; n++) {
    const path = join(dirname(manifestPath), trustRootName(n))
    if (!existsSync(path)) break
    roots.push(await readTrustRootFile(path))
  }
  return roots
}

/**
 * Loads a manifest (as loadManifestSource) and, when `rootsAfter` is a trust root version, the
 * newer trust roots published with it: `trust-root.<N>.json` beside a local manifest file, or
 * release assets of that name for github: sources (same caps and deadlines as the manifest). An
 * https URL source carries no trust roots. At most MAX_ROOT_STEPS + 1 are returned, so a caller
 * refuses an endless series instead of following it.
 */
export async function loadSource(
  src: string,
  o: SourceOptions = {},
  rootsAfter?: number,
): Promise<LoadedSource> {
  const gh = GITHUB_SOURCE.exec(src)
  if (gh) return fromGitHub(gh[1]!, gh[2]!, gh[3]!, o, rootsAfter)
  const manifest = await loadManifestSource(src, o)
  const isFile = !src.startsWith('github:') && !/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(src)
  const withdrawal = await withdrawalBeside(src, !isFile, o.deadlineMs)
  return {
    manifest,
    untrustedRoots: isFile && rootsAfter !== undefined ? await rootsBeside(src, rootsAfter) : [],
    ...(withdrawal ? { untrustedWithdrawal: withdrawal } : {}),
  }
}

/**
 * Loads manifest bytes from a file path, an https URL (http only to loopback), or
 * `github:OWNER/REPO@TAG` / `github:OWNER/REPO@latest` (the release's release_manifest.json
 * asset). Every read is bounded to MAX_MANIFEST_BYTES and every download has a deadline.
 */
export async function loadManifestSource(src: string, o: SourceOptions = {}): Promise<Uint8Array> {
  const gh = GITHUB_SOURCE.exec(src)
  if (gh) return (await fromGitHub(gh[1]!, gh[2]!, gh[3]!, o, undefined)).manifest
  if (src.startsWith('github:'))
    throw new RelsealError('E_USAGE', `${src} is not github:OWNER/REPO@TAG or github:OWNER/REPO@latest`)
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(src)) {
    const what = 'the manifest'
    const res = await fetchPinned({
      url: src,
      what,
      maxBytes: MAX_MANIFEST_BYTES,
      headers: { 'user-agent': 'relseal' },
      ...(o.deadlineMs ? { deadlineMs: o.deadlineMs } : {}),
    })
    return expectOk(res, what).body
  }
  return readManifestFile(src)
}
