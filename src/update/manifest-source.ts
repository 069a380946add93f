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
import { expectOk, fetchPinned } from '../net/index.js'
import { fetchGitHubRelease, GITHUB_SOURCE } from './github-release.js'
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
  const release = await fetchGitHubRelease(owner, repo, tag, o)
  const { assets, what } = release
  const download = async (name: string, url: unknown, maxBytes: number): Promise<Uint8Array> => {
    const request = release.assetRequest(name, url)
    return expectOk(await fetchPinned({ ...request, maxBytes }), request.what).body
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
