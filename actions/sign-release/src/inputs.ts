import * as core from '@actions/core'
import { RelsealError } from '../../../src/errors.js'
import {
  execSigner,
  fileSigner,
  parseExecCommand,
  parsePublicKey,
  parseSigningKey,
  type Signer,
  type SigningKey,
} from '../../../src/keys/index.js'
import {
  assertTagMatchesVersion,
  FILES_ASSET,
  MANIFEST_ASSET,
  parseRolloutPlan,
  parseTagPrefix,
  releaseVersionOfTag,
  type ManifestBuilder,
} from '../../../src/manifest/index.js'
import { readToken, requiredSignersPath } from '../../common/inputs.js'
import { checkAssetName } from '../../github/asset-name.js'

export interface SignInputs {
  /** From signing-key (a key in memory) or signer (exec:COMMAND). */
  key: Signer
  publicKey: string
  path: string
  version: string
  tag: string
  /** Release tags are `<tagPrefix><version>`; '' means `v<version>` or `<version>`. */
  tagPrefix: string
  commit: string
  artifacts: string[]
  /** Globs of trust-root.<N>.json files to check and upload beside the manifest (issue 15). */
  trustRoots: string[]
  expiresIn: string
  /** A phased rollout plan (`10%@0m,50%@30m,100%@2h`), checked; '' for none. */
  rollout: string
  /** When the rollout starts (RFC 3339 UTC); '' for the signing time. */
  rolloutStart: string
  upload: boolean
  createRelease: boolean
  /** Publish a draft release once it is signed (make_latest false for a lower version). */
  publish: boolean
  /** Upload the files `artifacts` matches to the release too (while it is a draft). */
  uploadArtifacts: boolean
  overwrite: boolean
  /** allowed_signers path when the tag must be SSH-signed, else undefined. */
  allowedSigners: string | undefined
  manifestName: string
  token: string
  repository: string
  apiUrl: string | undefined
  runnerTemp: string
  workspace: string
  builder: ManifestBuilder
}

/** Masks each line of key text, except PEM armor lines, which are not secret and common. */
function maskLines(text: string): void {
  for (const line of text.split('\n').map((l) => l.trim()))
    if (line.length > 8 && !line.startsWith('-----')) core.setSecret(line)
}

/** Masks every form of the key before anything else can print it. */
function maskKey(text: string, key: SigningKey): void {
  maskLines(text)
  const seed = Buffer.from(key.secretKey.subarray(0, 32))
  for (const form of [
    seed.toString('base64'),
    seed.toString('hex'),
    Buffer.from(key.secretKey).toString('base64'),
    Buffer.from(key.secretKey).toString('hex'),
  ]) {
    core.setSecret(form)
  }
}

/** manifest-name, checked against GitHub's renaming rule before any request. */
function manifestAssetName(): string {
  const name = checkAssetName(core.getInput('manifest-name') || MANIFEST_ASSET, 'input manifest-name')
  if (name === FILES_ASSET)
    throw new RelsealError('E_USAGE', `input manifest-name cannot be ${FILES_ASSET}, the file list's name`)
  return name
}

/**
 * signing-key (a secret: the key itself) or signer (`exec:COMMAND`, e.g. a cloud KMS CLI set up
 * by an earlier step, which then needs public-key): exactly one of them.
 */
function readSigner(env: NodeJS.ProcessEnv, workspace: string): Signer {
  const keyText = core.getInput('signing-key')
  const signer = core.getInput('signer')
  if ((keyText === '') === (signer === ''))
    throw new RelsealError(
      'E_USAGE',
      'give exactly one of the inputs signing-key (the key, from a secret) and signer (exec:COMMAND)',
    )
  if (keyText !== '') {
    maskLines(keyText)
    const key = parseSigningKey(keyText, 'input signing-key')
    maskKey(keyText, key)
    return fileSigner(key, 'input signing-key')
  }
  if (!signer.startsWith('exec:'))
    throw new RelsealError(
      'E_USAGE',
      `input signer must be exec:COMMAND, got ${JSON.stringify(signer.slice(0, 20))}`,
    )
  const publicKey = core.getInput('public-key')
  if (publicKey === '')
    throw new RelsealError(
      'E_USAGE',
      'input signer needs public-key: every signature the command returns is checked against it',
    )
  // The command is someone else's program: it gets the job's environment (cloud credentials set up
  // by earlier steps) but not this action's inputs (github-token) nor the runner's runtime token.
  const commandEnv = Object.fromEntries(
    Object.entries(env).filter(([k]) => !k.startsWith('INPUT_') && k !== 'ACTIONS_RUNTIME_TOKEN'),
  )
  return execSigner({
    argv: parseExecCommand(signer.slice('exec:'.length)),
    publicKey: parsePublicKey(publicKey, 'input public-key'),
    env: commandEnv,
    cwd: workspace,
  })
}

/** rollout and rollout-start, checked before anything is hashed (parsed again with the signing time). */
function readRollout(): { rollout: string; rolloutStart: string } {
  const rollout = core.getInput('rollout')
  const rolloutStart = core.getInput('rollout-start')
  if (rollout === '' && rolloutStart !== '')
    throw new RelsealError('E_USAGE', 'input rollout-start needs input rollout, the stages it starts')
  if (rollout !== '')
    parseRolloutPlan(rollout, rolloutStart || '2000-01-01T00:00:00Z', 'input rollout', 'input rollout-start')
  return { rollout, rolloutStart }
}

/** Reads every input once (and the runner's environment) into a typed object. */
export function readInputs(env: NodeJS.ProcessEnv = process.env): SignInputs {
  const key = readSigner(env, env.GITHUB_WORKSPACE || process.cwd())
  const token = readToken()
  const ref = env.GITHUB_REF ?? ''
  const tag = core.getInput('tag') || (ref.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : '')
  if (!tag)
    throw new RelsealError(
      'E_USAGE',
      'input tag is empty and GITHUB_REF is not a tag (refs/tags/…); run on a tag push or set tag',
    )
  // Version and tag are bound (docs/manifest-spec.md, "Tag and version"): refuse before hashing.
  const tagPrefix = parseTagPrefix(core.getInput('tag-prefix'), 'input tag-prefix')
  const version = core.getInput('version') || releaseVersionOfTag(tag, tagPrefix) || ''
  if (!version)
    throw new RelsealError(
      'E_TAG_VERSION_MISMATCH',
      `tag ${JSON.stringify(tag)} names no version (release tags are ${tagPrefix ? `${tagPrefix}1.2.3` : 'v1.2.3 or 1.2.3'}); set tag-prefix for prefixed tags such as app-v1.2.3`,
    )
  assertTagMatchesVersion(tag, version, tagPrefix)
  const commit = core.getInput('commit') || env.GITHUB_SHA || ''
  if (!commit)
    throw new RelsealError(
      'E_USAGE',
      'input commit is empty and GITHUB_SHA is not set; set commit to a full commit id',
    )
  const repository = env.GITHUB_REPOSITORY ?? ''
  if (!repository)
    throw new RelsealError('E_USAGE', 'GITHUB_REPOSITORY is not set; this action runs on GitHub Actions')
  const builder: ManifestBuilder = {}
  const fromEnv: [keyof ManifestBuilder, string][] = [
    ['workflow_ref', 'GITHUB_WORKFLOW_REF'],
    ['run_id', 'GITHUB_RUN_ID'],
    ['run_attempt', 'GITHUB_RUN_ATTEMPT'],
    ['runner_os', 'RUNNER_OS'],
    ['event', 'GITHUB_EVENT_NAME'],
    ['ref', 'GITHUB_REF'],
  ]
  for (const [field, name] of fromEnv) if (env[name]) builder[field] = env[name]
  return {
    key,
    publicKey: core.getInput('public-key'),
    path: core.getInput('path') || '.',
    version,
    tag,
    tagPrefix,
    commit,
    artifacts: core.getMultilineInput('artifacts').filter((l) => l.trim() !== ''),
    trustRoots: core.getMultilineInput('trust-roots').filter((l) => l.trim() !== ''),
    expiresIn: core.getInput('expires-in'),
    ...readRollout(),
    upload: core.getBooleanInput('upload'),
    createRelease: core.getBooleanInput('create-release'),
    publish: core.getBooleanInput('publish'),
    uploadArtifacts: core.getBooleanInput('upload-artifacts'),
    overwrite: core.getBooleanInput('overwrite'),
    allowedSigners: requiredSignersPath(),
    manifestName: manifestAssetName(),
    token,
    repository,
    apiUrl: env.GITHUB_API_URL,
    runnerTemp: env.RUNNER_TEMP || env.TMPDIR || '/tmp',
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    builder,
  }
}
