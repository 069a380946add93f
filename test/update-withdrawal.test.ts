import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, readFileSync, readlinkSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { evidenceLines, snapshotAppRoot } from './helpers/app-root.js'
import { runCli } from './helpers/cli.js'
import { makeOrigin, signVersion, type Origin } from './helpers/origin.js'
import { tempDir } from './helpers/tmp.js'

async function appRoot(o: Origin): Promise<string> {
  const root = join(tempDir('relseal-app-'), 'app')
  const r = await runCli(['init', '--app-root', root, '--remote', o.bare, '--repository', 'acme/app'], '/')
  expect(r.code).toBe(0)
  return root
}

const update = (root: string, o: Origin, manifest: string, extra: string[] = []) =>
  runCli(['update', '--app-root', root, '--manifest', manifest, '--pubkey', o.pubFile, ...extra], '/')

const current = (root: string) =>
  existsSync(join(root, 'current')) ? readlinkSync(join(root, 'current')) : undefined
const hasObject = (root: string, commit: string) =>
  spawnSync('git', ['cat-file', '-e', `${commit}^{commit}`], { cwd: join(root, 'store.git') }).status === 0

/** A folder as a publisher would serve it: one version's manifest, and a withdrawal if given. */
function folder(o: Origin, version: string, withdrawal?: string): string {
  const dir = tempDir('relseal-pub-')
  copyFileSync(join(o.out, `v${version}.release_manifest.json`), join(dir, 'release_manifest.json'))
  if (withdrawal) copyFileSync(withdrawal, join(dir, 'release_withdrawn.json'))
  return join(dir, 'release_manifest.json')
}

/** `relseal withdraw` of `version` with the origin's release key (or `key`); returns the file. */
async function withdrawAs(o: Origin, version: string, reason: string, key = o.keyFile): Promise<string> {
  const out = join(tempDir('relseal-wd-'), 'release_withdrawn.json')
  const r = await runCli(
    [
      'withdraw',
      '--version',
      version,
      '--reason',
      reason,
      '--key',
      key,
      '--dir',
      o.work,
      '--repository',
      'acme/app',
      '--out',
      out,
    ],
    o.out,
  )
  expect(r.code, r.stderr).toBe(0)
  return out
}

describe('a signed withdrawal across a fleet of app roots', () => {
  it('refuses the withdrawn version, rolls back the hosts running it, and leaves the others alone', async () => {
    const o = await makeOrigin(['1.0.0', '2.0.0', '3.0.0'])
    for (const v of ['1.0.0', '2.0.0', '3.0.0']) await signVersion(o, v)
    const [behind, running, onlyIt, ahead] = [
      await appRoot(o),
      await appRoot(o),
      await appRoot(o),
      await appRoot(o),
    ]
    for (const root of [behind, running, ahead])
      expect((await update(root, o, folder(o, '1.0.0'))).code).toBe(0)
    for (const root of [running, onlyIt, ahead])
      expect((await update(root, o, folder(o, '2.0.0'))).code).toBe(0)

    const reason = 'corrupts the cache \u202egnp.exe' // signed, and still hostile text
    const wd = await withdrawAs(o, '2.0.0', reason)
    const withdrawn = folder(o, '2.0.0', wd)

    // About to update to it: refused, nothing fetched, nothing changed.
    const before = snapshotAppRoot(behind)
    const refused = await update(behind, o, withdrawn)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('E_WITHDRAWN')
    expect(refused.stderr).toContain('\\u202e') // the signed reason is still hostile text: escaped
    expect(snapshotAppRoot(behind)).toEqual(before)
    expect(hasObject(behind, o.commits['2.0.0']!)).toBe(false)
    expect(evidenceLines(behind).at(-1)).toMatchObject({
      outcome: 'refused',
      error_code: 'E_WITHDRAWN',
      withdrawal: { version: '2.0.0', reason },
    })

    // Running it: rolled back to the newest older installed release, exit 4, recorded.
    const back = await update(running, o, withdrawn)
    expect(back.code).toBe(4)
    expect(back.stdout).toContain('rolled back 2.0.0 -> 1.0.0')
    expect(current(running)).toBe('releases/1.0.0')
    const line = evidenceLines(running).at(-1)!
    expect(line).toMatchObject({
      outcome: 'rolled-back',
      from: { version: '2.0.0', commit: o.commits['2.0.0'] },
      to: { version: '1.0.0', commit: o.commits['1.0.0'] },
      withdrawal: { version: '2.0.0', commit: o.commits['2.0.0'], reason },
    })
    expect((line.steps as { step: string }[]).map((s) => s.step)).toEqual([
      'lock',
      'load',
      'verify',
      'withdrawn',
    ])
    // Its next run refuses the withdrawn version and stays where it is.
    const next = await update(running, o, withdrawn, ['--json'])
    expect(next.code).toBe(1)
    expect(current(running)).toBe('releases/1.0.0')

    // Running it with nothing older installed: refused, current left as it is.
    const stuck = snapshotAppRoot(onlyIt)
    const none = await update(onlyIt, o, withdrawn)
    expect(none.code).toBe(1)
    expect(none.stderr).toContain('E_WITHDRAWN')
    expect(none.stderr).toContain('no older release is installed')
    expect(snapshotAppRoot(onlyIt)).toEqual(stuck)

    // A host on an older version reading an older manifest: unaffected (up to date).
    const older = await update(behind, o, folder(o, '1.0.0', wd))
    expect(older.code).toBe(0)
    expect(older.stdout).toContain('up to date')
    // A host running the withdrawn version whose manifest names a newer release: moves forward.
    const forward = await update(ahead, o, folder(o, '3.0.0', wd), ['--json'])
    expect(forward.code).toBe(0)
    expect(JSON.parse(forward.stdout)).toMatchObject({ outcome: 'updated', to: { version: '3.0.0' } })
  })

  it('rolls back through the CLI JSON output with exit 4', async () => {
    const o = await makeOrigin(['1.0.0', '2.0.0'])
    for (const v of ['1.0.0', '2.0.0']) await signVersion(o, v)
    const root = await appRoot(o)
    await update(root, o, folder(o, '1.0.0'))
    await update(root, o, folder(o, '2.0.0'))
    const reason = 'bad build \u202e\u0085x'
    const r = await update(root, o, folder(o, '2.0.0', await withdrawAs(o, '2.0.0', reason)), ['--json'])
    expect(r.code).toBe(4)
    // Valid JSON with the signed value, but no raw bidi or C1 character reaches the terminal.
    expect(r.stdout).not.toMatch(/[\u202e\u0085]/)
    expect(r.stdout).toContain('\\u202e\\u0085')
    expect(JSON.parse(r.stdout)).toMatchObject({
      outcome: 'rolled-back',
      from: { version: '2.0.0' },
      to: { version: '1.0.0' },
      withdrawal: { version: '2.0.0', reason },
    })
    const st = await runCli(['status', '--app-root', root, '--json'], '/')
    expect(st.stdout).not.toMatch(/[\u202e\u0085]/)
    expect(JSON.parse(st.stdout).runs.at(-1)).toMatchObject({
      outcome: 'rolled-back',
      withdrawal: { reason },
    })
  })

  it('restarts the app on the older release with --restart-cmd, and records how it went', async () => {
    const o = await makeOrigin(['1.0.0', '2.0.0'])
    for (const v of ['1.0.0', '2.0.0']) await signVersion(o, v)
    const root = await appRoot(o)
    await update(root, o, folder(o, '1.0.0'))
    await update(root, o, folder(o, '2.0.0'))
    const ran = join(tempDir('relseal-restart-'), 'restarted')
    const wd = await withdrawAs(o, '2.0.0', 'bad build')
    const r = await update(root, o, folder(o, '2.0.0', wd), [
      '--restart-cmd',
      `readlink current > '${ran}'`,
      '--watch-cmd',
      'test -e release.txt || true',
      '--watch-interval',
      '100ms',
      '--json',
    ])
    expect(r.code, r.stderr).toBe(4)
    expect(readFileSync(ran, 'utf8').trim()).toBe('releases/1.0.0')
    expect(JSON.parse(r.stdout)).toMatchObject({
      outcome: 'rolled-back',
      to: { version: '1.0.0' },
      after_rollback: 'healthy',
    })
    const last = evidenceLines(root).at(-1)!
    expect((last.steps as { step: string }[]).map((s) => s.step)).toEqual(
      expect.arrayContaining(['withdrawn', 'restart-old', 'watch-old']),
    )
    expect(last.after_rollback).toBe('healthy')

    // A restart that fails is reported (exit 4 still: current went back either way).
    const root2 = await appRoot(o)
    await update(root2, o, folder(o, '1.0.0'))
    await update(root2, o, folder(o, '2.0.0'))
    const failing = await update(root2, o, folder(o, '2.0.0', wd), ['--restart-cmd', 'exit 7'])
    expect(failing.code).toBe(4)
    expect(failing.stdout).toContain('rolled back 2.0.0 -> 1.0.0')
    expect(failing.stdout).toContain('warning: 1.0.0 failed too after the rollback (E_RESTART_FAILED)')
    expect(current(root2)).toBe('releases/1.0.0')
    expect(evidenceLines(root2).at(-1)!.after_rollback).toMatchObject({ error_code: 'E_RESTART_FAILED' })
  })

  describe('when the statement beside the manifest does not verify', () => {
    it('stops the update (fail closed) and changes nothing', async () => {
      const o = await makeOrigin(['1.0.0', '2.0.0'])
      for (const v of ['1.0.0', '2.0.0']) await signVersion(o, v)
      const root = await appRoot(o)
      await update(root, o, folder(o, '1.0.0'))
      await update(root, o, folder(o, '2.0.0'))
      const snap = snapshotAppRoot(root)
      const other = tempDir('relseal-key-')
      expect((await runCli(['keygen', '--out', 'other'], other)).code).toBe(0)
      const foreign = await update(
        root,
        o,
        folder(o, '2.0.0', await withdrawAs(o, '2.0.0', 'x', join(other, 'other.key'))),
      )
      expect(foreign.code).toBe(1)
      expect(foreign.stderr).toContain('E_UNTRUSTED_KEY')
      // A manifest published under the withdrawal's name is not a withdrawal.
      const confused = await update(root, o, folder(o, '2.0.0', join(o.out, 'v1.0.0.release_manifest.json')))
      expect(confused.code).toBe(2)
      expect(confused.stderr).toContain('E_BAD_INPUT')
      expect(snapshotAppRoot(root)).toEqual(snap)
      expect(current(root)).toBe('releases/2.0.0')
    })
  })
})

describe('where the updater finds a withdrawal', () => {
  function serve(files: Record<string, Buffer>): Promise<{ server: Server; base: string }> {
    const server = createServer((req, res) => {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      const path = req.url ?? ''
      const release = /^\/repos\/acme\/app\/releases\/(latest|tags\/v\d\.\d\.\d)$/.exec(path)
      if (release && files[`gh/${release[1]}`]) {
        const names = Object.keys(files)
          .filter((k) => k.startsWith(`asset/${release[1]}/`))
          .map((k) => k.split('/').at(-1)!)
        res.setHeader('content-type', 'application/json')
        return res.end(
          JSON.stringify({
            assets: names.map((name) => ({
              name,
              url: `${base}/repos/acme/app/releases/assets/${release[1]!.replace('tags/', '')}/${name}`,
            })),
          }),
        )
      }
      const asset = /^\/repos\/acme\/app\/releases\/assets\/([^/]+)\/([^/]+)$/.exec(path)
      if (asset && req.headers.accept === 'application/octet-stream') {
        const key = `asset/${asset[1] === 'latest' ? 'latest' : `tags/${asset[1]}`}/${asset[2]}`
        if (files[key]) return res.end(files[key])
      }
      if (files[path]) return res.end(files[path])
      res.writeHead(404, { 'content-type': 'application/json' })
      res.end('{"message":"Not Found"}')
    })
    return new Promise((resolve) =>
      server.listen(0, '127.0.0.1', () =>
        resolve({ server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
      ),
    )
  }

  it('next to an https manifest URL (404 = none) and as the release asset of a github: source', async () => {
    const o = await makeOrigin(['1.0.0', '2.0.0'])
    const m1 = readFileSync(await signVersion(o, '1.0.0'))
    const m2 = readFileSync(await signVersion(o, '2.0.0'))
    const wd = readFileSync(await withdrawAs(o, '2.0.0', 'withdrawn for the fleet'))
    const { server, base } = await serve({
      '/plain/release_manifest.json': m1,
      '/halted/release_manifest.json': m2,
      '/halted/release_withdrawn.json': wd,
      'gh/latest': Buffer.from('1'),
      'asset/latest/release_manifest.json': m2,
      'asset/latest/release_withdrawn.json': wd,
    })
    try {
      const [a, b] = [await appRoot(o), await appRoot(o)]
      const plain = await update(a, o, `${base}/plain/release_manifest.json`)
      expect(plain.code, plain.stderr).toBe(0) // no release_withdrawn.json there: 404 means none
      const halted = await update(a, o, `${base}/halted/release_manifest.json`)
      expect(halted.code).toBe(1)
      expect(halted.stderr).toContain('E_WITHDRAWN')
      expect(current(a)).toBe('releases/1.0.0')
      expect((await update(b, o, `${base}/plain/release_manifest.json`)).code).toBe(0)
      const gh = await update(b, o, 'github:acme/app@latest', ['--api-url', base])
      expect(gh.code).toBe(1)
      expect(gh.stderr).toContain('E_WITHDRAWN')
      expect(current(b)).toBe('releases/1.0.0')
    } finally {
      server.close()
    }
  })
})
