import * as core from '@actions/core'
import { RelsealError } from '../../../src/errors.js'
import { parseTagPrefix } from '../../../src/manifest/tag-version.js'
import { readToken, requiredSignersPath } from '../../common/inputs.js'
import { readBenchmarkInputs, type BenchmarkInputs } from './benchmark-inputs.js'
import { parseChecks, type NamedCheck } from './checks.js'
import { parseCommands } from './command-line.js'
import { parseReleaseVersion, type ReleaseVersion } from './version.js'

/**
 * Which half of the release this step runs. `check` runs the project's code (tests, build) and holds
 * no token; `publish` holds the write token and runs no project code. Default `check`: a step that
 * forgets to choose can write nothing.
 */
export type GateMode = 'check' | 'publish'
export const GATE_MODES: readonly GateMode[] = ['check', 'publish']

export interface GateInputs {
  mode: GateMode
  release: ReleaseVersion
  tagPrefix: string
  testCommands: string[][]
  junitReport: string[]
  minPassRate: number
  buildCommands: string[][]
  /** mode check: named audit commands (`audit: npm audit …`), run in order after the tests. */
  checks: NamedCheck[]
  benchmark: BenchmarkInputs
  artifacts: string[]
  /** publish: the folder holding the check step's artifacts and their SHA256SUMS. */
  artifactsDir: string
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

function readMode(): GateMode {
  const raw = core.getInput('mode') || 'check'
  const mode = GATE_MODES.find((m) => m === raw)
  if (!mode)
    throw new RelsealError(
      'E_USAGE',
      `input mode is ${JSON.stringify(raw)}; give check (tests and build, no token) or publish (tag, draft release, uploads; no project code)`,
    )
  return mode
}

/** Environment variables that mean the job handed a token to a check step on purpose. */
const TOKENS_REFUSED_IN_CHECK = ['GITHUB_TOKEN', 'GH_TOKEN', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'] as const

/**
 * Check mode runs the project's tests and build, and any process can read its ancestors' environment
 * (/proc/<pid>/environ): so it takes no token at all, and says how to take away the one it was given.
 */
function refuseTokensInCheck(token: string, env: NodeJS.ProcessEnv): void {
  if (token)
    throw new RelsealError(
      'E_USAGE',
      'mode check runs the test and build commands, so it takes no token; remove github-token from this step (publish mode takes it)',
    )
  const found = TOKENS_REFUSED_IN_CHECK.find((k) => env[k])
  if (found)
    throw new RelsealError(
      'E_USAGE',
      `mode check runs the test and build commands, but this job hands them ${found}; ` +
        (found === 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'
          ? 'remove id-token: write from the job that runs the checks'
          : `remove ${found} from the env of this job and step`),
    )
}

/** Publish mode holds the write token: the inputs that run or read project output are refused. */
function refuseProjectCodeInPublish(given: Record<string, unknown[]>): void {
  const input = Object.keys(given).find((k) => given[k]!.length > 0)
  if (input)
    throw new RelsealError(
      'E_USAGE',
      `mode publish holds the write token and runs no project code, so input ${input} is refused; ` +
        `run it in the check step (mode: check) and hand the artifacts over with artifacts-dir`,
    )
}

/** Reads every input once; the version is validated before it is used anywhere. */
export function readInputs(env: NodeJS.ProcessEnv = process.env): GateInputs {
  const mode = readMode()
  const token = readToken()
  const testCommands = parseCommands(core.getInput('test-command'), 'test-command')
  const junitReport = lines('junit-report')
  const buildCommands = parseCommands(core.getInput('build-command'), 'build-command')
  const checks = parseChecks(core.getInput('checks'))
  const benchmark = readBenchmarkInputs(mode === 'check')
  const artifacts = lines('artifacts')
  const artifactsDir = core.getInput('artifacts-dir')
  if (mode === 'check') {
    refuseTokensInCheck(token, env)
    if (artifactsDir)
      throw new RelsealError(
        'E_USAGE',
        'input artifacts-dir is for mode publish; in mode check give the artifact globs in artifacts',
      )
  } else {
    refuseProjectCodeInPublish({
      'test-command': testCommands,
      'build-command': buildCommands,
      'junit-report': junitReport,
      checks,
      'benchmark-command': benchmark.command,
      'benchmark-report': benchmark.report ? [benchmark.report] : [],
      artifacts,
    })
    if (!token)
      throw new RelsealError(
        'E_USAGE',
        'mode publish creates the tag and the release: set github-token: ${{ github.token }} on this step, in a job with contents: write',
      )
  }
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
    mode,
    release,
    tagPrefix,
    testCommands,
    junitReport,
    minPassRate: readPassRate(),
    buildCommands,
    checks,
    benchmark,
    artifacts,
    artifactsDir,
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
