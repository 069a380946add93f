import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { FakeGitHub } from './fake-github/server.js'
import { addRelease } from './fake-github/state.js'
import { fakeGitHubPerTest } from './helpers/fake-per-test.js'
import { commitAll, git, makeRepo, writeTree } from './helpers/git-repo.js'
import { runAction, type ActionRun } from './helpers/run-action.js'
import { tempDir } from './helpers/tmp.js'

let fake!: FakeGitHub
fakeGitHubPerTest((f) => (fake = f))

// A benchmark stand-in: `node bench.mjs OUT name=value…` writes a customSmallerIsBetter report.
const BENCH = `import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
const [out, ...metrics] = process.argv.slice(2)
mkdirSync(dirname(out), { recursive: true })
writeFileSync(out, JSON.stringify(metrics.map((m) => {
  const [name, value] = m.split('=')
  return { name, unit: 'ms', value: Number(value) }
}), null, 2) + '\\n')
`
const BUILD = `import { mkdirSync, writeFileSync } from 'node:fs'
mkdirSync('out', { recursive: true })
writeFileSync('out/app.tgz', 'tarball\\n')
`
const report = (metrics: Record<string, number>) =>
  Buffer.from(JSON.stringify(Object.entries(metrics).map(([name, value]) => ({ name, unit: 'ms', value }))))

interface Project {
  repo: string
  sha: string
}

/** A checkout tagged v1.0.0 one commit back, with the bench and build stand-ins. */
function project(): Project {
  const repo = makeRepo({ 'bench.mjs': BENCH, 'build.mjs': BUILD, 'README.md': '# app\n' })
  git(repo, 'tag', 'v1.0.0')
  writeTree(repo, { 'src/feature.js': 'export const feature = 1\n' })
  return { repo, sha: commitAll(repo, 'Add the feature') }
}

const env = (p: Project) => ({
  GITHUB_REPOSITORY: 'acme/app',
  GITHUB_API_URL: fake.url,
  GITHUB_SHA: p.sha,
  GITHUB_WORKSPACE: p.repo,
  GITHUB_RUN_ID: '7001',
})

function check(p: Project, inputs: Record<string, string>): Promise<ActionRun> {
  return runAction(
    'release-gate',
    {
      mode: 'check',
      version: '1.1.0',
      'build-command': 'node build.mjs',
      artifacts: 'out/*',
      'benchmark-command': 'node bench.mjs reports/bench.json startup=104.9 hash=2000',
      'benchmark-report': 'reports/bench.json',
      ...inputs,
    },
    env(p),
  )
}

/** The publish job: the check job's staged folder handed over (upload-artifact, download-artifact). */
function publish(p: Project, c: ActionRun, inputs: Record<string, string> = {}): Promise<ActionRun> {
  const dir = tempDir('relseal-downloaded-')
  for (const f of readdirSync(c.outputs['artifacts-dir']!))
    copyFileSync(join(c.outputs['artifacts-dir']!, f), join(dir, f))
  return runAction(
    'release-gate',
    { mode: 'publish', version: '1.1.0', 'github-token': 'test-token', 'artifacts-dir': dir, ...inputs },
    env(p),
  )
}

describe('release-gate: named checks', () => {
  it('runs each check in order in its own log group with a summary row; the first release passes the benchmark gate with a note and uploads benchmarks.json', async () => {
    const p = project()
    const c = await check(p, {
      checks: [
        '# audit gates',
        `audit: node -e "require('fs').writeFileSync('audit.txt', 'ok')"`,
        `licenses: node -e "console.log('licenses: ' + require('fs').readFileSync('audit.txt', 'utf8'))"`,
      ].join('\n'),
    })
    expect(c.stdout).not.toContain('::error')
    expect(c.status).toBe(0)
    const out = c.stdout
    expect(out.indexOf('::group::check: audit')).toBeGreaterThan(-1)
    expect(out.indexOf('::group::check: licenses')).toBeGreaterThan(out.indexOf('::group::check: audit'))
    expect(out).toContain('licenses: ok') // the second ran after the first, in the workspace
    expect(c.summary).toContain('check: audit')
    expect(c.summary).toContain('check: licenses')
    expect(c.summary).toContain('the publish step compares them with the previous release')
    expect(readdirSync(c.outputs['artifacts-dir']!).sort()).toEqual([
      'SHA256SUMS',
      'app.tgz',
      'benchmarks.json',
    ])
    expect(fake.requests).toEqual([])

    const r = await publish(p, c)
    expect(r.stdout).not.toContain('::error')
    expect(r.status).toBe(0)
    expect(r.summary).toContain('no previous release: the first report becomes the baseline')
    const release = fake.state.releases.find((x) => x.tag_name === 'v1.1.0')!
    const asset = release.assets.find((a) => a.name === 'benchmarks.json')!
    expect(asset.data.equals(readFileSync(join(p.repo, 'reports/bench.json')))).toBe(true)
  })

  it('a failing check stops the release before the next check, the build and anything else', async () => {
    const p = project()
    const c = await check(p, {
      checks: `audit: node -e "process.exit(4)"\nlicenses: node -e "require('fs').writeFileSync('ran.txt', '')"`,
    })
    expect(c.status).toBe(1)
    expect(c.stdout).toContain('E_CHECK_FAILED: check audit: `node -e process.exit(4)` exited with 4')
    expect(c.summary).toMatch(/check: audit<\/td><td>❌ failed/)
    expect(existsSync(join(p.repo, 'ran.txt'))).toBe(false)
    expect(existsSync(join(p.repo, 'out'))).toBe(false)
    expect(existsSync(join(c.runnerTemp, 'relseal-release-artifacts'))).toBe(false)
  })

  it.each([
    ['a line without a name', 'npm audit', 'write "name: command"'],
    ['a name used twice', 'audit: a\naudit: b', 'is used twice'],
  ])('refuses %s with E_USAGE before anything runs', async (_what, checks, says) => {
    const p = project()
    const c = await check(p, { checks })
    expect(c.status).toBe(1)
    expect(c.stdout).toContain('E_USAGE')
    expect(c.stdout).toContain(says)
    expect(existsSync(join(p.repo, 'reports'))).toBe(false)
  })

  it.each(['checks', 'benchmark-command', 'benchmark-report'])(
    'publish refuses %s: it runs no project code',
    async (input) => {
      const p = project()
      const r = await runAction(
        'release-gate',
        { mode: 'publish', version: '1.1.0', 'github-token': 'test-token', [input]: 'x: node bench.mjs' },
        env(p),
      )
      expect(r.status).toBe(1)
      expect(r.stdout).toContain(`so input ${input} is refused`)
      expect(fake.requests).toEqual([])
    },
  )
})

describe('release-gate: the benchmark gate', () => {
  it('finds the previous release among drafts, prereleases and more than one page of releases, and stops a regression there', async () => {
    const p = project()
    // Oldest first: the listing is newest first, so v1.0.0 lands on the second page of 100.
    addRelease(fake.state, 'v1.0.0', {
      assets: [{ name: 'benchmarks.json', data: report({ startup: 100, hash: 2000 }) }],
    })
    for (let i = 1; i <= 120; i++) addRelease(fake.state, `v0.9.${i}`)
    addRelease(fake.state, 'nightly', { assets: [{ name: 'benchmarks.json', data: report({ startup: 1 }) }] })
    addRelease(fake.state, 'v1.0.1', {
      draft: true,
      assets: [{ name: 'benchmarks.json', data: report({ startup: 50 }) }],
    })
    addRelease(fake.state, 'v1.1.0-rc.1', {
      prerelease: true,
      assets: [{ name: 'benchmarks.json', data: report({ startup: 50 }) }],
    })
    const releases = fake.state.releases.length

    const slower = await check(p, {
      'benchmark-command': 'node bench.mjs reports/bench.json startup=105.1 hash=2000',
    })
    expect(slower.status).toBe(0)
    const refused = await publish(p, slower)
    expect(refused.status).toBe(1)
    expect(refused.stdout).toContain('E_BENCHMARK_GATE: 1 metric(s) failed against v1.0.0: startup regressed')
    expect(refused.summary).toMatch(
      /startup<\/td><td>100 ms<\/td><td>105.1 ms<\/td><td>\+5.10%<\/td><td>regressed ✗/,
    )
    expect(fake.requests.filter((q) => q.method === 'GET' && q.path.endsWith('/releases')).length).toBe(2)
    expect(fake.state.releases).toHaveLength(releases)
    expect(fake.state.refs.has('refs/tags/v1.1.0')).toBe(false)

    const c = await check(p, {})
    const r = await publish(p, c)
    expect(r.stdout).not.toContain('::error')
    expect(r.status).toBe(0)
    expect(r.summary).toContain('against v1.0.0')
    expect(r.summary).toMatch(
      /startup<\/td><td>100 ms<\/td><td>104.9 ms<\/td><td>\+4.90%<\/td><td>within tolerance/,
    )
    expect(
      fake.state.releases
        .find((x) => x.tag_name === 'v1.1.0')!
        .assets.map((a) => a.name)
        .sort(),
    ).toEqual(['SHA256SUMS', 'app.tgz', 'benchmarks.json'])
  })

  it('a prerelease compares with the newest release below it, prereleases included', async () => {
    const p = project()
    addRelease(fake.state, 'v1.0.0', {
      assets: [{ name: 'benchmarks.json', data: report({ startup: 200, hash: 2000 }) }],
    })
    addRelease(fake.state, 'v1.1.0-rc.1', {
      prerelease: true,
      assets: [{ name: 'benchmarks.json', data: report({ startup: 100, hash: 2000 }) }],
    })
    const inputs = { version: '1.1.0-rc.2', 'allow-prerelease': 'true' }
    const c = await check(p, {
      ...inputs,
      'benchmark-command': 'node bench.mjs reports/bench.json startup=110 hash=2000',
    })
    const r = await publish(p, c, inputs)
    expect(r.status).toBe(1)
    expect(r.stdout).toContain('failed against v1.1.0-rc.1: startup regressed')
  })

  it("a baseline over 1 MiB is refused without being downloaded, and a malformed one names the release's asset", async () => {
    const p = project()
    const prev = addRelease(fake.state, 'v1.0.0', {
      assets: [{ name: 'benchmarks.json', data: Buffer.alloc(1024 * 1024 + 1, 0x20) }],
    })
    const c = await check(p, {})
    const big = await publish(p, c)
    expect(big.status).toBe(1)
    expect(big.stdout).toContain(
      'E_BENCHMARK_GATE: benchmarks.json of v1.0.0 is 1048577 bytes, over the 1048576-byte limit',
    )
    expect(fake.requests.filter((q) => q.host === 'objects')).toEqual([])
    prev.assets[0]!.data = Buffer.from('[{"name":"startup","unit":"ms","value":"fast"}]')
    const bad = await publish(p, c)
    expect(bad.status).toBe(1)
    expect(bad.stdout).toContain(
      'benchmark report benchmarks.json of v1.0.0: entry 1 ("startup"): "value" must be a finite number',
    )
    expect(fake.state.releases).toHaveLength(1)
    expect(fake.state.refs.has('refs/tags/v1.1.0')).toBe(false)
  })

  it('a stale report fails the check step, and so does a regression against a baseline file', async () => {
    const p = project()
    writeTree(p.repo, { 'reports/bench.json': report({ startup: 1 }).toString() })
    execFileSync('touch', ['-d', '2020-01-01', join(p.repo, 'reports/bench.json')])
    const stale = await check(p, { 'benchmark-command': 'node --version' })
    expect(stale.status).toBe(1)
    expect(stale.stdout).toContain(
      'E_BENCHMARK_GATE: benchmark report reports/bench.json is older than this benchmark run',
    )

    writeTree(p.repo, { 'bench/baseline.json': report({ startup: 100, hash: 2000, size: 5 }).toString() })
    const missing = await check(p, { 'benchmark-baseline': 'bench/baseline.json' })
    expect(missing.status).toBe(1)
    expect(missing.stdout).toContain(
      'E_BENCHMARK_GATE: 1 metric(s) failed against bench/baseline.json: size missing',
    )
    expect(missing.summary).toMatch(/size<\/td><td>5 ms<\/td><td>—<\/td><td>—<\/td><td>missing ✗/)
    for (const r of [stale, missing])
      expect(existsSync(join(r.runnerTemp, 'relseal-release-artifacts'))).toBe(false)
    expect(fake.requests).toEqual([])
  })
})
