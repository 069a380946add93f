import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { FakeGitHub } from './fake-github/server.js'
import { fakeGitHubPerTest } from './helpers/fake-per-test.js'
import type { FakeRelease } from './fake-github/state.js'
import { commitAll, git, makeRepo } from './helpers/git-repo.js'
import { shownLog } from './helpers/actions.js'
import { runAction } from './helpers/run-action.js'
import { tempDir } from './helpers/tmp.js'

let fake!: FakeGitHub
fakeGitHubPerTest((f) => (fake = f))

// A test runner stand-in that writes a JUnit report: `node emit-junit.mjs OUT PASSED FAILED SKIPPED [EXIT]`.
const EMIT_JUNIT = `import { writeFileSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
const [out, passed, failed, skipped, exit = '0'] = process.argv.slice(2)
const cases = []
for (let i = 0; i < +passed; i++) cases.push(\`<testcase classname="test/ok.test.ts" name="ok \${i}" time="0.01"/>\`)
for (let i = 0; i < +failed; i++) cases.push(\`<testcase classname="test/bad.test.ts" name="bad \${i}" time="0.01"><failure message="expected 1 to be 2" type="AssertionError">AssertionError: expected 1 to be 2
 ❯ test/bad.test.ts:\${10 + i}:15</failure></testcase>\`)
for (let i = 0; i < +skipped; i++) cases.push(\`<testcase classname="test/skip.test.ts" name="skip \${i}"><skipped/></testcase>\`)
mkdirSync(dirname(out), { recursive: true })
writeFileSync(out, \`<?xml version="1.0" encoding="UTF-8" ?>
<testsuites name="vitest tests" tests="\${cases.length}" failures="\${failed}" errors="0" time="0.1">
<testsuite name="suite" tests="\${cases.length}">\${cases.join('\\n')}</testsuite>
</testsuites>\`)
process.exit(+exit)
`

// A build stand-in: writes two artifacts named after the version.
const BUILD = `import { mkdirSync, writeFileSync } from 'node:fs'
mkdirSync('out', { recursive: true })
writeFileSync('out/app-' + process.argv[2] + '.tgz', 'tarball of ' + process.argv[2] + '\\n')
writeFileSync('out/app-' + process.argv[2] + '.sbom.json', '{"sbom": true}\\n')
`

interface Project {
  repo: string
  remote: string
  sha: string
}

/** A checkout with a bare remote origin, tag v1.0.0 on an older commit, HEAD one commit later. */
function project(): Project {
  const repo = makeRepo({ 'emit-junit.mjs': EMIT_JUNIT, 'build.mjs': BUILD, 'README.md': '# app\n' })
  git(repo, 'tag', 'v1.0.0')
  writeTree(repo, 'src/feature.js', 'export const feature = 1\n')
  const sha = commitAll(repo, 'Add the feature')
  const remote = join(tempDir('relseal-remote-'), 'app.git')
  git(repo, 'init', '-q', '--bare', remote)
  git(repo, 'remote', 'add', 'origin', remote)
  git(repo, 'push', '-q', 'origin', 'main', 'v1.0.0')
  return { repo, remote, sha }
}

function writeTree(repo: string, rel: string, text: string): void {
  execFileSync('mkdir', ['-p', join(repo, rel, '..')])
  writeFileSync(join(repo, rel), text)
}

function addRelease(tag: string, extra: Partial<FakeRelease> = {}): FakeRelease {
  const r: FakeRelease = {
    id: fake.state.nextId++,
    tag_name: tag,
    target_commitish: 'main',
    name: tag,
    body: '',
    draft: false,
    prerelease: false,
    assets: [],
    ...extra,
  }
  fake.state.releases.push(r)
  return r
}

const TOKEN = 'test-token'
/** The runner gives every JavaScript action ACTIONS_RUNTIME_TOKEN (artifacts, cache), in check mode too. */
const RUNTIME_TOKEN = 'runtime-token-0b5c1e'

const runnerEnv = (p: Project, env: Record<string, string>) => ({
  GITHUB_REPOSITORY: 'acme/app',
  GITHUB_API_URL: fake.url,
  GITHUB_SHA: p.sha,
  GITHUB_WORKSPACE: p.repo,
  GITHUB_RUN_ID: '7001',
  GITHUB_RUN_ATTEMPT: '1',
  ACTIONS_RUNTIME_URL: 'https://pipelines.actions.example/',
  ACTIONS_RUNTIME_TOKEN: RUNTIME_TOKEN,
  ...env,
})

/** The check job's step: mode check, no token, the tests and the build. */
function check(p: Project, inputs: Record<string, string>, env: Record<string, string> = {}) {
  return runAction(
    'release-gate',
    {
      mode: 'check',
      'test-command': 'node emit-junit.mjs reports/junit.xml 5 0 1',
      'junit-report': 'reports/*.xml',
      'build-command': 'node build.mjs 1.1.0',
      artifacts: 'out/*',
      ...inputs,
    },
    runnerEnv(p, env),
  )
}

/** actions/upload-artifact then download-artifact: the staged folder's files, in a fresh folder. */
function handOver(staged: string): string {
  const dir = tempDir('relseal-downloaded-')
  for (const f of readdirSync(staged)) copyFileSync(join(staged, f), join(dir, f))
  return dir
}

/** The publish job's step: mode publish with the write token and the handed-over artifacts. */
function publish(
  p: Project,
  artifactsDir: string,
  inputs: Record<string, string> = {},
  env: Record<string, string> = {},
) {
  return runAction(
    'release-gate',
    { mode: 'publish', 'github-token': TOKEN, 'artifacts-dir': artifactsDir, ...inputs },
    runnerEnv(p, env),
  )
}

/** Both jobs of release.yml in order; publish only when check passed. */
async function gate(p: Project, inputs: Record<string, string>, env: Record<string, string> = {}) {
  const { version, ...checkOnly } = inputs
  const shared = Object.fromEntries(
    Object.entries(inputs).filter(([k]) =>
      [
        'version',
        'tag-prefix',
        'allow-prerelease',
        'target',
        'release-notes',
        'draft',
        'require-signed-tag',
        'allowed-signers',
      ].includes(k),
    ),
  )
  const forCheck = Object.fromEntries(Object.entries(checkOnly).filter(([k]) => k !== 'draft'))
  const before = fake.requests.length
  const c = await check(p, { version: version!, ...forCheck }, env)
  expect(fake.requests.slice(before)).toEqual([]) // the check step never talks to GitHub
  if (c.status !== 0) return c
  return publish(p, handOver(c.outputs['artifacts-dir']!), shared, env)
}

/** Nothing was created: no new release, no new tag on GitHub, on origin or locally. */
function expectNothingCreated(p: Project, releasesBefore: number): void {
  expect(fake.state.releases).toHaveLength(releasesBefore)
  expect([...fake.state.refs.keys()].filter((r) => r.includes('1.1.0'))).toEqual([])
  expect(git(p.repo, 'ls-remote', '--tags', 'origin')).not.toContain('1.1.0')
  expect(git(p.repo, 'tag', '-l')).toBe('v1.0.0')
}

describe('actions/release-gate (dist/index.js as the runner runs it)', () => {
  it('check runs every gate without a token; publish tags the target and releases the artifacts, whose SHA256SUMS passes sha256sum -c', async () => {
    const p = project()
    addRelease('v1.0.0')
    const c = await check(p, { version: '1.1.0' })
    expect(c.stdout).not.toContain('::error')
    expect(c.status).toBe(0)
    expect(fake.requests).toEqual([])
    expect(c.outputs).toMatchObject({ tag: 'v1.1.0', version: '1.1.0', 'pass-rate': '1', 'release-id': '' })
    expect(c.summary).toContain('checked, ready to publish')
    expect(c.summary).toContain('5 passed, 0 failed, 0 errored; 1 skipped')
    const staged = c.outputs['artifacts-dir']!
    expect(staged.startsWith(c.runnerTemp)).toBe(true)
    expect(readdirSync(staged).sort()).toEqual(['SHA256SUMS', 'app-1.1.0.sbom.json', 'app-1.1.0.tgz'])

    const r = await publish(p, handOver(staged), { version: '1.1.0' })
    expect(r.stdout).not.toContain('::error')
    expect(r.status).toBe(0)
    const release = fake.state.releases.find((x) => x.tag_name === 'v1.1.0')!
    expect(release).toMatchObject({ draft: false, prerelease: false, target_commitish: p.sha })
    expect(fake.state.refs.get('refs/tags/v1.1.0')).toBe(p.sha)
    expect(release.body).toContain('Add the feature')
    expect(release.body).toContain('since v1.0.0')
    expect(release.body).not.toContain('initial')
    expect(release.assets.map((a) => a.name).sort()).toEqual([
      'SHA256SUMS',
      'app-1.1.0.sbom.json',
      'app-1.1.0.tgz',
    ])
    const download = tempDir('relseal-download-')
    for (const a of release.assets) writeFileSync(join(download, a.name), a.data)
    expect(execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: download, encoding: 'utf8' })).toBe(
      'app-1.1.0.sbom.json: OK\napp-1.1.0.tgz: OK\n',
    )
    const artifacts = JSON.parse(r.outputs.artifacts!) as { name: string; size: number; sha256: string }[]
    expect(artifacts.map((a) => a.name)).toEqual(['app-1.1.0.sbom.json', 'app-1.1.0.tgz'])
    expect(r.outputs.artifacts).toBe(c.outputs.artifacts)
    expect(r.outputs).toMatchObject({
      tag: 'v1.1.0',
      version: '1.1.0',
      'release-id': String(release.id),
      'release-url': 'https://github.com/acme/app/releases/tag/v1.1.0',
    })
    expect(r.summary).toContain('new and increasing')
    expect(r.summary).toContain('app-1.1.0.tgz')
    expect(shownLog(r.stdout + r.stderr)).not.toContain(TOKEN)
  })

  it.each([
    ['1.2', '1.2.0'],
    ['01.2.3', '1.2.3'],
    ['1.2.3-', '1.2.3'],
    ['1.2.3+', '1.2.3'],
    [' 1.1.0', '1.1.0'],
    ['1.1.0\t', '1.1.0'],
    ['１.1.0', '1.1.0'],
    ['V1.1.0', '1.1.0'],
    ['release-1.1.0', '1.1.0'],
    ['1.1.0; touch pwned', undefined],
  ])('semver gate refuses %j before anything runs (nearest valid form %s)', async (version, near) => {
    const p = project()
    const r = await gate(p, { version })
    expect(r.status).toBe(1)
    expect(r.stdout).toContain('E_BAD_VERSION')
    if (near) expect(r.stdout).toContain(`did you mean ${near}?`)
    else expect(r.stdout).not.toContain('did you mean')
    expect(existsSync(join(p.repo, 'reports'))).toBe(false) // the tests never ran
    expectNothingCreated(p, 0)
  })

  it('semver gate: a prerelease only with allow-prerelease, and then the release is a prerelease', async () => {
    const p = project()
    const refused = await gate(p, { version: '1.1.0-rc.1' })
    expect(refused.stdout).toContain('1.1.0-rc.1 is a prerelease; set allow-prerelease: true')
    expectNothingCreated(p, 0)
    const r = await gate(p, { version: 'v1.1.0-rc.1', 'allow-prerelease': 'true' })
    expect(r.status).toBe(0)
    expect(fake.state.releases[0]).toMatchObject({ tag_name: 'v1.1.0-rc.1', prerelease: true, draft: false })
  })

  it('refuses a version that is not above the highest release, prerelease ordering as semver defines', async () => {
    const p = project()
    addRelease('v1.1.0-rc.2', { prerelease: true })
    const r = await gate(p, { version: '1.1.0-rc.1', 'allow-prerelease': 'true' })
    expect(r.stdout).toContain('E_NOT_INCREASING')
    expect(r.stdout).toContain('not greater than 1.1.0-rc.2')
    expect(r.stdout).toContain('GitHub release v1.1.0-rc.2')
    expectNothingCreated(p, 1)
    // 1.1.0 is above 1.1.0-rc.2.
    const ok = await gate(p, { version: '1.1.0' })
    expect(ok.status).toBe(0)
  })

  it('publish refuses a duplicate found only as a draft release, which the tokenless check cannot see', async () => {
    const p = project()
    addRelease('v1.1.0', { draft: true })
    const r = await gate(p, { version: '1.1.0' })
    expect(r.status).toBe(1)
    expect(r.stdout).toContain('E_DUPLICATE_TAG')
    expect(r.stdout).toContain('already exists as a GitHub draft release')
    expect(fake.state.releases).toHaveLength(1)
    expect(fake.state.refs.size).toBe(0)
  })

  it('refuses a duplicate found only on the remote (git ls-remote --tags)', async () => {
    const p = project()
    git(p.repo, 'tag', 'v1.1.0')
    git(p.repo, 'push', '-q', 'origin', 'v1.1.0')
    git(p.repo, 'tag', '-d', 'v1.1.0')
    const r = await gate(p, { version: '1.1.0' })
    expect(r.status).toBe(1)
    expect(r.stdout).toContain('E_DUPLICATE_TAG')
    expect(r.stdout).toContain('tag v1.1.0 already exists on the remote origin')
    expect(fake.state.releases).toHaveLength(0)
    expect(fake.state.refs.size).toBe(0)
  })

  it('refuses a duplicate found only in the checkout, and one found only as a tag on GitHub', async () => {
    const p = project()
    git(p.repo, 'tag', 'v1.1.0', 'HEAD~1')
    const local = await gate(p, { version: '1.1.0' })
    expect(local.stdout).toContain('already exists locally in the checkout')
    git(p.repo, 'tag', '-d', 'v1.1.0')
    fake.state.refs.set('refs/tags/v1.1.0', p.sha)
    const api = await gate(p, { version: '1.1.0' })
    expect(api.stdout).toContain('already exists as a tag on GitHub')
    expect(fake.state.releases).toHaveLength(0)
  })

  it('test gate: a failing test command stops the release, and each failed case is annotated', async () => {
    const p = project()
    const r = await gate(p, {
      version: '1.1.0',
      'test-command': 'node emit-junit.mjs reports/junit.xml 3 2 0 1',
    })
    expect(r.status).toBe(1)
    expect(r.stdout).toContain('E_TEST_GATE')
    expect(r.stdout).toContain('exited with 1')
    expect(r.stdout).toContain(
      '::error title=failed%3A test/bad.test.ts › bad 0,file=test/bad.test.ts,line=10::expected 1 to be 2',
    )
    expect(r.stdout).toContain(
      '::error title=failed%3A test/bad.test.ts › bad 1,file=test/bad.test.ts,line=11::',
    )
    expect(existsSync(join(p.repo, 'out'))).toBe(false) // the build never ran
    expectNothingCreated(p, 0)
  })

  it.each([
    ['0.9', true, 'at'],
    ['0.91', false, 'just under'],
    ['0.85', true, 'above'],
  ])('pass rate 0.9 with min-pass-rate %s passes: %s (%s the threshold)', async (min, passes) => {
    const p = project()
    // 9 passed, 1 failed, 3 skipped (skipped are shown apart, not counted): rate 0.9. The runner exits 0.
    const r = await check(p, {
      version: '1.1.0',
      'test-command': 'node emit-junit.mjs reports/junit.xml 9 1 3',
      'min-pass-rate': min,
    })
    if (passes) {
      expect(r.status).toBe(0)
      expect(r.outputs['pass-rate']).toBe('0.9')
      expect(existsSync(r.outputs['artifacts-dir']!)).toBe(true)
    } else {
      expect(r.status).toBe(1)
      expect(r.stdout).toContain(
        'pass rate 0.9 is below min-pass-rate 0.91 (9 passed, 1 failed, 0 errored, 3 skipped)',
      )
      expectNothingCreated(p, 0)
    }
  })

  it('a missing, malformed or stale JUnit report is an error, never a pass', async () => {
    const p = project()
    const missing = await gate(p, { version: '1.1.0', 'test-command': 'node --version' })
    expect(missing.stdout).toContain('junit-report matched no file')
    writeTree(p.repo, 'reports/junit.xml', '<testsuites><testsuite name="x"><testcase name="a">')
    const malformed = await gate(p, { version: '1.1.0', 'test-command': 'touch reports/junit.xml' })
    expect(malformed.stdout).toContain('is not well-formed XML')
    writeTree(p.repo, 'reports/junit.xml', '<testsuites tests="0"></testsuites>')
    const empty = await gate(p, { version: '1.1.0', 'test-command': 'touch reports/junit.xml' })
    expect(empty.stdout).toContain('holds no test case')
    execFileSync('touch', ['-d', '2020-01-01', join(p.repo, 'reports/junit.xml')])
    const stale = await gate(p, { version: '1.1.0', 'test-command': 'node --version' })
    expect(stale.stdout).toContain('is older than this test run')
    for (const r of [missing, malformed, empty, stale]) expect(r.status).toBe(1)
    expectNothingCreated(p, 0)
  })

  it('build gate: a failing build, or artifacts matching nothing, stop the release', async () => {
    const p = project()
    const failing = await gate(p, { version: '1.1.0', 'build-command': 'node -e "process.exit(3)"' })
    expect(failing.stdout).toContain('E_BUILD_FAILED: build: `node -e process.exit(3)` exited with 3')
    const nothing = await gate(p, { version: '1.1.0', artifacts: 'out/*.zip' })
    expect(nothing.stdout).toContain('artifacts matched no file (out/*.zip)')
    expectNothingCreated(p, 0)
  })

  it('a re-run of the same workflow run continues the release it created; another run finds a duplicate', async () => {
    const p = project()
    // The first attempt dies when it creates the tag (after the draft release and its uploads).
    fake.faults.push({ method: 'POST', path: '/git/refs', status: 403, times: 1 })
    const first = await gate(p, { version: '1.1.0' })
    expect(first.status).toBe(1)
    expect(fake.state.releases).toHaveLength(1)
    expect(fake.state.releases[0]!.draft).toBe(true)
    expect(first.summary).toContain('re-run the failed jobs to continue it')

    const other = await gate(p, { version: '1.1.0' }, { GITHUB_RUN_ID: '7002' })
    expect(other.stdout).toContain('already exists as a GitHub draft release')

    const rerun = await gate(p, { version: '1.1.0' }, { GITHUB_RUN_ATTEMPT: '2' })
    expect(rerun.stdout).not.toContain('::error')
    expect(rerun.status).toBe(0)
    expect(rerun.stdout).toContain('continuing draft release')
    expect(fake.state.releases).toHaveLength(1)
    expect(fake.state.releases[0]).toMatchObject({ draft: false, tag_name: 'v1.1.0' })
    expect(fake.state.releases[0]!.assets).toHaveLength(3)
    expect(fake.state.refs.get('refs/tags/v1.1.0')).toBe(p.sha)
  })

  it('draft: true leaves the release a draft but creates the tag; release-notes reads the given file', async () => {
    const p = project()
    writeTree(p.repo, 'NOTES.md', 'Hand-written notes\n')
    const r = await gate(p, { version: '1.1.0', draft: 'true', 'release-notes': 'NOTES.md' })
    expect(r.status).toBe(0)
    expect(fake.state.releases[0]).toMatchObject({ draft: true })
    expect(fake.state.releases[0]!.body).toContain('Hand-written notes')
    expect(fake.state.refs.get('refs/tags/v1.1.0')).toBe(p.sha)
  })

  it('refuses a target that is not the checkout HEAD, and a tag-prefix that git could read as an option', async () => {
    const p = project()
    const head = await gate(p, { version: '1.1.0', target: 'v1.0.0' })
    expect(head.stdout).toContain('the workspace HEAD is')
    const prefix = await gate(p, { version: '1.1.0', 'tag-prefix': '-v' })
    expect(prefix.stdout).toContain('input tag-prefix "-v" must start with a letter or digit')
    const outside = join(tempDir('relseal-outside-'), 'NOTES.md')
    writeFileSync(outside, 'not from the repository\n')
    const notes = await gate(p, { version: '1.1.0', 'release-notes': relative(p.repo, outside) })
    expect(notes.stdout).toContain('is outside the repository checkout')
    expect(existsSync(join(p.repo, 'reports'))).toBe(false)
    expectNothingCreated(p, 0)
  })
})

/** `sh` line that dumps the command's own environment and its parent's start-up environment. */
const DUMP_ENV = `sh -c 'env > env.txt; tr "\\000" "\\n" < /proc/$PPID/environ > parent-env.txt'`
const SECRET_VARS =
  /^(GITHUB_TOKEN|GH_TOKEN|INPUT_GITHUB-TOKEN|ACTIONS_RUNTIME_TOKEN|ACTIONS_ID_TOKEN_REQUEST_TOKEN)=[^\0\n]/m

describe('actions/release-gate: two trust zones', () => {
  it('the probe reads a token from /proc/$PPID/environ when nothing wipes it', () => {
    const dir = tempDir('relseal-probe-')
    execFileSync(
      process.execPath,
      ['-e', `require('child_process').execFileSync('sh', ['-c', process.argv[1]])`, DUMP_ENV.slice(7, -1)],
      {
        cwd: dir,
        env: { PATH: process.env.PATH, ACTIONS_RUNTIME_TOKEN: RUNTIME_TOKEN },
      },
    )
    expect(readFileSync(join(dir, 'parent-env.txt'), 'utf8')).toContain(RUNTIME_TOKEN)
  })

  it("a command of a check step finds no token in its environment, nor in its parent's", async () => {
    const p = project()
    const r = await check(p, {
      version: '1.1.0',
      'test-command': `node emit-junit.mjs reports/junit.xml 1 0 0\n${DUMP_ENV}`,
    })
    expect(r.stdout).not.toContain('::error')
    expect(r.status).toBe(0)
    for (const f of ['env.txt', 'parent-env.txt']) {
      const text = readFileSync(join(p.repo, f), 'utf8')
      expect(text).toContain('GITHUB_REPOSITORY=acme/app') // it read a real environment
      expect(text).not.toContain(RUNTIME_TOKEN)
      expect(text).not.toMatch(SECRET_VARS)
    }
    expect(readFileSync(join(p.repo, 'env.txt'), 'utf8')).not.toContain('INPUT_')
    expect(fake.requests).toEqual([])
  })

  it.each([
    ['a github-token input', { 'github-token': TOKEN }, {}],
    ['GITHUB_TOKEN in the job env', {}, { GITHUB_TOKEN: TOKEN }],
    ['id-token: write (an OIDC request token)', {}, { ACTIONS_ID_TOKEN_REQUEST_TOKEN: TOKEN }],
  ])('check refuses %s with E_USAGE before any command runs', async (_, inputs, env) => {
    const p = project()
    const r = await check(p, { version: '1.1.0', ...inputs }, env)
    expect(r.status).toBe(1)
    expect(r.stdout).toContain('E_USAGE: mode check runs the test and build commands')
    expect(existsSync(join(p.repo, 'reports'))).toBe(false)
    expect(shownLog(r.stdout + r.stderr)).not.toContain(TOKEN)
    expect(fake.requests).toEqual([])
  })

  it.each(['test-command', 'build-command', 'junit-report', 'artifacts'])(
    'publish refuses %s: it runs no project code',
    async (input) => {
      const p = project()
      const r = await publish(p, '', { version: '1.1.0', [input]: 'node build.mjs 1.1.0' })
      expect(r.status).toBe(1)
      expect(r.stdout).toContain(
        `E_USAGE: mode publish holds the write token and runs no project code, so input ${input} is refused`,
      )
      expect(existsSync(join(p.repo, 'out'))).toBe(false)
      expect(fake.requests).toEqual([])
    },
  )

  it('publish needs a token, and mode is check or publish', async () => {
    const p = project()
    const noToken = await publish(p, '', { version: '1.1.0', 'github-token': '' })
    expect(noToken.stdout).toContain('E_USAGE: mode publish creates the tag and the release')
    const odd = await check(p, { version: '1.1.0', mode: 'all' })
    expect(odd.stdout).toContain('E_USAGE: input mode is "all"')
    expect(existsSync(join(p.repo, 'reports'))).toBe(false)
    expect(fake.requests).toEqual([])
  })

  it('publish refuses artifacts that are not exactly what the check step listed in SHA256SUMS', async () => {
    const p = project()
    const c = await check(p, { version: '1.1.0' })
    expect(c.status).toBe(0)
    const staged = c.outputs['artifacts-dir']!
    const altered = handOver(staged)
    writeFileSync(join(altered, 'app-1.1.0.tgz'), 'something else\n')
    const extra = handOver(staged)
    writeFileSync(join(extra, 'evil.sh'), 'echo\n')
    const missing = handOver(staged)
    rmSync(join(missing, 'app-1.1.0.sbom.json'))
    const unlisted = handOver(staged)
    rmSync(join(unlisted, 'SHA256SUMS'))
    for (const [dir, says] of [
      [altered, 'artifact app-1.1.0.tgz in artifacts-dir has sha256'],
      [extra, 'not listed: evil.sh'],
      [missing, 'missing: app-1.1.0.sbom.json'],
      [unlisted, 'holds no SHA256SUMS'],
    ] as const) {
      const r = await publish(p, dir, { version: '1.1.0' })
      expect(r.status).toBe(1)
      expect(r.stdout).toContain('E_BAD_INPUT')
      expect(r.stdout).toContain(says)
    }
    expectNothingCreated(p, 0)
  })
})

describe('actions/release-gate with require-signed-tag', () => {
  it('releases only a tag a listed maintainer signed, fetched from origin, and creates no tag itself', async () => {
    const keys = tempDir('relseal-ssh-')
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'maintainer', '-f', join(keys, 'm')])
    const p = project()
    writeTree(
      p.repo,
      'allowed_signers',
      `maintainer@acme.example ${readFileSync(join(keys, 'm.pub'), 'utf8')}`,
    )
    p.sha = commitAll(p.repo, 'List the release signers')
    git(p.repo, 'push', '-q', 'origin', 'main')
    const inputs = { version: '1.1.0', 'require-signed-tag': 'true', 'allowed-signers': 'allowed_signers' }

    // A lightweight tag pushed by someone: refused, nothing created.
    git(p.repo, 'tag', 'v1.1.0')
    const unsigned = await gate(p, inputs)
    expect(unsigned.status).toBe(1)
    expect(unsigned.stdout).toContain('E_TAG_UNSIGNED')
    expect(fake.state.releases).toHaveLength(0)

    // The maintainer's signed tag, pushed to origin (GitHub), not present in the checkout.
    const sign = ['-c', 'gpg.format=ssh', '-c', `user.signingKey=${join(keys, 'm')}`]
    git(p.repo, ...sign, 'tag', '-f', '-s', 'v1.1.0', '-m', 'Release 1.1.0', p.sha)
    git(p.repo, 'push', '-q', '-f', 'origin', 'v1.1.0')
    // On GitHub the signed tag's ref names the tag object, which the gate peels to the commit.
    const tagObject = git(p.repo, 'rev-parse', 'refs/tags/v1.1.0')
    expect(tagObject).not.toBe(p.sha)
    fake.state.tagObjects.set(tagObject, { tag: 'v1.1.0', object: p.sha })
    fake.state.refs.set('refs/tags/v1.1.0', tagObject)
    git(p.repo, 'tag', '-d', 'v1.1.0')
    const r = await gate(p, inputs)
    expect(r.stdout).not.toContain('::error')
    expect(r.status).toBe(0)
    expect(r.summary).toContain('signed by maintainer@acme.example')
    expect(fake.requests.filter((q) => q.method === 'POST' && q.path.endsWith('/git/refs'))).toEqual([])
    expect(fake.state.releases[0]).toMatchObject({ tag_name: 'v1.1.0', draft: false })
  })
})
