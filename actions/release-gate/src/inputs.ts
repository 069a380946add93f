import * as core from '@actions/core'
import { RelsealError } from '../../../src/errors.js'
import { parseTagPrefix } from '../../../src/manifest/tag-version.js'
import { readToken, requiredSignersPath } from '../../common/inputs.js'
import { parseCommands } from './command-line.js'
import { parseReleaseVersion, type ReleaseVersion } from './version.js'

export interface GateInputs {
  release: ReleaseVersion
  tagPrefix: string
  testCommands: string[][]
  junitReport: string[]
  minPassRate: number
  buildCommands: string[][]
  artifacts: string[]
  draft: boolean
  /** A commit-ish; resolved to a full commit id against the workspace. */
  target: string
  releaseNotes: string
  allowedSigners: string | undefined
  token: string
  repository: string
  apiUrl: string | undefined
  /** GITHUB_SERVER_URL: the only host git may send the token to. */
  serverUrl: string
  workspace: string
  runnerTemp: string
  /** GITHUB_RUN_ID: a re-run of the same run may continue a release it created itself. */
  runId: string
}

const lines = (name: string) => core.getMultilineInput(name).filter((l) => l.trim() !== '')

function readPassRate(): number {
  const raw = core.getInput('min-pass-rate') || '1'
  const n = Number(raw)
  if (!/^\d*\.?\d+$/.test(raw) || !(n >= 0 && n <= 1))
    throw new RelsealError(
      'E_USAGE',
      `input min-pass-rate is ${JSON.stringify(raw)}; give a number from 0 to 1, e.g. 0.98`,
    )
  return n
}

/** Reads every input once; the version is validated before it is used anywhere. */
export function readInputs(env: NodeJS.ProcessEnv = process.env): GateInputs {
  const token = readToken()
  const tagPrefix = parseTagPrefix(core.getInput('tag-prefix', { trimWhitespace: false }), 'input tag-prefix')
  // Not trimmed: a version with whitespace around it is refused, not silently repaired.
  const rawVersion = core.getInput('version', { required: true, trimWhitespace: false })
  const release = parseReleaseVersion(rawVersion, tagPrefix, core.getBooleanInput('allow-prerelease'))
  const repository = env.GITHUB_REPOSITORY ?? ''
  if (!repository)
    throw new RelsealError('E_USAGE', 'GITHUB_REPOSITORY is not set; this action runs on GitHub Actions')
  const target = core.getInput('target') || env.GITHUB_SHA || ''
  if (!target)
    throw new RelsealError(
      'E_USAGE',
      'input target is empty and GITHUB_SHA is not set; set target to a commit',
    )
  return {
    release,
    tagPrefix,
    testCommands: parseCommands(core.getInput('test-command'), 'test-command'),
    junitReport: lines('junit-report'),
    minPassRate: readPassRate(),
    buildCommands: parseCommands(core.getInput('build-command'), 'build-command'),
    artifacts: lines('artifacts'),
    draft: core.getBooleanInput('draft'),
    target,
    releaseNotes: core.getInput('release-notes'),
    allowedSigners: requiredSignersPath(),
    token,
    repository,
    apiUrl: env.GITHUB_API_URL,
    serverUrl: env.GITHUB_SERVER_URL || 'https://github.com',
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    runnerTemp: env.RUNNER_TEMP || env.TMPDIR || '/tmp',
    runId: env.GITHUB_RUN_ID ?? '',
  }
}
