import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { hashTree, parsePublicKey, verifyManifest, verifyTree } from '../src/index.js'
import { runCli } from './helpers/cli.js'
import { commitAll, git, writeTree } from './helpers/git-repo.js'
import { makeOrigin, signVersion, type Origin } from './helpers/origin.js'
import { tempDir } from './helpers/tmp.js'

const bin = new URL('../bin/relseal.js', import.meta.url).pathname
// About 40 s on an idle 2-core machine; the shared test machine is often several times slower.
const FILES = 2000
const VERSIONS = ['1.0.0', '2.0.0', '3.0.0', '4.0.0']

/** An origin whose releases hold a few thousand files, each version changing some of them. */
async function largeOrigin(): Promise<Origin> {
  const o = await makeOrigin(['0.1.0'])
  for (const [n, v] of VERSIONS.entries()) {
    const files: Record<string, string> = { 'src/version.js': `export const version = '${v}'\n` }
    for (let i = 0; i < FILES; i += n === 0 ? 1 : 97) files[`lib/m${i % 50}/f${i}.js`] = `// ${v} ${i}\n`
    writeTree(o.work, files)
    o.commits[v] = commitAll(o.work, `release ${v}`)
    git(o.work, 'tag', `v${v}`)
  }
  git(o.work, 'push', '-q', o.bare, 'main', '--tags')
  return o
}

/** `current` names a release whose tree matches its stored, signed manifest. */
async function currentIsVerified(root: string, o: Origin): Promise<string> {
  const version = readlinkSync(join(root, 'current')).split('/')[1]!
  const envelope = readFileSync(join(root, '.relseal/manifests', `${version}.release_manifest.json`))
  const { payload } = verifyManifest(envelope, {
    keys: [parsePublicKey(readFileSync(o.pubFile, 'utf8'), 'pub')],
  })
  expect(payload.version).toBe(version)
  verifyTree(payload, await hashTree({ dir: join(root, 'current') }))
  return version
}

describe('killed at any moment, the next run succeeds', () => {
  it('SIGKILL at random moments across whole updates of a large tree', { timeout: 180_000 }, async () => {
    const o = await largeOrigin()
    const root = join(tempDir('relseal-app-'), 'app')
    await runCli(['init', '--app-root', root, '--remote', o.bare, '--repository', 'acme/app'], '/')
    const manifests = new Map<string, string>()
    for (const v of VERSIONS) manifests.set(v, await signVersion(o, v))
    const args = (v: string) => [
      bin,
      'update',
      '--app-root',
      root,
      '--manifest',
      manifests.get(v)!,
      '--pubkey',
      o.pubFile,
    ]

    const started = Date.now()
    expect(spawnSync(process.execPath, args('1.0.0'), { encoding: 'utf8' }).status).toBe(0)
    const whole = Date.now() - started
    const problems: string[] = []
    for (const [n, v] of VERSIONS.slice(1).entries()) {
      // The updater leads its own process group: a group kill is what a terminal or a service manager
      // sends; a kill of the updater alone leaves its git children orphaned, the harder case.
      const child = spawn(process.execPath, args(v), { detached: true, stdio: 'ignore' })
      const delay = Math.round((0.1 + 0.9 * Math.random()) * whole)
      const exited = new Promise<NodeJS.Signals | null>((res) => child.once('exit', (_c, s) => res(s)))
      await new Promise((res) => setTimeout(res, delay))
      const groupKill = n % 2 === 1
      try {
        if (groupKill) process.kill(-child.pid!, 'SIGKILL')
        else child.kill('SIGKILL')
      } catch {
        /* it finished first */
      }
      const signal = await exited
      const at = `${v} killed after ${delay} ms of ~${whole} (${groupKill ? 'group' : 'updater only'}, ${signal ?? 'finished'})`
      try {
        await currentIsVerified(root, o)
      } catch (e) {
        problems.push(`${at}: current is not a verified release: ${(e as Error).message}`)
      }
      const next = spawnSync(process.execPath, args(v), { encoding: 'utf8' })
      if (next.status !== 0) problems.push(`${at}: the next run failed: ${next.stderr}`)
      else if ((await currentIsVerified(root, o)) !== v) problems.push(`${at}: current is not ${v}`)
    }
    expect(problems).toEqual([])
  })
})

describe('a stale lock of a killed updater', () => {
  it("clears git's lock files and the git processes it left, and nothing else", async () => {
    const o = await makeOrigin(['1.0.0', '2.0.0'])
    const root = join(tempDir('relseal-app-'), 'app')
    await runCli(['init', '--app-root', root, '--remote', o.bare, '--repository', 'acme/app'], '/')
    const update = (v: string) =>
      runCli(
        [
          'update',
          '--app-root',
          root,
          '--manifest',
          join(o.out, `v${v}.release_manifest.json`),
          '--pubkey',
          o.pubFile,
        ],
        '/',
      )
    await signVersion(o, '1.0.0')
    await signVersion(o, '2.0.0')
    expect((await update('1.0.0')).code).toBe(0)

    const dead = spawnSync('true').pid
    writeFileSync(
      join(root, '.relseal/lock'),
      JSON.stringify({ pid: dead, host: hostname(), started: 'then' }),
    )
    const store = join(root, 'store.git')
    const worktree = join(store, 'worktrees/1.0.0')
    const left = [
      join(store, 'shallow.lock'),
      join(store, 'packed-refs.lock'),
      join(store, 'refs/relseal/releases/2.0.0.lock'),
      join(worktree, 'index.lock'),
    ]
    mkdirSync(join(store, 'refs/relseal/releases'), { recursive: true })
    for (const f of left) writeFileSync(f, '')
    const kept = [join(root, 'releases/1.0.0/notes.lock'), join(store, 'hooks/mine.lock')]
    for (const f of kept) writeFileSync(f, 'mine\n')
    // a git process the killed updater left working in the store (it waits on its stdin forever)
    const orphan = spawn('git', ['cat-file', '--batch'], { cwd: store, stdio: ['pipe', 'ignore', 'ignore'] })
    const orphanGone = new Promise((res) => orphan.once('exit', res))

    const r = await update('2.0.0')
    expect(r.stderr).not.toContain('error')
    expect(r.code).toBe(0)
    await orphanGone
    expect(orphan.signalCode).toBe('SIGKILL')
    expect(left.filter((f) => existsSync(f))).toEqual([])
    expect(kept.map((f) => readFileSync(f, 'utf8'))).toEqual(['mine\n', 'mine\n'])
    await currentIsVerified(root, o)
  })
})

describe('killed at any point of restart, watch and rollback (issue 16)', () => {
  // Each point in the order a rolled-back update passes it. Whatever the point, `current` must name
  // a whole verified release, and the next run with the same flags must finish the job: the new
  // release watched and kept (its watch passes now), or rolled back (it fails again, or its failure
  // was recorded before the kill) — never "up to date" on a release nobody judged.
  const POINTS = [
    'swap:rollback-set',
    'swap:linked',
    'before:restart',
    'watch:run-1',
    'before:swap-back',
    'swap-back:marked',
    'swap-back:rollback-set',
    'swap-back:swap:linked',
    'before:restart-old',
    'before:watch-old',
    'before:prune',
  ]
  // The verdict "failed" is on disk from swap-back:marked until the rollback finished.
  const JUDGED = new Set(POINTS.slice(5, 10))

  it(
    'leaves current on a verified release, and the next run finishes the job',
    { timeout: 600_000 },
    async () => {
      const o = await makeOrigin(['1.0.0', '2.0.0'])
      const root = join(tempDir('relseal-app-'), 'app')
      await runCli(['init', '--app-root', root, '--remote', o.bare, '--repository', 'acme/app'], '/')
      for (const v of ['1.0.0', '2.0.0']) await signVersion(o, v)
      const scratch = tempDir('relseal-watch-')
      const flag = join(scratch, 'failing')
      const restarts = join(scratch, 'restarts.log')
      const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
        spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env } })
      const update = (v: string, env: NodeJS.ProcessEnv = {}) =>
        cli(
          [
            'update',
            '--app-root',
            root,
            '--manifest',
            join(o.out, `v${v}.release_manifest.json`),
            '--pubkey',
            o.pubFile,
            // the "app" restarted is the release current names (run in the app root)
            '--restart-cmd',
            `readlink current >> '${restarts}'`,
            // 2.0.0 fails its watch while the flag file exists
            '--watch-cmd',
            `test ! -e '${flag}' || test "$(basename "$(pwd -P)")" != 2.0.0`,
            '--watch-for',
            '200ms',
            '--watch-interval',
            '100ms',
            '--retry-failed',
            v,
          ],
          env,
        )
      const lastRun = () => {
        const lines = readFileSync(join(root, '.relseal/evidence.jsonl'), 'utf8').trim().split('\n')
        return JSON.parse(lines.at(-1)!) as { outcome: string; steps: { step: string; outcome: string }[] }
      }
      const lastRestart = () => readFileSync(restarts, 'utf8').trim().split('\n').at(-1)
      expect(update('1.0.0').status).toBe(0)
      const problems: string[] = []
      for (const point of POINTS)
        for (const watch of ['passes', 'fails'] as const) {
          const at = `${point}, then the watch ${watch}`
          writeFileSync(flag, '')
          const killed = update('2.0.0', { RELSEAL_TEST_KILL_AT: point })
          if (killed.signal !== 'SIGKILL')
            problems.push(`${at}: not killed (${killed.status}): ${killed.stderr}`)
          try {
            expect(['1.0.0', '2.0.0']).toContain(await currentIsVerified(root, o))
          } catch (e) {
            problems.push(`${at}: current is not a verified release: ${(e as Error).message}`)
          }
          if (watch === 'passes') rmSync(flag)
          const next = update('2.0.0')
          const rollsBack = watch === 'fails' || JUDGED.has(point)
          const version = await currentIsVerified(root, o)
          const watched = lastRun().steps.some((s) => s.step === (rollsBack ? 'watch-old' : 'watch'))
          if (next.status !== (rollsBack ? 4 : 0) || version !== (rollsBack ? '1.0.0' : '2.0.0') || !watched)
            problems.push(
              `${at}: the next run exited ${next.status} with current ${version}, ${watched ? '' : 'not '}watched: ${next.stdout}${next.stderr}`,
            )
          if (lastRestart() !== `releases/${version}`)
            problems.push(`${at}: the last restart was of ${lastRestart()}, current is ${version}`)
          if (existsSync(join(root, '.relseal/supervising.json'))) problems.push(`${at}: the marker is left`)
          // back to 1.0.0 for the next point
          if (version === '2.0.0') {
            const back = cli(['rollback', '--app-root', root, '--pubkey', o.pubFile])
            if (back.status !== 0) problems.push(`${at}: rollback failed: ${back.stderr}`)
          }
        }
      rmSync(flag, { force: true })
      expect(problems).toEqual([])
    },
  )

  it('without --restart-cmd/--watch-cmd the next update refuses; status shows it; rollback clears it', async () => {
    const o = await makeOrigin(['1.0.0', '2.0.0'])
    const root = join(tempDir('relseal-app-'), 'app')
    await runCli(['init', '--app-root', root, '--remote', o.bare, '--repository', 'acme/app'], '/')
    for (const v of ['1.0.0', '2.0.0']) await signVersion(o, v)
    const base = (v: string) => [
      'update',
      '--app-root',
      root,
      '--manifest',
      join(o.out, `v${v}.release_manifest.json`),
      '--pubkey',
      o.pubFile,
    ]
    const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
      spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env } })
    expect(cli(base('1.0.0')).status).toBe(0)
    const killed = cli([...base('2.0.0'), '--restart-cmd', 'true'], {
      RELSEAL_TEST_KILL_AT: 'before:restart',
    })
    expect(killed.signal).toBe('SIGKILL')
    const status = cli(['status', '--app-root', root])
    expect(status.stdout).toMatch(/pending: +2\.0\.0 \(swapped at .* from 1\.0\.0\) was not judged/)
    const json = JSON.parse(cli(['status', '--app-root', root, '--json']).stdout) as {
      supervising?: { version: string; from: string }
    }
    expect(json.supervising).toMatchObject({ version: '2.0.0', from: '1.0.0' })
    const plain = cli(base('2.0.0'))
    expect(plain.status).toBe(1)
    expect(plain.stderr).toContain('E_SUPERVISION_PENDING')
    expect(plain.stderr).toContain('--restart-cmd/--watch-cmd')
    expect(readlinkSync(join(root, 'current'))).toBe('releases/2.0.0')
    expect(cli(['rollback', '--app-root', root, '--pubkey', o.pubFile]).status).toBe(0)
    expect(existsSync(join(root, '.relseal/supervising.json'))).toBe(false)
    expect(cli(base('1.0.0')).stdout).toContain('up to date: 1.0.0')
  })
})
