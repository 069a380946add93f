import * as core from '@actions/core'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { isRelsealError, REFUSAL_CODES, RelsealError } from '../../../src/errors.js'
import {
  MAX_MANIFEST_BYTES,
  readManifestFile,
  verifyArtifacts,
  verifyManifest,
  verifyTree,
} from '../../../src/manifest/index.js'
import { hashTree } from '../../../src/tree/index.js'
import {
  downloadReleaseAsset,
  getLatestRelease,
  getReleaseByTag,
  listReleaseAssets,
} from '../../github/index.js'
import { actionClient, matchFiles } from '../../common/workspace.js'
import { readInputs, type VerifyInputs } from './inputs.js'
import { runAction } from '../../common/inputs.js'
import { writeSummary, type Check } from './summary.js'

/** release_files.sha256 lists every file of the tree: allow far more than a manifest. */
const MAX_FILES_BYTES = 256 * 1024 * 1024

/** Downloads the manifest (and release_files.sha256 when the release has it) from a release. */
async function fromRelease(i: VerifyInputs, which: string): Promise<{ manifest: string; files?: string }> {
  if (!i.repository)
    throw new RelsealError(
      'E_USAGE',
      'GITHUB_REPOSITORY is not set; manifest: release:… works on GitHub Actions',
    )
  const gh = actionClient(i)
  const release = which === 'latest' ? await getLatestRelease(gh) : await getReleaseByTag(gh, which)
  if (!release)
    throw new RelsealError(
      'E_NOT_FOUND',
      `${i.repository} has no ${which === 'latest' ? 'latest release' : `published release ${which}`}; check the tag, or publish the release first`,
    )
  const assets = await listReleaseAssets(gh, release)
  const dir = join(i.runnerTemp, 'relseal-verify', String(release.id))
  mkdirSync(dir, { recursive: true })
  const out: { manifest: string; files?: string } = { manifest: join(dir, i.manifestName) }
  for (const [name, max] of [
    [i.manifestName, MAX_MANIFEST_BYTES],
    [i.filesName, MAX_FILES_BYTES],
  ] as const) {
    // A starter asset (a failed upload's leftover) is empty: as good as missing.
    const asset = assets.find((a) => a.name === name && (a.state ?? 'uploaded') === 'uploaded')
    if (!asset) {
      if (name === i.manifestName)
        throw new RelsealError(
          'E_UNSIGNED',
          `release ${release.tag_name} has no ${name}: it was never signed; run actions/sign-release for it (or set manifest-name to the name it used)`,
        )
      continue
    }
    if (asset.size > max)
      throw new RelsealError(
        'E_TOO_LARGE',
        `${name} on release ${release.tag_name} is ${asset.size} bytes, over ${max}`,
      )
    writeFileSync(join(dir, name), await downloadReleaseAsset(gh, asset))
    if (name === i.filesName) out.files = join(dir, name)
    core.info(`downloaded ${name} from release ${release.tag_name}`)
  }
  return out
}

/** Verifies the manifest with the trust policy, then the checkout and the artifacts when given. */
export async function verify(i: VerifyInputs): Promise<Record<string, string>> {
  const checks: Check[] = []
  try {
    return await verifySteps(i, checks)
  } catch (e) {
    core.setOutput('verified', 'false')
    if (isRelsealError(e))
      checks.push({
        what: REFUSAL_CODES.has(e.code) ? 'refused' : 'error',
        ok: false,
        detail: `${e.code}: ${e.message}`,
      })
    await writeSummary(checks, undefined)
    throw e
  }
}

async function verifySteps(i: VerifyInputs, checks: Check[]): Promise<Record<string, string>> {
  core.startGroup('Verifying the release manifest')
  const source =
    'path' in i.manifest
      ? { manifest: resolve(i.workspace, i.manifest.path) }
      : await fromRelease(i, i.manifest.release)
  const fromRel = 'release' in i.manifest
  const verified = verifyManifest(await readManifestFile(source.manifest), {
    keys: i.keys,
    threshold: i.threshold,
    enforceExpiry: !i.allowExpired,
    tagPrefix: i.tagPrefix,
    // A manifest taken from this repository's release must be for this repository.
    ...(fromRel ? { repository: i.repository } : {}),
    ...(i.minVersion ? { minVersion: i.minVersion } : {}),
  })
  const p = verified.payload
  checks.push({
    what: 'signature',
    ok: true,
    detail: `${verified.keyIds.length} of ${i.keys.length} trusted key(s) signed (threshold ${i.threshold})`,
  })
  if (p.expires_at)
    checks.push({
      what: 'expiry',
      ok: true,
      detail: i.allowExpired ? `not enforced (expires ${p.expires_at})` : `valid until ${p.expires_at}`,
    })
  if (i.minVersion)
    checks.push({ what: 'minimum version', ok: true, detail: `${p.version} ≥ ${i.minVersion}` })
  core.info(`verified ${p.repository} ${p.tag} (${p.version}) signed by ${verified.keyIds.join(', ')}`)
  core.endGroup()

  if (i.path) {
    core.startGroup(`Re-hashing ${i.path}`)
    const tree = await hashTree({ dir: resolve(i.workspace, i.path) })
    const filesPath = i.files ? resolve(i.workspace, i.files) : source.files
    verifyTree(p, tree, filesPath ? readFileSync(filesPath, 'utf8') : undefined)
    checks.push({
      what: 'checkout',
      ok: true,
      detail: `${i.path}: ${tree.files} entries, code hash ${tree.codeHash}`,
    })
    core.endGroup()
  }
  if (i.artifacts.length) {
    const files = await matchFiles(i.artifacts)
    if (files.length === 0)
      throw new RelsealError(
        'E_NOT_FOUND',
        `input artifacts matched no file (${i.artifacts.join(', ')}); download them first`,
      )
    await verifyArtifacts(p, files)
    checks.push({ what: 'artifacts', ok: true, detail: `${files.length} file(s) match their digests` })
  }
  await writeSummary(checks, p)
  return {
    verified: 'true',
    version: p.version,
    commit: p.commit,
    'code-hash': p.code_hash,
    keyids: verified.keyIds.join('\n'),
  }
}

/** The action (index.ts calls it; so does `npx @github/local-action run . src/main.ts .env`). */
export const run = (): Promise<void> => runAction(() => readInputs(), verify)
