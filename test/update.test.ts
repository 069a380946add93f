import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { hostname } from 'node:os'
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { signManifest } from '../src/manifest/index.js'
import { parsePayload } from '../src/manifest/payload.js'
import { parseSigningKey } from '../src/keys/index.js'
import { runCli } from './helpers/cli.js'
import { makeOrigin, signVersion, type Origin } from './helpers/origin.js'
import { tempDir } from './helpers/tmp.js'

async function appRoot(o: Origin): Promise<string> {
  const root = join(tempDir('relseal-app-'), 'app')
  const r = await runCli(['init', '--app-root', root, '--remote', o.bare, '--repository', 'acme/app'], '/')
  expect(r.code).toBe(0)
  return root
}

function update(root: string, o: Origin, manifest: string, extra: string[] = []) {
  return runCli(
    [
      'update',
      '--app-root',
      root,
      '--manifest',
      manifest,
      '--pubkey',
      o.pubFile,
      '--repository',
      'acme/app',
      ...extra,
    ],
    '/',
  )
}

const current = (root: string) =>
  existsSync(join(root, 'current')) ? readlinkSync(join(root, 'current')) : undefined
const hasObject = (root: string, commit: string) =>
  spawnSync('git', ['cat-file', '-e', `${commit}^{commit}`], { cwd: join(root, 'store.git') }).status === 0
const evidence = (root: string) =>
  readFileSync(join(root, '.relseal/evidence.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)

/** Re-signs a version's manifest with a changed payload (a validly signed but wrong manifest). */
function resign(o: Origin, manifest: string, change: Record<string, unknown>): string {
  const env = JSON.parse(readFileSync(manifest, 'utf8')) as { payload: string }
  const payload = { ...parsePayload(Buffer.from(env.payload, 'base64')), ...change }
  const path = `${manifest}.changed.json`
  writeFileSync(path, signManifest(payload, [parseSigningKey(readFileSync(o.keyFile, 'utf8'), 'key')]))
  return path
}

describe('relseal update', () => {
  it('installs the first release, updates, answers up to date, rolls back and prunes', async () => {
    const o = await makeOrigin()
    const root = await appRoot(o)
    expect(readdirSync(join(root, 'releases'))).toEqual([]) // init fetches nothing
    expect((await update(root, o, await signVersion(o, '1.0.0'))).code).toBe(0)
    expect(current(root)).toBe('releases/1.0.0')
    expect(readFileSync(join(root, 'current/src/version.js'), 'utf8')).toContain('1.0.0')

    const r2 = await update(root, o, await signVersion(o, '2.0.0'), [
      '--health-cmd',
      'test -f src/version.js',
    ])
    expect(r2.stdout).toContain('updated 1.0.0 -> 2.0.0')
    expect(current(root)).toBe('releases/2.0.0')
    expect(readlinkSync(join(root, 'rollback'))).toBe('releases/1.0.0')

    const again = await update(root, o, join(o.out, 'v2.0.0.release_manifest.json'))
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('up to date')

    const back = await runCli(['rollback', '--app-root', root, '--pubkey', o.pubFile], '/')
    expect(back.code).toBe(0)
    expect(current(root)).toBe('releases/1.0.0')
    expect(existsSync(join(root, 'rollback'))).toBe(false) // nothing older than 1.0.0: rollback goes back only

    expect((await update(root, o, await signVersion(o, '3.0.0'), ['--keep', '2'])).code).toBe(0)
    expect(readdirSync(join(root, 'releases')).sort()).toEqual(['2.0.0', '3.0.0']) // current 3, rollback 2

    const log = evidence(root)
    expect(log.map((e) => e.outcome)).toEqual(['updated', 'updated', 'up-to-date', 'rolled-back', 'updated'])
    expect(log[1]).toMatchObject({
      from: { version: '1.0.0' },
      to: { version: '2.0.0', commit: o.commits['2.0.0'] },
    })
    expect(log[1]!.rollback_command).toBe(`relseal rollback --app-root ${root} --pubkey KEY`)
    expect(log[0]!.rollback_command).toBeUndefined() // after a first install there is nothing to roll back to
    expect((log[1]!.steps as { step: string }[]).map((s) => s.step)).toEqual([
      'lock',
      'load',
      'verify',
      'rollout',
      'freeze',
      'fetch',
      'verify-commit',
      'worktree',
      'verify-worktree',
      'health',
      'swap',
      'prune',
    ])
    const st = await runCli(['status', '--app-root', root, '--json'], '/')
    expect(JSON.parse(st.stdout)).toMatchObject({
      current: { version: '3.0.0' },
      rollback: { version: '2.0.0' },
    })
  })

  describe('refusals before any git command', () => {
    it.each([
      [
        'unsigned',
        'E_UNSIGNED',
        (o: Origin, m: string) => {
          const env = JSON.parse(readFileSync(m, 'utf8')) as Record<string, unknown>
          writeFileSync(`${m}.x`, JSON.stringify({ ...env, signatures: [] }))
          return `${m}.x`
        },
      ],
      [
        'tampered',
        'E_BAD_SIGNATURE',
        (o: Origin, m: string) => {
          const env = JSON.parse(readFileSync(m, 'utf8')) as { payload: string }
          const p = JSON.parse(Buffer.from(env.payload, 'base64').toString()) as Record<string, unknown>
          p.commit = o.commits['1.0.0']
          writeFileSync(
            `${m}.x`,
            JSON.stringify({ ...env, payload: Buffer.from(JSON.stringify(p)).toString('base64') }),
          )
          return `${m}.x`
        },
      ],
      [
        'expired',
        'E_EXPIRED',
        (o: Origin, m: string) =>
          resign(o, m, { created_at: '2020-01-01T00:00:00Z', expires_at: '2020-02-01T00:00:00Z' }),
      ],
      [
        'for another repository',
        'E_REPOSITORY_MISMATCH',
        (o: Origin, m: string) => resign(o, m, { repository: 'evil/app' }),
      ],
    ])('refuses a manifest that is %s, with nothing fetched or changed', async (_n, code, make) => {
      const o = await makeOrigin(['1.0.0', '2.0.0'])
      const root = await appRoot(o)
      await update(root, o, await signVersion(o, '1.0.0'))
      const r = await update(root, o, make(o, await signVersion(o, '2.0.0')))
      expect(r.code).toBe(1)
      expect(r.stderr).toContain(code)
      expect(hasObject(root, o.commits['2.0.0']!)).toBe(false)
      expect(current(root)).toBe('releases/1.0.0')
      expect(readdirSync(join(root, 'releases'))).toEqual(['1.0.0'])
      expect(evidence(root).at(-1)).toMatchObject({ outcome: 'refused', error_code: code })
    })

    it('refuses a downgrade unless --allow-downgrade', async () => {
      const o = await makeOrigin(['1.0.0', '2.0.0'])
      const root = await appRoot(o)
      const m1 = await signVersion(o, '1.0.0')
      await update(root, o, await signVersion(o, '2.0.0'))
      const r = await update(root, o, m1)
      expect(r.code).toBe(1)
      expect(r.stderr).toContain('E_DOWNGRADE')
      expect(current(root)).toBe('releases/2.0.0')
      expect((await update(root, o, m1, ['--allow-downgrade'])).code).toBe(0)
      expect(current(root)).toBe('releases/1.0.0')
    })
  })

  it('refuses a signed manifest whose tree does not match its commit, before checkout', async () => {
    const o = await makeOrigin(['1.0.0', '2.0.0'])
    const root = await appRoot(o)
    await update(root, o, await signVersion(o, '1.0.0'))
    const wrong = resign(o, await signVersion(o, '2.0.0'), { code_hash: `sha256:${'0'.repeat(64)}` })
    const r = await update(root, o, wrong)
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('E_TREE_MISMATCH')
    expect(readdirSync(join(root, 'releases'))).toEqual(['1.0.0'])
    expect(current(root)).toBe('releases/1.0.0')
  })

  it('keeps the current release when the health check fails (exit 3)', async () => {
    const o = await makeOrigin(['1.0.0', '2.0.0'])
    const root = await appRoot(o)
    await update(root, o, await signVersion(o, '1.0.0'))
    const r = await update(root, o, await signVersion(o, '2.0.0'), ['--health-cmd', 'exit 7'])
    expect(r.code).toBe(3)
    expect(r.stderr).toContain('E_HEALTH_FAILED')
    expect(current(root)).toBe('releases/1.0.0')
    expect(readdirSync(join(root, 'releases'))).toEqual(['1.0.0'])
    const slow = await update(root, o, join(o.out, 'v2.0.0.release_manifest.json'), [
      '--health-cmd',
      'sleep 30',
      '--health-timeout',
      '1',
    ])
    expect(slow.code).toBe(3)
    expect(current(root)).toBe('releases/1.0.0')
  })

  it('fails cleanly (exit 3) for a commit the remote lacks and for an unreachable remote', async () => {
    const o = await makeOrigin(['1.0.0'])
    const lacking = resign(o, await signVersion(o, '1.0.0'), { commit: 'f'.repeat(40) })
    const root = await appRoot(o)
    const r = await update(root, o, lacking)
    expect(r.code).toBe(3)
    expect(r.stderr).toContain('E_UPDATE_FAILED')
    const gone = join(tempDir('relseal-app-'), 'app')
    await runCli(
      [
        'init',
        '--app-root',
        gone,
        '--remote',
        join(o.out, 'no-such-remote.git'),
        '--repository',
        'acme/app',
        '--offline',
      ],
      '/',
    )
    const u = await update(gone, o, join(o.out, 'v1.0.0.release_manifest.json'))
    expect(u.code).toBe(3)
    expect(current(gone)).toBeUndefined()
    expect(readdirSync(join(gone, 'releases'))).toEqual([])
  })

  it('keeps the current release when a write fails during the swap (exit 3), and the next run succeeds', async () => {
    const o = await makeOrigin(['1.0.0', '2.0.0'])
    const root = await appRoot(o)
    await update(root, o, await signVersion(o, '1.0.0'))
    // As root, permissions do not stop writes: a directory where the record must go does.
    const blocker = join(root, '.relseal/manifests/2.0.0.json')
    mkdirSync(blocker)
    const r = await update(root, o, await signVersion(o, '2.0.0'))
    expect(r.code).toBe(3)
    expect(r.stderr).toContain('E_UPDATE_FAILED')
    expect(current(root)).toBe('releases/1.0.0')
    expect(readdirSync(join(root, 'releases'))).toEqual(['1.0.0'])
    expect(readdirSync(root).filter((n) => n.includes('.tmp-'))).toEqual([])
    rmSync(blocker, { recursive: true })
    expect((await update(root, o, join(o.out, 'v2.0.0.release_manifest.json'))).code).toBe(0)
    expect(current(root)).toBe('releases/2.0.0')
  })

  it('refuses an app root that was not initialised (exit 2), and a second updater (E_LOCKED)', async () => {
    const o = await makeOrigin(['1.0.0'])
    const m = await signVersion(o, '1.0.0')
    const r = await update(tempDir(), o, m)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('E_NOT_INITIALISED')
    const root = await appRoot(o)
    const holder = spawn('sleep', ['30'])
    const lock = { pid: holder.pid, host: hostname(), started: 'now' }
    writeFileSync(join(root, '.relseal/lock'), JSON.stringify(lock))
    const locked = await update(root, o, m)
    expect(locked.code).toBe(2)
    expect(locked.stderr).toContain('E_LOCKED')
    holder.kill('SIGKILL')
    await new Promise((res) => holder.once('exit', res))
    expect((await update(root, o, m)).code).toBe(0) // the lock its dead holder left is recovered
  })

  it('loads the manifest from an https-style URL and from a GitHub release (github:OWNER/REPO@TAG)', async () => {
    const o = await makeOrigin(['1.0.0', '2.0.0'])
    const m1 = readFileSync(await signVersion(o, '1.0.0'))
    const m2 = readFileSync(await signVersion(o, '2.0.0'))
    const server = createServer((req, res) => {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      if (req.url === '/m1.json') return res.end(m1)
      if (req.url === '/repos/acme/app/releases/tags/v2.0.0') {
        res.setHeader('content-type', 'application/json')
        return res.end(
          JSON.stringify({
            assets: [{ name: 'release_manifest.json', url: `${base}/repos/acme/app/releases/assets/7` }],
          }),
        )
      }
      if (
        req.url === '/repos/acme/app/releases/assets/7' &&
        req.headers.accept === 'application/octet-stream'
      ) {
        res.writeHead(302, { location: `${base}/download/7` })
        return res.end()
      }
      if (req.url === '/download/7') return res.end(m2)
      res.writeHead(404, { 'content-type': 'application/json' })
      res.end('{"message":"Not Found"}')
    })
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      const root = await appRoot(o)
      expect((await update(root, o, `${base}/m1.json`)).code).toBe(0)
      const r = await update(root, o, 'github:acme/app@v2.0.0', ['--api-url', base])
      expect(r.stderr).not.toContain('error')
      expect(current(root)).toBe('releases/2.0.0')
      const missing = await update(root, o, 'github:acme/app@v9.9.9', ['--api-url', base])
      expect(missing.code).toBe(2)
      expect(missing.stderr).toContain('E_NETWORK')
    } finally {
      server.close()
    }
  })
})

describe('crash safety', () => {
  // 15 × (init, install, killed run, next run): minutes on a loaded machine
  it('survives SIGKILL at every step boundary and inside the swap', { timeout: 300_000 }, async () => {
    const o = await makeOrigin(['1.0.0', '2.0.0'])
    const m1 = await signVersion(o, '1.0.0')
    const m2 = await signVersion(o, '2.0.0')
    const bin = new URL('../bin/relseal.js', import.meta.url).pathname
    const points = [
      'before:lock',
      'before:load',
      'before:verify',
      'before:rollout',
      'before:freeze',
      'before:fetch',
      'before:verify-commit',
      'before:worktree',
      'before:verify-worktree',
      'before:health',
      'before:swap',
      'swap:rollback-set',
      'swap:linked',
      'before:prune',
      'before:evidence',
    ]
    const partial: string[] = []
    for (const point of points) {
      const root = await appRoot(o)
      const args = (m: string) => [
        bin,
        'update',
        '--app-root',
        root,
        '--manifest',
        m,
        '--pubkey',
        o.pubFile,
        '--health-cmd',
        'true',
      ]
      expect(spawnSync(process.execPath, args(m1)).status).toBe(0)
      const killed = spawnSync(process.execPath, args(m2), {
        env: { ...process.env, RELSEAL_TEST_KILL_AT: point },
      })
      expect(killed.signal, point).toBe('SIGKILL')
      // current still names a complete release whose tree is the verified one
      const cur = readlinkSync(join(root, 'current'))
      const rec = JSON.parse(
        readFileSync(join(root, '.relseal/manifests', `${cur.split('/')[1]}.json`), 'utf8'),
      ) as { code_hash: string }
      const hashed = execFileSync(process.execPath, [bin, 'hash', join(root, cur)], {
        encoding: 'utf8',
      }).trim()
      if (hashed !== rec.code_hash) partial.push(`${point}: current is not a verified release`)
      // the next run succeeds and leaves no partial release
      const next = spawnSync(process.execPath, args(m2), { encoding: 'utf8' })
      if (next.status !== 0) partial.push(`${point}: next run failed: ${next.stderr}`)
      const left = readdirSync(join(root, 'releases')).filter((v) => !['1.0.0', '2.0.0'].includes(v))
      if (left.length > 0 || readlinkSync(join(root, 'current')) !== 'releases/2.0.0')
        partial.push(`${point}: stray ${left.join(',')}`)
      if (readdirSync(root).some((n) => n.includes('.tmp-'))) partial.push(`${point}: stray temp pointer`)
    }
    expect(partial).toEqual([])
    expect(points).toHaveLength(15)
  })
})
