import * as core from '@actions/core'
import { resolve } from 'node:path'
import { RelsealError } from '../../../src/errors.js'
import { parsePublicKey } from '../../../src/keys/index.js'
import {
  assertTagMatchesVersion,
  parseTagPrefix,
  readWithdrawalFile,
  verifyWithdrawal,
  WITHDRAWAL_ASSET,
} from '../../../src/manifest/index.js'
import { escapeUntrusted } from '../../../src/text/escape.js'
import { readToken } from '../../common/inputs.js'
import { actionClient } from '../../common/workspace.js'
import { findReleasesByTag, isLocked, listReleaseAssets, putReleaseAsset } from '../../github/index.js'

/** The inputs of the withdrawal mode (input `withdrawal` set): upload a signed statement, sign nothing. */
export interface WithdrawalInputs {
  /** The statement file, resolved against the workspace. */
  path: string
  publicKey: string
  /** Empty: the tag is `<tag-prefix><version>`, or `v<version>` without a prefix. */
  tag: string
  tagPrefix: string
  overwrite: boolean
  token: string
  repository: string
  apiUrl: string | undefined
}

/** Reads the inputs of the withdrawal mode; signing inputs are refused, since nothing is signed. */
export function readWithdrawalInputs(env: NodeJS.ProcessEnv = process.env): WithdrawalInputs {
  const token = readToken()
  if (core.getInput('signing-key') !== '' || core.getInput('signer') !== '')
    throw new RelsealError(
      'E_USAGE',
      'input withdrawal uploads a statement signed beforehand (relseal withdraw); drop signing-key and signer from this step',
    )
  const publicKey = core.getInput('public-key')
  if (publicKey === '')
    throw new RelsealError(
      'E_USAGE',
      'input withdrawal needs public-key: the statement is verified before it is uploaded',
    )
  const repository = env.GITHUB_REPOSITORY ?? ''
  if (!repository)
    throw new RelsealError('E_USAGE', 'GITHUB_REPOSITORY is not set; this action runs on GitHub Actions')
  return {
    path: resolve(env.GITHUB_WORKSPACE || process.cwd(), core.getInput('withdrawal')),
    publicKey,
    tag: core.getInput('tag'),
    tagPrefix: parseTagPrefix(core.getInput('tag-prefix'), 'input tag-prefix'),
    overwrite: core.getBooleanInput('overwrite'),
    token,
    repository,
    apiUrl: env.GITHUB_API_URL,
  }
}

/**
 * Verifies a withdrawal statement with public-key and the repository, then puts it on the
 * published release of its version's tag as release_withdrawn.json (docs/updater.md,
 * "Withdrawing a release"). A published immutable release cannot take it: E_IMMUTABLE_RELEASE.
 */
export async function uploadWithdrawal(i: WithdrawalInputs): Promise<Record<string, string>> {
  const bytes = await readWithdrawalFile(i.path)
  const keys = [parsePublicKey(i.publicKey, 'input public-key')]
  const w = verifyWithdrawal(bytes, { keys, repository: i.repository })
  const { version, commit, reason } = w.payload
  core.info(`withdrawal of ${version} (commit ${commit}) verified, reason: ${escapeUntrusted(reason)}`)
  const tag = i.tag || `${i.tagPrefix || 'v'}${version}`
  assertTagMatchesVersion(tag, version, i.tagPrefix)
  const gh = actionClient(i)
  const release = (await findReleasesByTag(gh, tag)).published
  if (!release)
    throw new RelsealError(
      'E_GITHUB',
      `there is no published release of ${tag}; a withdrawal belongs on the release hosts installed ${version} from (set tag if its tag is not ${tag})`,
    )
  const assets = await listReleaseAssets(gh, release)
  if (isLocked(release) && !assets.some((a) => a.name === WITHDRAWAL_ASSET))
    throw new RelsealError(
      'E_IMMUTABLE_RELEASE',
      `release ${tag} is published and immutable, so ${WITHDRAWAL_ASSET} can never be added to it; hosts reading ` +
        `github: sources stop at the next release: publish the fix as a newer version (docs/updater.md, "Withdrawing a release")`,
      { details: { releaseId: release.id } },
    )
  core.info(
    `${WITHDRAWAL_ASSET}: ${await putReleaseAsset(gh, release, WITHDRAWAL_ASSET, bytes, i.overwrite, assets)}`,
  )
  return {
    keyid: w.keyIds.join(','),
    version,
    commit,
    'release-url': release.html_url ?? '',
    'release-id': String(release.id),
    'release-state': 'published',
  }
}
