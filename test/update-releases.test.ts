import {
  existsSync,
  mkdirSync,
  rmSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { initAppRoot, parsePublicKey, updateToRelease } from '../src/index.js'
import { evidenceLines, forge, payloadOf, snapshotAppRoot } from './helpers/app-root.js'
import { runCli } from './helpers/cli.js'
import { makeOrigin, signVersion, type Origin } from './helpers/origin.js'
import { tempDir } from './helpers/tmp.js'

async function appRoot(o: Origin): Promise<string> {
  const root = join(tempDir('relseal-app-'), 'app')
  const r = await runCli(['init', '--app-root', root, '--remote', o.bare, '--repository', 'acme/app'], '/')
  expect(r.stderr).toBe('')
  return root
}

const update = (root: string, o: Origin, manifest: string, extra: string[] = []) =>
  runCli(['update', '--app-root', root, '--manifest', manifest, '--pubkey', o.pubFile, ...extra], '/')
const rollback = (root: string, o: Origin, extra: string[] = []) =>
  runCli(['rollback', '--app-root', root, '--pubkey', o.pubFile, ...extra], '/')
const current = (root: string) => readlinkSync(join(root, 'current'))

/** Runs `act`, expects exit `exit` with `code`, the app root unchanged but for one evidence line. */
async function expectRefusalLeavesRoot(
  root: string,
  act: () => Promise<{ code: number; stderr: string }>,
  exit: number,
  code: string,
) {
  const before = snapshotAppRoot(root)
  const lines = existsSync(join(root, '.relseal/evidence.jsonl')) ? evidenceLines(root).length : 0
  const r = await act()
  expect(r.stderr).toContain(code)
  expect(r.code).toBe(exit)
  expect(snapshotAppRoot(root)).toEqual(before)
  const log = evidenceLines(root)
  expect(log).toHaveLength(lines + 1)
  expect(log.at(-1)).toMatchObject({ error_code: code })
}

describe('when a manifest names the running version with other contents', () => {
  it('refuses it with E_VERSION_REUSED whatever the flags, and refuses a v3 carrying v2 code as not up to date', async () => {
    const o = await makeOrigin()
    const root = await appRoot(o)
    const m1 = await signVersion(o, '1.0.0')
    const m2 = await signVersion(o, '2.0.0')
    const m3 = await signVersion(o, '3.0.0')
    expect((await update(root, o, m1)).code).toBe(0)
    expect((await update(root, o, m2)).code).toBe(0)
    const p3 = payloadOf(m3)
    // 2.0.0 relabelled onto 3.0.0's commit and tree
    const other = forge(o, m2, {
      commit: p3.commit,
      code_hash: p3.code_hash,
      file_manifest_hash: p3.file_manifest_hash,
    })
    for (const flags of [[], ['--allow-downgrade']])
      await expectRefusalLeavesRoot(root, () => update(root, o, other, flags), 1, 'E_VERSION_REUSED')
    // same version and commit, another code hash
    const hash = forge(o, m2, { code_hash: `sha256:${'1'.repeat(64)}` }, 'hash')
    await expectRefusalLeavesRoot(root, () => update(root, o, hash), 1, 'E_VERSION_REUSED')
    // the rollback release's version with other contents
    const p2 = payloadOf(m2)
    const old = forge(o, m1, {
      commit: p2.commit,
      code_hash: p2.code_hash,
      file_manifest_hash: p2.file_manifest_hash,
    })
    await expectRefusalLeavesRoot(
      root,
      () => update(root, o, old, ['--allow-downgrade']),
      1,
      'E_VERSION_REUSED',
    )

    // a v3 manifest carrying v2's code hash is not "up to date": its own commit fails verification
    const v3 = forge(o, m3, { code_hash: p2.code_hash, file_manifest_hash: p2.file_manifest_hash }, 'v2code')
    const r = await update(root, o, v3)
    expect(r.stdout).not.toContain('up to date')
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('E_TREE_MISMATCH')
    expect(current(root)).toBe('releases/2.0.0')
    expect(evidenceLines(root).at(-1)).toMatchObject({ outcome: 'refused', error_code: 'E_TREE_MISMATCH' })

    const same = await update(root, o, m2)
    expect(same.code).toBe(0)
    expect(same.stdout).toContain('up to date')
  })

  it('--allow-downgrade reinstalls a kept release in place; a failed attempt never deletes the rollback release', async () => {
    const o = await makeOrigin()
    const root = await appRoot(o)
    const m1 = await signVersion(o, '1.0.0')
    expect((await update(root, o, m1)).code).toBe(0)
    expect((await update(root, o, await signVersion(o, '2.0.0'))).code).toBe(0)
    expect(readlinkSync(join(root, 'rollback'))).toBe('releases/1.0.0')

    const failed = await update(root, o, m1, ['--allow-downgrade', '--health-cmd', 'exit 9'])
    expect(failed.code).toBe(3)
    expect(failed.stderr).toContain('E_HEALTH_FAILED')
    expect(readdirSync(join(root, 'releases')).sort()).toEqual(['1.0.0', '2.0.0'])
    expect(readlinkSync(join(root, 'rollback'))).toBe('releases/1.0.0')
    expect(current(root)).toBe('releases/2.0.0')

    const down = await update(root, o, m1, ['--allow-downgrade'])
    expect(down.stderr).not.toContain('error')
    expect(down.code).toBe(0)
    expect(current(root)).toBe('releases/1.0.0')
    expect(existsSync(join(root, 'rollback'))).toBe(false) // nothing older than 1.0.0
    expect(down.stdout).not.toContain('roll back')
    expect(readFileSync(join(root, 'current/src/version.js'), 'utf8')).toContain('1.0.0')
    const st = JSON.parse((await runCli(['status', '--app-root', root, '--json'], '/')).stdout) as Record<
      string,
      unknown
    >
    expect(st).toMatchObject({ current: { version: '1.0.0' }, repository: 'acme/app' })
    expect(st.rollback).toBeUndefined()
  })
})

describe('the app root knows its repository', () => {
  it('refuses a manifest for another repository without any flag, and a --repository that differs (E_USAGE)', async () => {
    const o = await makeOrigin(['1.0.0', '2.0.0'])
    const root = await appRoot(o)
    expect((await update(root, o, await signVersion(o, '1.0.0'))).code).toBe(0)
    const m2 = await signVersion(o, '2.0.0')
    const evil = forge(o, m2, { repository: 'evil/other' })
    await expectRefusalLeavesRoot(root, () => update(root, o, evil), 1, 'E_REPOSITORY_MISMATCH')
    await expectRefusalLeavesRoot(
      root,
      () => update(root, o, evil, ['--repository', 'evil/other']),
      2,
      'E_USAGE',
    )
    const ok = await update(root, o, m2, ['--repository', 'ACME/app']) // repeating it is fine
    expect(ok.code).toBe(0)
  })

  it('records the repository once in an app root made before it was recorded', async () => {
    const o = await makeOrigin(['1.0.0'])
    const root = await appRoot(o)
    const config = join(root, '.relseal/config.json')
    writeFileSync(config, JSON.stringify({ remote: o.bare }))
    const m1 = await signVersion(o, '1.0.0')
    await expectRefusalLeavesRoot(root, () => update(root, o, m1), 2, 'E_NOT_INITIALISED')
    expect((await update(root, o, m1, ['--repository', 'acme/app'])).code).toBe(0)
    expect(JSON.parse(readFileSync(config, 'utf8'))).toEqual({ remote: o.bare, repository: 'acme/app' })
  })

  it('init derives owner/name from GitHub remote URLs and refuses a remote that names none', async () => {
    const cases: [string, string][] = [
      ['https://github.com/acme/app.git', 'acme/app'],
      ['https://github.com/acme/app', 'acme/app'],
      ['git@github.com:acme/app.git', 'acme/app'],
      ['ssh://git@github.com/acme/app', 'acme/app'],
    ]
    for (const [remote, repository] of cases) {
      const root = join(tempDir(), 'app')
      const r = await runCli(['init', '--app-root', root, '--remote', remote, '--offline'], '/')
      expect(r.code, remote).toBe(0)
      expect(JSON.parse(readFileSync(join(root, '.relseal/config.json'), 'utf8'))).toEqual({
        remote,
        repository,
      })
    }
    const o = await makeOrigin(['1.0.0'])
    const root = join(tempDir(), 'app')
    const none = await runCli(['init', '--app-root', root, '--remote', o.bare], '/')
    expect(none.code).toBe(2)
    expect(none.stderr).toContain('E_USAGE')
    expect(existsSync(root)).toBe(false)
    const contra = await runCli(
      [
        'init',
        '--app-root',
        root,
        '--remote',
        'https://github.com/acme/app',
        '--repository',
        'evil/x',
        '--offline',
      ],
      '/',
    )
    expect(contra.code).toBe(2)
    expect(existsSync(root)).toBe(false)
  })
})

describe('init accepts only plain remotes', () => {
  it.each([
    'ext::sh -c touch% /tmp/relseal-pwned',
    'fd::3',
    'foo::https://github.com/acme/app',
    '-uhelp',
    '--upload-pack=touch /tmp/x',
    'http://github.com/acme/app.git',
    'git://github.com/acme/app.git',
    'https://github.com/acme/app\n.git',
  ])('refuses %j with E_BAD_INPUT and creates nothing', async (remote) => {
    const root = join(tempDir(), 'app')
    const r = await runCli(
      ['init', '--app-root', root, `--remote=${remote}`, '--repository', 'acme/app', '--offline'],
      '/',
    )
    expect(r.stderr).toContain('E_BAD_INPUT')
    expect(r.code).toBe(2)
    expect(existsSync(root)).toBe(false)
  })

  it('makes a relative remote absolute, accepts file://, and checks that the remote answers unless --offline', async () => {
    const o = await makeOrigin(['1.0.0'])
    const parent = join(o.bare, '..')
    const rel = join(tempDir(), 'app')
    expect(
      (
        await runCli(
          ['init', '--app-root', rel, '--remote', './origin.git', '--repository', 'acme/app'],
          parent,
        )
      ).code,
    ).toBe(0)
    expect(JSON.parse(readFileSync(join(rel, '.relseal/config.json'), 'utf8'))).toMatchObject({
      remote: o.bare,
    })
    const url = join(tempDir(), 'app')
    expect(
      (
        await runCli(
          ['init', '--app-root', url, '--remote', `file://${o.bare}`, '--repository', 'acme/app'],
          '/',
        )
      ).code,
    ).toBe(0)
    expect(JSON.parse(readFileSync(join(url, '.relseal/config.json'), 'utf8'))).toMatchObject({
      remote: o.bare,
    })

    const gone = join(tempDir(), 'app')
    const missing = join(parent, 'missing.git')
    const r = await runCli(['init', '--app-root', gone, '--remote', missing, '--repository', 'acme/app'], '/')
    expect(r.stderr).toContain('E_NETWORK')
    expect(r.code).toBe(2)
    expect(existsSync(gone)).toBe(false)
    expect(
      (
        await runCli(
          ['init', '--app-root', gone, '--remote', missing, '--repository', 'acme/app', '--offline'],
          '/',
        )
      ).code,
    ).toBe(0)
  })
})

describe('the lock inside one process', () => {
  it('refuses a second concurrent updateToRelease on the same app root with E_LOCKED', async () => {
    const o = await makeOrigin(['1.0.0', '2.0.0'])
    const appRoot = join(tempDir(), 'app')
    await initAppRoot({ appRoot, remote: o.bare, repository: 'acme/app' })
    const policy = { keys: [parsePublicKey(readFileSync(o.pubFile, 'utf8'), 'pub')] }
    const [m1, m2] = [await signVersion(o, '1.0.0'), await signVersion(o, '2.0.0')]
    const results = await Promise.allSettled([
      updateToRelease({ appRoot, manifest: m2, policy }),
      updateToRelease({ appRoot, manifest: m1, policy }),
    ])
    expect(results[0]).toMatchObject({ status: 'fulfilled', value: { outcome: 'updated' } })
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { code: 'E_LOCKED' } })
    expect(readlinkSync(join(appRoot, 'current'))).toBe('releases/2.0.0')
    expect(existsSync(join(appRoot, '.relseal/lock'))).toBe(false)
  })
})

describe('the app root defends itself', () => {
  it('refuses to work through a releases/ symlink, and unlinks (never follows) a link where a release goes', async () => {
    const o = await makeOrigin(['1.0.0'])
    const root = await appRoot(o)
    const outside = tempDir('relseal-outside-')
    writeFileSync(join(outside, 'precious'), 'keep me\n')
    symlinkSync(outside, join(root, 'releases/1.0.0'))
    const m1 = await signVersion(o, '1.0.0')
    expect((await update(root, o, m1)).code).toBe(0)
    expect(readFileSync(join(outside, 'precious'), 'utf8')).toBe('keep me\n')
    expect(current(root)).toBe('releases/1.0.0')

    const other = await appRoot(o)
    const real = join(other, 'releases')
    const moved = tempDir('relseal-outside-')
    writeFileSync(join(moved, 'precious'), 'keep me\n')
    mkdirSync(join(moved, '0.1.0'))
    writeFileSync(join(moved, '0.1.0/data'), 'keep me too\n')
    rmSync(real, { recursive: true })
    symlinkSync(moved, real)
    await expectRefusalLeavesRoot(other, () => update(other, o, m1), 2, 'E_SYMLINK_ESCAPE')
    expect(readdirSync(moved).sort()).toEqual(['0.1.0', 'precious'])
  })
})

describe('rollback', () => {
  it('goes back one older release at a time, re-verified, and refuses when none is older', async () => {
    const o = await makeOrigin()
    const root = await appRoot(o)
    const first = await update(root, o, await signVersion(o, '1.0.0'))
    expect(first.stdout).not.toContain('roll back')
    expect((await runCli(['status', '--app-root', root], '/')).stdout).not.toContain('rollback:')
    await update(root, o, await signVersion(o, '2.0.0'))
    await update(root, o, await signVersion(o, '3.0.0'))
    expect((await rollback(root, o)).code).toBe(0)
    expect(current(root)).toBe('releases/2.0.0')
    expect((await rollback(root, o)).code).toBe(0) // back again, not forward to 3.0.0
    expect(current(root)).toBe('releases/1.0.0')
    await expectRefusalLeavesRoot(root, () => rollback(root, o), 2, 'E_NOT_FOUND')
    expect(current(root)).toBe('releases/1.0.0')
    expect(evidenceLines(root).map((e) => e.outcome)).toEqual([
      'updated',
      'updated',
      'updated',
      'rolled-back',
      'rolled-back',
      'failed',
    ])
  })

  it('re-verifies the old release against its signed manifest, not the local record, untracked files included', async () => {
    const o = await makeOrigin(['1.0.0', '2.0.0'])
    const root = await appRoot(o)
    await update(root, o, await signVersion(o, '1.0.0'))
    await update(root, o, await signVersion(o, '2.0.0'))
    const usage = await runCli(['rollback', '--app-root', root], '/')
    expect(usage.code).toBe(2) // the keys are required

    // an untracked file dropped into the old release
    const dropped = join(root, 'releases/1.0.0/src/backdoor.js')
    writeFileSync(dropped, 'evil()\n')
    await expectRefusalLeavesRoot(root, () => rollback(root, o), 1, 'E_TREE_MISMATCH')
    rmSync(dropped)

    // a tracked file changed, and the unsigned record edited to match: still refused
    const file = join(root, 'releases/1.0.0/src/version.js')
    writeFileSync(file, 'evil()\n')
    const hashed = await runCli(['hash', join(root, 'releases/1.0.0')], '/')
    const rec = join(root, '.relseal/manifests/1.0.0.json')
    writeFileSync(
      rec,
      JSON.stringify({ ...JSON.parse(readFileSync(rec, 'utf8')), code_hash: hashed.stdout.trim() }),
    )
    await expectRefusalLeavesRoot(root, () => rollback(root, o), 1, 'E_TREE_MISMATCH')
    writeFileSync(file, "export const version = '1.0.0'\n")

    // another key is not trusted to vouch for the stored manifest
    const otherKey = join(tempDir(), 'other.pub')
    writeFileSync(otherKey, Buffer.from(o.key.publicKey).toString('base64'))
    await expectRefusalLeavesRoot(
      root,
      () => runCli(['rollback', '--app-root', root, '--pubkey', otherKey], '/'),
      1,
      'E_UNTRUSTED_KEY',
    )
    expect((await rollback(root, o)).code).toBe(0)
    expect(current(root)).toBe('releases/1.0.0')
  })
})
