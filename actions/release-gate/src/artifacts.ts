import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { basename, join } from 'node:path'
import { RelsealError } from '../../../src/errors.js'
import { hashReleaseFiles, matchFiles, type ReleaseFile } from '../../common/workspace.js'
import { assetNameProblem } from '../../github/asset-name.js'

// GitHub renames asset names with other characters, which would break SHA256SUMS: the one asset-name
// rule of the actions refuses them before anything is created.
const isSafeAssetName = (name: string) => assetNameProblem(name) === undefined

export const SUMS_NAME = 'SHA256SUMS'
/** The folder under RUNNER_TEMP where mode check leaves the artifacts for actions/upload-artifact. */
const STAGE_DIR = 'relseal-release-artifacts'
const MAX_SUMS_BYTES = 1024 * 1024

/** Check mode: the files the artifact globs match, each a valid asset name, hashed. */
export async function hashArtifacts(patterns: string[]): Promise<ReleaseFile[]> {
  const files = await matchFiles(patterns)
  if (patterns.length > 0 && files.length === 0)
    throw new RelsealError(
      'E_BUILD_FAILED',
      `build: artifacts matched no file (${patterns.join(', ')}); check the globs against what build-command writes`,
    )
  const bad = files.map((f) => basename(f)).find((name) => !isSafeAssetName(name) || name === SUMS_NAME)
  if (bad !== undefined)
    throw new RelsealError(
      'E_BUILD_FAILED',
      `artifact ${JSON.stringify(bad)} cannot be a release asset name; use letters, digits, . _ and -, not starting or ending with . (and not ${SUMS_NAME})`,
    )
  return hashReleaseFiles(files, 'E_BUILD_FAILED')
}

/** SHA256SUMS in sha256sum's own format, so `sha256sum -c SHA256SUMS` checks the downloads. */
export const sha256sums = (artifacts: ReleaseFile[]) =>
  artifacts.map((a) => `${a.sha256}  ${a.name}\n`).join('')

/**
 * Check mode: copies the artifacts and their SHA256SUMS into one fresh folder under RUNNER_TEMP, for
 * actions/upload-artifact to hand to the publish job. Returns the folder.
 */
export function stageArtifacts(runnerTemp: string, artifacts: ReleaseFile[]): string {
  const dir = join(runnerTemp, STAGE_DIR)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  for (const a of artifacts) copyFileSync(a.path, join(dir, a.name))
  writeFileSync(join(dir, SUMS_NAME), sha256sums(artifacts))
  return dir
}

/**
 * Publish mode: the artifacts the check step staged, as downloaded into artifacts-dir. The folder must
 * hold exactly the files its SHA256SUMS lists, each with the listed digest: a partial or altered
 * download is refused before anything is created.
 */
export async function readStagedArtifacts(dir: string): Promise<ReleaseFile[]> {
  if (!dir) return []
  const sumsPath = join(dir, SUMS_NAME)
  if (!existsSync(sumsPath) || statSync(sumsPath).size > MAX_SUMS_BYTES)
    throw new RelsealError(
      'E_BAD_INPUT',
      `input artifacts-dir ${dir} holds no ${SUMS_NAME} (or one over ${MAX_SUMS_BYTES} bytes); download there the folder that mode check wrote (its output artifacts-dir)`,
    )
  const listed = new Map<string, string>()
  for (const line of readFileSync(sumsPath, 'utf8').split('\n')) {
    if (line === '') continue
    const sha = line.slice(0, 64)
    const name = line.slice(66)
    if (!/^[0-9a-f]{64}$/.test(sha) || line.slice(64, 66) !== '  ' || !isSafeAssetName(name))
      throw new RelsealError(
        'E_BAD_INPUT',
        `${sumsPath}: ${JSON.stringify(line.slice(0, 200))} is not "<sha256>  <asset name>"`,
      )
    listed.set(name, sha)
  }
  const present = readdirSync(dir).filter((n) => n !== SUMS_NAME)
  const extra = present.filter((n) => !listed.has(n))
  const missing = [...listed.keys()].filter((n) => !present.includes(n))
  if (extra.length || missing.length)
    throw new RelsealError(
      'E_BAD_INPUT',
      `artifacts-dir ${dir} does not hold exactly what its ${SUMS_NAME} lists` +
        `${missing.length ? `; missing: ${missing.join(', ')}` : ''}${extra.length ? `; not listed: ${extra.join(', ')}` : ''}; ` +
        "download the check step's artifact into an empty folder",
    )
  const files = await hashReleaseFiles(
    [...listed.keys()].sort().map((n) => join(dir, n)),
    'E_BAD_INPUT',
  )
  const altered = files.find((f) => f.sha256 !== listed.get(f.name))
  if (altered)
    throw new RelsealError(
      'E_BAD_INPUT',
      `artifact ${altered.name} in artifacts-dir has sha256 ${altered.sha256}, not ${listed.get(altered.name)} as the check step listed; nothing was created`,
    )
  return files
}

/** The artifacts output: name, size and digest of each. */
export const artifactsJson = (artifacts: ReleaseFile[]) =>
  JSON.stringify(artifacts.map(({ name, size, sha256 }) => ({ name, size, sha256 })))
