import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parsePublicKey, rollback, status, updateToRelease, type UpdateOptions } from '../src/index.js'
import { evidenceLines, snapshotAppRoot } from './helpers/app-root.js'
import { makeArtifactReleases, type ArtifactReleases } from './helpers/artifacts.js'
import { runCli } from './helpers/cli.js'
import { tempDir } from './helpers/tmp.js'

const TARBALL = 'app.tar.gz'

/** The release's files: a server that prints its version, a folder, and a link inside the release. */
function appTree(v: string, dir: string): void {
  mkdirSync(join(dir, 'lib'))
  writeFileSync(join(dir, 'lib/version.js'), `module.exports = '${v}'\n`)
  writeFileSync(join(dir, 'server.js'), "console.log(require('./lib/version.js'))\n")
  symlinkSync('lib/version.js', join(dir, 'version.js'))
}

/**
 * Signed releases whose `app.tar.gz` artifact is a real archive made with the system `tar` from
 * `build(v, dir)` (default appTree), `tarArgs` before the paths (default: the folder's contents).
 */
function tarballReleases(
  versions: string[],
  build: (v: string, dir: string) => void = appTree,
  tarArgs: (v: string) => string[] = () => ['.'],
): Promise<ArtifactReleases> {
  return makeArtifactReleases(versions, {
    extra: (v, out) => {
      const src = join(tempDir('relseal-tar-src-'), 'app')
      mkdirSync(src)
      build(v, src)
      execFileSync('tar', ['-czf', join(out, TARBALL), '-C', src, ...tarArgs(v)], { stdio: 'ignore' })
      return [TARBALL]
    },
  })
}

async function appRoot(r: ArtifactReleases, initArgs: string[] = []) {
  const root = join(tempDir('relseal-tarapp-'), 'app')
  const init = await runCli(
    ['init', '--app-root', root, '--remote', r.origin.bare, '--repository', 'acme/app', ...initArgs],
    '/',
  )
  expect(init.stderr).toBe('')
  const policy = { keys: [parsePublicKey(readFileSync(r.origin.pubFile, 'utf8'), 'release.pub')] }
  const update = (v: string, over: Partial<UpdateOptions> = {}) =>
    updateToRelease({
      appRoot: root,
      manifest: r.manifest(v),
      policy,
      fromArtifact: TARBALL,
      installCommand: 'echo installed > built.txt',
      healthCommand: 'node server.js',
      ...over,
    })
  return { root, policy, update }
}

const lastSteps = (root: string) =>
  (evidenceLines(root).at(-1)!.steps as { step: string; outcome: string }[]).map((s) => s.step)

/** Flips one byte near the end of a file (inside the gzip stream's trailer or data). */
function tamper(path: string): void {
  const b = readFileSync(path)
  b.writeUInt8(b.readUInt8(b.length - 10) ^ 1, b.length - 10)
  writeFileSync(path, b)
}

describe('update --from-artifact: tarball releases as app roots', () => {
  it('installs a signed tarball into releases/<version>, updates over it, shows the kind, prunes with rm', async () => {
    const r = await tarballReleases(['1.0.0', '2.0.0', '3.0.0'])
    const { root, update } = await appRoot(r)

    const first = await update('1.0.0')
    expect(first.outcome).toBe('updated')
    expect(readlinkSync(join(root, 'current'))).toBe('releases/1.0.0')
    const cur = join(root, 'current')
    expect(execFileSync(process.execPath, [join(cur, 'server.js')], { encoding: 'utf8' })).toBe('1.0.0\n')
    expect(readlinkSync(join(cur, 'version.js'))).toBe('lib/version.js')
    expect(readFileSync(join(cur, 'built.txt'), 'utf8')).toBe('installed\n')
    // no git worktree: no .git, no fetch, the archive matched before it was extracted
    expect(existsSync(join(cur, '.git'))).toBe(false)
    expect(lastSteps(root)).toEqual(
      expect.arrayContaining([
        'verify',
        'freeze',
        'download',
        'extract',
        'install',
        'health',
        'swap',
        'prune',
      ]),
    )
    expect(lastSteps(root)).not.toContain('fetch')
    expect(lastSteps(root).indexOf('download')).toBeLessThan(lastSteps(root).indexOf('extract'))
    expect(readFileSync(join(root, '.relseal/manifests/1.0.0.tar.gz'))).toEqual(
      readFileSync(join(r.dirs['1.0.0']!, TARBALL)),
    )

    const second = await update('2.0.0')
    expect(second).toMatchObject({ outcome: 'updated', from: { version: '1.0.0' }, to: { version: '2.0.0' } })
    expect(execFileSync(process.execPath, [join(cur, 'server.js')], { encoding: 'utf8' })).toBe('2.0.0\n')
    const s = status({ appRoot: root })
    expect(s.current).toMatchObject({ version: '2.0.0', kind: 'tarball', artifact: { name: TARBALL } })
    expect(s.current!.artifact!.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(s.rollback).toMatchObject({ version: '1.0.0', kind: 'tarball' })
    expect(s.releases).toEqual([
      { version: '2.0.0', kind: 'tarball', artifact: TARBALL },
      { version: '1.0.0', kind: 'tarball', artifact: TARBALL },
    ])
    const text = await runCli(['status', '--app-root', root], '/')
    expect(text.stdout).toContain('current:  2.0.0 (tarball app.tar.gz sha256 ')
    expect(text.stdout).toContain('releases: 2.0.0 tarball app.tar.gz, 1.0.0 tarball app.tar.gz')

    // --keep 1 keeps current and rollback only: 1.0.0 goes, its folder and archive, without git
    await update('3.0.0', { keep: 1 })
    expect(existsSync(join(root, 'releases/1.0.0'))).toBe(false)
    expect(existsSync(join(root, '.relseal/manifests/1.0.0.tar.gz'))).toBe(false)
    expect(existsSync(join(root, 'releases/2.0.0/server.js'))).toBe(true)
  })

  it('replaces a leftover folder of a killed run, and a git release and a tarball release live side by side', async () => {
    const r = await tarballReleases(['1.0.0', '2.0.0'])
    const { root, update, policy } = await appRoot(r)
    // 1.0.0 as a git worktree of the signed commit
    await updateToRelease({ appRoot: root, manifest: r.manifest('1.0.0'), policy })
    mkdirSync(join(root, 'releases/2.0.0/half'), { recursive: true })
    writeFileSync(join(root, 'releases/2.0.0/half/written.js'), 'partial\n')
    writeFileSync(join(root, '.relseal/manifests/2.0.0.tar.gz.partial'), 'partial')
    await update('2.0.0')
    expect(existsSync(join(root, 'releases/2.0.0/half'))).toBe(false)
    // a link in its place is unlinked, never extracted through
    const elsewhere = tempDir('relseal-elsewhere-')
    // back on the git 1.0.0 (the kept rollback release, re-used in place)
    await updateToRelease({ appRoot: root, manifest: r.manifest('1.0.0'), policy, allowDowngrade: true })
    execFileSync('rm', ['-rf', join(root, 'releases/2.0.0')])
    symlinkSync(elsewhere, join(root, 'releases/2.0.0'))
    await update('2.0.0')
    expect(existsSync(join(elsewhere, 'server.js'))).toBe(false)
    expect(existsSync(join(root, 'releases/2.0.0/server.js'))).toBe(true)
    expect(existsSync(join(root, '.relseal/manifests/2.0.0.tar.gz.partial'))).toBe(false)
    expect(status({ appRoot: root }).releases).toEqual([
      { version: '2.0.0', kind: 'tarball', artifact: TARBALL },
      { version: '1.0.0', kind: 'git' },
    ])
    // back to the git release: re-verified as a git worktree
    const back = await rollback({ appRoot: root, policy })
    expect(back.to).toMatchObject({ version: '1.0.0', kind: 'git' })
    expect(readlinkSync(join(root, 'current'))).toBe('releases/1.0.0')
  })

  it('refuses a tampered archive before extraction, with nothing changed', async () => {
    const r = await tarballReleases(['1.0.0', '2.0.0'])
    const { root, update } = await appRoot(r)
    await update('1.0.0')
    tamper(join(r.dirs['2.0.0']!, TARBALL))
    const before = snapshotAppRoot(root)
    await expect(update('2.0.0')).rejects.toMatchObject({
      code: 'E_TREE_MISMATCH',
      message: expect.stringContaining('nothing was installed'),
    })
    expect(snapshotAppRoot(root)).toEqual(before)
    expect(lastSteps(root)).not.toContain('extract')
    expect(evidenceLines(root).at(-1)).toMatchObject({ outcome: 'refused', error_code: 'E_TREE_MISMATCH' })
  })

  it('refuses a correctly signed archive with a zip-slip entry: nothing swapped, nothing left over', async () => {
    const r = await tarballReleases(
      ['1.0.0', '2.0.0'],
      (v, dir) => {
        appTree(v, dir)
        // beside the release's folder: the archive names it ../escaped.txt
        if (v === '2.0.0') writeFileSync(join(dir, '../escaped.txt'), 'zip-slip\n')
      },
      (v) => (v === '2.0.0' ? ['-P', '.', '../escaped.txt'] : ['.']),
    )
    const { root, update } = await appRoot(r)
    await update('1.0.0')
    const before = snapshotAppRoot(root)
    const err = await update('2.0.0').catch((e: unknown) => e)
    expect((err as { code?: string }).code).toBe('E_UPDATE_FAILED')
    expect((err as Error).message).toContain('entry "../escaped.txt" contains ".."')
    expect((err as Error).message).toContain('nothing was swapped')
    expect(snapshotAppRoot(root)).toEqual(before)
    expect(existsSync(join(root, 'releases/2.0.0'))).toBe(false)
    expect(existsSync(join(root, 'releases/escaped.txt'))).toBe(false)
    expect(existsSync(join(root, 'escaped.txt'))).toBe(false)
    expect(existsSync(join(root, '.relseal/manifests/2.0.0.tar.gz'))).toBe(false)
    expect(lastSteps(root)).toEqual(expect.arrayContaining(['download', 'extract']))
    expect(lastSteps(root)).not.toContain('swap')
  })

  it('re-verifies a tarball release at rollback: its archive digest and every path of its folder', async () => {
    const r = await tarballReleases(['1.0.0', '2.0.0'])
    const { root, update, policy } = await appRoot(r)
    await update('1.0.0')
    await update('2.0.0')

    // a file changed in the rolled-back-to folder: refused, current stays
    const lib = join(root, 'releases/1.0.0/lib/version.js')
    const good = readFileSync(lib)
    writeFileSync(lib, "module.exports = 'evil'\n")
    await expect(rollback({ appRoot: root, policy })).rejects.toMatchObject({
      code: 'E_TREE_MISMATCH',
      message: expect.stringContaining('releases/1.0.0 holds'),
    })
    expect(readlinkSync(join(root, 'current'))).toBe('releases/2.0.0')
    writeFileSync(lib, good)

    // a file added (what an install step did not leave): refused
    writeFileSync(join(root, 'releases/1.0.0/extra.js'), 'x\n')
    await expect(rollback({ appRoot: root, policy })).rejects.toMatchObject({ code: 'E_TREE_MISMATCH' })
    execFileSync('rm', [join(root, 'releases/1.0.0/extra.js')])

    // the kept archive changed: refused
    const archive = join(root, '.relseal/manifests/1.0.0.tar.gz')
    const bytes = readFileSync(archive)
    tamper(archive)
    await expect(rollback({ appRoot: root, policy })).rejects.toMatchObject({
      code: 'E_TREE_MISMATCH',
      message: expect.stringContaining('no longer matches the signed sha256'),
    })
    writeFileSync(archive, bytes)
    expect(readlinkSync(join(root, 'current'))).toBe('releases/2.0.0')

    // as it was installed: rolled back
    const back = await rollback({ appRoot: root, policy })
    expect(back).toMatchObject({ from: { version: '2.0.0' }, to: { version: '1.0.0', kind: 'tarball' } })
    expect(readlinkSync(join(root, 'current'))).toBe('releases/1.0.0')
    expect(execFileSync(process.execPath, [join(root, 'current/server.js')], { encoding: 'utf8' })).toBe(
      '1.0.0\n',
    )
    // forward again (2.0.0 is no longer pinned: made afresh), then down to the kept rollback
    // release, which is re-used in place after re-verification, not downloaded again
    expect(await update('2.0.0')).toMatchObject({ outcome: 'updated', to: { version: '2.0.0' } })
    expect(lastSteps(root)).toContain('download')
    expect(await update('1.0.0', { allowDowngrade: true })).toMatchObject({ outcome: 'updated' })
    expect(lastSteps(root)).toContain('verify-worktree')
    expect(lastSteps(root)).not.toContain('download')
    expect(status({ appRoot: root }).current).toMatchObject({ version: '1.0.0', kind: 'tarball' })
  })

  it('links shared entries before install; rollback re-verifies the folder with its links', async () => {
    const r = await tarballReleases(['1.0.0', '2.0.0'])
    const { root, update, policy } = await appRoot(r, ['--shared', 'data/'])
    const opts = { installCommand: 'echo kept > data/state.txt' }
    await update('1.0.0', opts)
    await update('2.0.0', opts)
    expect(readlinkSync(join(root, 'releases/2.0.0/data'))).toBe('../../shared/data')
    expect(readFileSync(join(root, 'shared/data/state.txt'), 'utf8')).toBe('kept\n')
    expect(await rollback({ appRoot: root, policy })).toMatchObject({ to: { version: '1.0.0' } })
    // a link pointed elsewhere is a change of the folder
    await update('2.0.0', opts)
    execFileSync('ln', ['-sfn', '/tmp', join(root, 'releases/1.0.0/data')])
    await expect(rollback({ appRoot: root, policy })).rejects.toMatchObject({ code: 'E_TREE_MISMATCH' })
  })

  it('refuses usage mistakes before any step', async () => {
    const r = await tarballReleases(['1.0.0'])
    const { root, update } = await appRoot(r)
    await expect(update('1.0.0', { fromArtifact: 'agent' })).rejects.toMatchObject({ code: 'E_USAGE' })
    await expect(update('1.0.0', { manifest: readFileSync(r.manifest('1.0.0')) })).rejects.toMatchObject({
      code: 'E_USAGE',
    })
    await expect(update('1.0.0', { allowedSigners: 'x' })).rejects.toMatchObject({ code: 'E_USAGE' })
    const cli = await runCli(
      [
        'update',
        '--app-root',
        root,
        '--manifest',
        r.manifest('1.0.0'),
        '--pubkey',
        r.origin.pubFile,
        '--from-artifact',
        'agent',
      ],
      '/',
    )
    expect(cli.code).toBe(2)
    expect(cli.stderr).toContain('--from-artifact takes the name of a .tar.gz')
    // a name the manifest does not list: nothing installed
    const before = snapshotAppRoot(root)
    await expect(update('1.0.0', { fromArtifact: 'other.tar.gz' })).rejects.toMatchObject({
      message: expect.stringContaining('lists no artifact named "other.tar.gz"'),
    })
    expect(snapshotAppRoot(root)).toEqual(before)
  })

  it('runs from the CLI on a host without git on PATH, also after a run killed mid-way', async () => {
    const r = await tarballReleases(['1.0.0'])
    const { root } = await appRoot(r)
    const bin = new URL('../bin/relseal.js', import.meta.url).pathname
    // PATH holds a shell for the install command and nothing else: no git
    const noGit = tempDir('relseal-nogit-path-')
    symlinkSync('/bin/sh', join(noGit, 'sh'))
    const cli = (env: Record<string, string> = {}) =>
      spawnSync(
        process.execPath,
        [
          bin,
          'update',
          '--app-root',
          root,
          '--manifest',
          r.manifest('1.0.0'),
          '--pubkey',
          r.origin.pubFile,
          '--from-artifact',
          TARBALL,
          '--install-cmd',
          'echo installed > built.txt',
          '--progress',
        ],
        { encoding: 'utf8', env: { PATH: noGit, HOME: noGit, ...env } },
      )
    // SIGKILLed with the archive extracted, before its install command: a half-made release
    const killed = cli({ RELSEAL_TEST_KILL_AT: 'before:install' })
    expect(killed.signal).toBe('SIGKILL')
    expect(existsSync(join(root, 'releases/1.0.0/server.js'))).toBe(true)
    expect(existsSync(join(root, 'current'))).toBe(false)

    const res = cli()
    expect(res.stderr).toContain('download: downloading app.tar.gz')
    expect(res.stderr).not.toContain('error')
    expect(res.status).toBe(0)
    expect(readFileSync(join(root, 'current/built.txt'), 'utf8')).toBe('installed\n')
    expect(readFileSync(join(root, 'current/lib/version.js'), 'utf8')).toBe("module.exports = '1.0.0'\n")
    expect(status({ appRoot: root }).current).toMatchObject({ version: '1.0.0', kind: 'tarball' })
  })
})
