import * as core from '@actions/core'
import { RelsealError } from '../../../src/errors.js'
import { parsePublicKey, type PublicKeyInfo } from '../../../src/keys/index.js'
import { FILES_ASSET, isStrictSemver, MANIFEST_ASSET, parseTagPrefix } from '../../../src/manifest/index.js'
import { readToken } from '../../common/inputs.js'
import { checkAssetName } from '../../github/asset-name.js'

export interface VerifyInputs {
  /** A path, or a release of this repository: `{ tag }` (or `latest`). */
  manifest: { path: string } | { release: string }
  /** The asset names looked up on a release (checked against GitHub's renaming rule). */
  manifestName: string
  filesName: string
  keys: PublicKeyInfo[]
  threshold: number
  path: string
  files: string
  artifacts: string[]
  minVersion: string | undefined
  /** Release tags are `<tagPrefix><version>`; '' means `v<version>` or `<version>`. */
  tagPrefix: string
  allowExpired: boolean
  token: string
  repository: string
  apiUrl: string | undefined
  workspace: string
  runnerTemp: string
}

/**
 * The keys of a public-keys input: one per line, except that a PEM block (BEGIN … END) spans its
 * lines. Blank lines and `#` comments are skipped.
 */
export function splitKeyList(text: string): string[] {
  const keys: string[] = []
  let pem: string[] | undefined
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (pem) {
      pem.push(line)
      if (line.startsWith('-----END ')) {
        keys.push(pem.join('\n'))
        pem = undefined
      }
    } else if (line.startsWith('-----BEGIN ')) pem = [line]
    else if (line !== '' && !line.startsWith('#')) keys.push(line)
  }
  if (pem) throw new RelsealError('E_BAD_KEY', 'input public-keys has a PEM block without its END line')
  return keys
}

/** manifest-name and files-name: the release assets to download, under one naming rule. */
function assetNames(): { manifestName: string; filesName: string } {
  const manifestName = checkAssetName(core.getInput('manifest-name') || MANIFEST_ASSET, 'input manifest-name')
  const filesName = checkAssetName(core.getInput('files-name') || FILES_ASSET, 'input files-name')
  if (manifestName === filesName)
    throw new RelsealError(
      'E_USAGE',
      `inputs manifest-name and files-name are both ${manifestName}; name two assets`,
    )
  return { manifestName, filesName }
}

export function readInputs(env: NodeJS.ProcessEnv = process.env): VerifyInputs {
  const token = readToken()
  const manifest = core.getInput('manifest', { required: true })
  const keyTexts = splitKeyList(core.getInput('public-keys', { required: true }))
  if (keyTexts.length === 0)
    throw new RelsealError(
      'E_USAGE',
      'input public-keys lists no key; give the trusted public keys, one per line',
    )
  const keys = keyTexts.map((k, i) => parsePublicKey(k, `key ${i + 1} of input public-keys`))
  const rawThreshold = core.getInput('threshold') || '1'
  const threshold = Number(rawThreshold)
  if (!/^\d+$/.test(rawThreshold) || threshold < 1 || threshold > keys.length)
    throw new RelsealError(
      'E_USAGE',
      `input threshold is ${JSON.stringify(rawThreshold)}; give a whole number from 1 to the number of public keys (${keys.length})`,
    )
  const minVersion = core.getInput('min-version') || undefined
  if (minVersion !== undefined && !isStrictSemver(minVersion))
    throw new RelsealError(
      'E_USAGE',
      `input min-version ${JSON.stringify(minVersion)} is not strict SemVer (1.2.3)`,
    )
  return {
    manifest: manifest.startsWith('release:')
      ? { release: manifest.slice('release:'.length) }
      : { path: manifest },
    ...assetNames(),
    keys,
    threshold,
    path: core.getInput('path'),
    files: core.getInput('files'),
    artifacts: core.getMultilineInput('artifacts').filter((l) => l.trim() !== ''),
    minVersion,
    tagPrefix: parseTagPrefix(core.getInput('tag-prefix'), 'input tag-prefix'),
    allowExpired: core.getBooleanInput('allow-expired'),
    token,
    repository: env.GITHUB_REPOSITORY ?? '',
    apiUrl: env.GITHUB_API_URL,
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    runnerTemp: env.RUNNER_TEMP || env.TMPDIR || '/tmp',
  }
}
