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
  listReleases,
  putReleaseAsset,
  updateRelease,
  type GitHubClient,
  type Release,
} from '../../github/index.js'
import { readRepoFile, runAction } from '../../common/inputs.js'
import { actionClient, assertHeadIs } from '../../common/workspace.js'
import { resolveCommit } from '../../../src/tree/git-repo.js'
import { gitText } from '../../../src/git/git.js'
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
import {
  basicCredential,
  changesSince,
  fetchTag,
  localTags,
  originUrl,
  remoteAuthEnv,
  remoteTags,
  type TagSighting,
} from './tags.js'
import { annotateFailures, checkPassRate, formatRate, readReports } from './test-gate.js'
import { versionOfTag } from './version.js'

/** The hidden line that marks a release as created by this run for this commit (for re-runs). */
const marker = (runId: string, commit: string) =>
  `<!-- relseal-release-gate run=${runId} commit=${commit} -->`

/** Everything the gates learn about existing releases and tags before anything is created. */
interface Landscape {
  releases: Release[]
  /** The URL of remote origin, when the checkout has one. */
  origin: string | undefined
  local: Map<string, string>
  remote: Map<string, string> | undefined
  apiTag: string | undefined
  /** A release this same workflow run created for this commit: a re-run continues it. */
  own: Release | undefined
}

/** git's credentials for origin, from the token (so the checkout need not persist its own). */
function gitAuth(i: GateInputs, origin: string | undefined): Record<string, string> {
  if (i.token) core.setSecret(basicCredential(i.token))
  return remoteAuthEnv(i.token, i.serverUrl, origin)
}

/** Publish mode: releases (drafts included, which only a token with push access sees) and tags. */
async function survey(gh: GitHubClient, dir: string, i: GateInputs, commit: string): Promise<Landscape> {
  const releases = await listReleases(gh)
  const own = releases.find(
    (r) => r.tag_name === i.release.tag && i.runId !== '' && (r.body ?? '').includes(marker(i.runId, commit)),
  )
  const origin = await originUrl(dir)
  if (origin === undefined)
    core.warning('the checkout has no remote origin; tags were checked locally and through the API')
  return {
    releases,
    origin,
    local: await localTags(dir),
    remote: origin === undefined ? undefined : await remoteTags(dir, gitAuth(i, origin)),
    apiTag: await getTagCommit(gh, i.release.tag),
    own,
  }
}

/**
 * Check mode has no token: it sees the checkout's tags (all of them with fetch-depth: 0) and origin's
 * tags when origin answers without credentials (a public repository). Draft releases need a token
 * with push access, so only publish mode sees them; it runs every check again before creating anything.
 */
async function surveyWithoutToken(dir: string): Promise<Landscape> {
  const origin = await originUrl(dir)
  const remote =
    origin === undefined
      ? undefined
      : await remoteTags(dir).catch((e: unknown) => {
          core.warning(
            `origin's tags could not be listed without a token (${e instanceof Error ? e.message : String(e)}); ` +
              "the checkout's tags were checked, and the publish step checks again with its token",
          )
          return undefined
        })
  if ((await gitText(['rev-parse', '--is-shallow-repository'], { cwd: dir })) === 'true')
    core.warning('the checkout is shallow and may lack tags; check it out with fetch-depth: 0')
  return { releases: [], origin, local: await localTags(dir), remote, apiTag: undefined, own: undefined }
}

/** Gate 2: the version is above every existing release version (tags with the prefix included). */
function checkIncreasing(i: GateInputs, l: Landscape): string {
  const seen: { version: string; where: string }[] = []
  const add = (tag: string, where: string) => {
    const v = versionOfTag(tag, i.tagPrefix)
    // The tag itself is gate 3's business, which says where it was found.
    if (v !== undefined && tag !== i.release.tag) seen.push({ version: v, where })
  }
  for (const r of l.releases) add(r.tag_name, `GitHub ${r.draft ? 'draft release' : 'release'} ${r.tag_name}`)
  for (const t of l.local.keys()) add(t, `local tag ${t}`)
  for (const t of l.remote?.keys() ?? []) add(t, `tag ${t} on origin`)
  const highest = seen.sort((a, b) => semver.rcompare(a.version, b.version))[0]
  if (highest && !semver.gt(i.release.version, highest.version))
    throw new RelsealError(
      'E_NOT_INCREASING',
      `version ${i.release.version} is not greater than ${highest.version}, the highest existing release (${highest.where}); ` +
        `release a higher version, e.g. ${semver.inc(highest.version, 'patch')}`,
    )
  return highest ? `above ${highest.version} (${highest.where})` : 'first release'
}

/**
 * Gate 3: the tag exists nowhere: not locally, not on origin, not on GitHub as a tag or a release
 * (drafts included). Exceptions: a re-run continuing its own release, whose tag may already point at
 * the same commit; and a maintainer-signed tag (require-signed-tag), which must exist at the commit.
 */
function checkDuplicate(i: GateInputs, l: Landscape, commit: string): string {
  const tag = i.release.tag
  const sightings: TagSighting[] = []
  if (l.local.has(tag)) sightings.push({ where: 'locally in the checkout', commit: l.local.get(tag)! })
  if (l.remote?.has(tag)) sightings.push({ where: 'on the remote origin', commit: l.remote.get(tag)! })
  if (l.apiTag) sightings.push({ where: 'as a tag on GitHub', commit: l.apiTag })
  const release = l.releases.find((r) => r.tag_name === tag)
  if (release && release !== l.own)
    throw new RelsealError(
      'E_DUPLICATE_TAG',
      `tag ${tag} already exists as a GitHub ${release.draft ? 'draft release' : 'release'} (id ${release.id}, ${release.html_url}); ` +
        `choose a new version, or delete that release if it was a mistake`,
    )
  const elsewhere = sightings.filter((s) => s.commit !== commit)
  if (!l.own && !i.allowedSigners && sightings.length > 0)
    throw new RelsealError(
      'E_DUPLICATE_TAG',
      `tag ${tag} already exists ${sightings.map((s) => `${s.where} (at ${s.commit.slice(0, 12)})`).join(', ')}; choose a new version`,
    )
  if (elsewhere.length > 0)
    throw new RelsealError(
      'E_DUPLICATE_TAG',
      `tag ${tag} already exists at another commit ${elsewhere.map((s) => `${s.where} (at ${s.commit.slice(0, 12)})`).join(', ')}, not at ${commit}; choose a new version`,
    )
  return l.own ? `continuing release id ${l.own.id} that this run created` : `${tag} is new`
}

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

type Step = <T>(name: string, fn: () => Promise<T>, detail: (t: T) => string) => Promise<T>

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

async function versionGates(i: GateInputs, land: Landscape, commit: string, step: Step): Promise<void> {
  await step(
    'new and increasing',
    () => Promise.resolve(checkIncreasing(i, land)),
    (d) => d,
  )
  await step(
    'duplicate tag',
    () => Promise.resolve(checkDuplicate(i, land, commit)),
    (d) => d,
  )
}

/** Mode check: the version gates (without a token), the tests, the build, the staged artifacts. */
async function checkSteps(i: GateInputs, report: GateReport, step: Step): Promise<Record<string, string>> {
  const left = wipeRunnerSecrets()
  if (left.length)
    core.warning(
      `could not remove ${left.join(', ')} from this process's start-up environment (no /proc/self/mem here); the test and build commands can read it`,
    )
  const { dir, commit } = await prelude(i, report)
  await versionGates(i, await surveyWithoutToken(dir), commit, step)
  const rate = await testStep(i, dir, report, step)
  const artifacts = await step(
    'build',
    async () => {
      await runCommands(i.buildCommands, dir, 'E_BUILD_FAILED', 'build')
      return hashArtifacts(i.artifacts)
    },
    (a) => `${a.length} artifact(s)`,
  )
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

async function testStep(i: GateInputs, dir: string, report: GateReport, step: Step) {
  const testsStarted = new Date()
  const rate = await step(
    'tests',
    async () => {
      if (i.testCommands.length === 0 && i.junitReport.length === 0) {
        core.warning('test-command and junit-report are empty: no test gate ran')
        return undefined
      }
      let failure: Error | undefined
      await runCommands(i.testCommands, dir, 'E_TEST_GATE', 'test gate').catch((e: unknown) => {
        failure = e instanceof Error ? e : new Error(String(e))
      })
      if (i.junitReport.length === 0) {
        if (failure) throw failure
        return undefined
      }
      const totals = await readReports(
        i.junitReport,
        dir,
        i.testCommands.length ? testsStarted : undefined,
      ).catch((e: unknown) => {
        throw failure ?? e
      })
      annotateFailures(totals, dir)
      report.totals = totals
      if (failure) throw failure
      return checkPassRate(totals, i.minPassRate)
    },
    (r) => (r === undefined ? 'commands passed' : `pass rate ${formatRate(r)}`),
  )
  if (rate !== undefined) report.passRate = rate
  return rate
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
