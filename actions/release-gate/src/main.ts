import * as core from '@actions/core'
import { readFileSync } from 'node:fs'
import semver from 'semver'
import { RelsealError } from '../../../src/errors.js'
import { verifyTagForCommit } from '../../../src/tag/index.js'
import {
  createRelease,
  createTag,
  getTagCommit,
  listReleaseAssets,
  putReleaseAsset,
  updateRelease,
} from '../../github/index.js'
import { readRepoFile, runAction } from '../../common/inputs.js'
import { actionClient, assertHeadIs } from '../../common/workspace.js'
import { resolveCommit } from '../../../src/tree/git-repo.js'
import { readInputs, type GateInputs } from './inputs.js'
import {
  artifactsJson,
  hashArtifacts,
  readStagedArtifacts,
  sha256sums,
  stageArtifacts,
  SUMS_NAME,
} from './artifacts.js'
import { runCommands } from './run-commands.js'
import { wipeRunnerSecrets } from './runner-secrets.js'
import { writeSummary, type GateReport } from './summary.js'
import { changesSince, fetchTag } from './tags.js'
import { formatRate, testStep } from './test-gate.js'
import { versionOfTag } from './version.js'
import { gitAuth, marker, survey, surveyWithoutToken, versionGates, type Landscape } from './version-gates.js'
import { runChecks } from './checks.js'
import { benchmarkCheck, benchmarkPublish, withBenchmark } from './benchmark-gate.js'
import type { Step } from './step.js'

/** Release notes generated from the commits since the previous release's tag. */
async function generatedNotes(i: GateInputs, dir: string, l: Landscape, commit: string): Promise<string> {
  const previous = [...l.local.keys()]
    .map((t) => ({ t, v: versionOfTag(t, i.tagPrefix) }))
    .filter((x): x is { t: string; v: string } => x.v !== undefined && semver.lt(x.v, i.release.version))
    .sort((a, b) => semver.rcompare(a.v, b.v))[0]
  const changes = await changesSince(dir, previous ? `refs/tags/${previous.t}` : undefined, commit)
  return `## Changes${previous ? ` since ${previous.t}` : ''}\n\n${changes}\n`
}

/** Runs the gates in order, then creates (or continues) the release. Returns the outputs. */
export async function gate(i: GateInputs): Promise<Record<string, string>> {
  const report: GateReport = { mode: i.mode, tag: i.release.tag, gates: [], artifacts: [] }
  const step = async <T>(name: string, fn: () => Promise<T>, detail: (t: T) => string): Promise<T> => {
    core.startGroup(name)
    try {
      const t = await fn()
      report.gates.push({ name, ok: true, detail: detail(t) })
      return t
    } catch (e) {
      report.gates.push({ name, ok: false, detail: e instanceof Error ? e.message : String(e) })
      throw e
    } finally {
      core.endGroup()
    }
  }
  try {
    return await (i.mode === 'check' ? checkSteps : publishSteps)(i, report, step)
  } finally {
    await writeSummary(report)
  }
}

/** Gate 1 (semver, already parsed with the inputs), the checkout at the target, the notes file. */
async function prelude(i: GateInputs, report: GateReport) {
  const dir = i.workspace
  report.gates.push({
    name: 'semver',
    ok: true,
    detail: `${i.release.version}${i.release.prerelease ? ' (prerelease)' : ''}`,
  })
  // Read now, so a bad path fails before any test runs.
  const notesFile = i.releaseNotes ? readRepoFile(dir, i.releaseNotes, 'release-notes') : undefined
  const commit = await resolveCommit(dir, i.target)
  await assertHeadIs(
    dir,
    commit,
    'target',
    'the gate tests and builds the checkout, so check out the target first',
  )
  return { dir, notesFile, commit }
}

/**
 * Mode check: the version gates (without a token), the tests, the named checks, the build, the
 * benchmark, the staged artifacts (with the benchmark report as benchmarks.json).
 */
async function checkSteps(i: GateInputs, report: GateReport, step: Step): Promise<Record<string, string>> {
  const left = wipeRunnerSecrets()
  if (left.length)
    core.warning(
      `could not remove ${left.join(', ')} from this process's start-up environment (no /proc/self/mem here); the test and build commands can read it`,
    )
  const { dir, commit } = await prelude(i, report)
  await versionGates(i, await surveyWithoutToken(dir), commit, step)
  const rate = await testStep(i, dir, report, step)
  await runChecks(i.checks, dir, step)
  const built = await step(
    'build',
    async () => {
      await runCommands(i.buildCommands, dir, 'E_BUILD_FAILED', 'build')
      return hashArtifacts(i.artifacts)
    },
    (a) => `${a.length} artifact(s)`,
  )
  const bench = await benchmarkCheck(i.benchmark, dir, i.runnerTemp, step, (o) => (report.benchmark = o))
  const artifacts = withBenchmark(built, bench)
  report.artifacts = artifacts
  const staged = stageArtifacts(i.runnerTemp, artifacts)
  core.info(`artifacts and ${SUMS_NAME} staged in ${staged} for actions/upload-artifact`)
  return {
    tag: i.release.tag,
    version: i.release.version,
    'release-id': '',
    'release-url': '',
    'pass-rate': rate === undefined ? '' : formatRate(rate),
    artifacts: artifactsJson(artifacts),
    'artifacts-dir': staged,
  }
}

/**
 * Mode publish: every version gate again, now with the token (drafts, GitHub's tags), the signed tag,
 * the staged artifacts checked against their SHA256SUMS; then the draft, the uploads and the tag.
 * No project code runs here.
 */
async function publishSteps(i: GateInputs, report: GateReport, step: Step): Promise<Record<string, string>> {
  const { dir, notesFile, commit } = await prelude(i, report)
  const gh = actionClient(i)
  const land = await survey(gh, dir, i, commit)
  await versionGates(i, land, commit, step)
  if (i.allowedSigners) {
    await step(
      'signed tag',
      async () => {
        if (!land.local.has(i.release.tag)) await fetchTag(dir, i.release.tag, gitAuth(i, land.origin))
        const allowedSigners = readRepoFile(dir, i.allowedSigners!, 'allowed-signers')
        return verifyTagForCommit({ repoDir: dir, tag: i.release.tag, commit, allowedSigners })
      },
      (v) => `signed by ${v.principal} (${v.fingerprint})`,
    )
  }
  const artifacts = await step(
    'artifacts',
    () => readStagedArtifacts(i.artifactsDir),
    (a) => `${a.length} artifact(s) match the check step's ${SUMS_NAME}`,
  )
  report.artifacts = artifacts
  const ctx = {
    dir,
    release: i.release,
    tagPrefix: i.tagPrefix,
    releases: land.releases,
    complete: land.releasesComplete,
  }
  await benchmarkPublish(gh, i.benchmark, ctx, artifacts, step, (o) => (report.benchmark = o))

  const release = await step(
    'release',
    async () => {
      const notes = notesFile ?? (await generatedNotes(i, dir, land, commit))
      let r =
        land.own ??
        (await createRelease(gh, {
          tag: i.release.tag,
          target: commit,
          body: `${notes}\n${marker(i.runId, commit)}\n`,
          draft: true,
          prerelease: i.release.prerelease,
        }))
      core.info(land.own ? `continuing draft release ${r.id}` : `created draft release ${r.id}`)
      // Assets go up while the release is still a draft: nobody sees a half-uploaded release.
      const assets: [string, Uint8Array][] = artifacts.map((a) => [a.name, readFileSync(a.path)])
      if (artifacts.length) assets.push([SUMS_NAME, Buffer.from(sha256sums(artifacts))])
      // One listing for every put: a new draft has no assets; a continued one is listed once.
      const listed = land.own ? await listReleaseAssets(gh, r) : []
      for (const [name, data] of assets)
        core.info(`${name}: ${await putReleaseAsset(gh, r, name, data, r.draft, listed)}`)
      const tagged = await getTagCommit(gh, i.release.tag)
      if (tagged === undefined) {
        if (i.allowedSigners)
          throw new RelsealError(
            'E_GITHUB',
            `the signed tag ${i.release.tag} is not on GitHub; push it first`,
          )
        await createTag(gh, i.release.tag, commit)
        core.info(`created tag ${i.release.tag} at ${commit}`)
      } else if (tagged !== commit)
        throw new RelsealError(
          'E_DUPLICATE_TAG',
          `tag ${i.release.tag} on GitHub points at ${tagged}, not at ${commit}; stopped before publishing`,
        )
      if (!i.draft && r.draft)
        r = await updateRelease(gh, r, { draft: false, prerelease: i.release.prerelease })
      return r
    },
    (r) => `${r.draft ? 'draft ' : ''}release ${r.tag_name} (id ${r.id})`,
  )
  report.release = release
  return {
    tag: i.release.tag,
    version: i.release.version,
    'release-id': String(release.id),
    'release-url': release.html_url,
    'pass-rate': '',
    artifacts: artifactsJson(artifacts),
    'artifacts-dir': '',
  }
}

/**
 * The action: reads the inputs, runs the gate, sets the outputs or fails the step. index.ts calls it;
 * so does GitHub's local runner: `npx @github/local-action run . src/main.ts .env` from this folder.
 */
export const run = (): Promise<void> => runAction(() => readInputs(), gate)
