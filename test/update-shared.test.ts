import {
  existsSync,
  lstatSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parsePublicKey } from '../src/keys/index.js'
import { updateToRelease } from '../src/update/index.js'
import { parseSharedEntries } from '../src/update/shared.js'
import { evidenceLines, snapshotAppRoot } from './helpers/app-root.js'
import { runCli } from './helpers/cli.js'
import { commitAll, git, writeTree } from './helpers/git-repo.js'
import { makeOrigin, signVersion, type Origin } from './helpers/origin.js'
import { tempDir } from './helpers/tmp.js'

async function init(o: Origin, extra: string[] = []) {
  const root = join(tempDir('relseal-app-'), 'app')
  const r = await runCli(
    ['init', '--app-root', root, '--remote', o.bare, '--repository', 'acme/app', ...extra],
    '/',
  )
  return { root, ...r }
}

/** The app root but its object store (the refused commit was fetched before its links were tried). */
const outsideStore = (root: string) => snapshotAppRoot(root).filter((l) => !l.startsWith('store.git/'))

const update = (root: string, o: Origin, manifest: string, extra: string[] = []) =>
  runCli(['update', '--app-root', root, '--manifest', manifest, '--pubkey', o.pubFile, ...extra], '/')

/** Adds a release to the origin whose commit tracks `files` (pushed with its tag to the bare origin). */
function releaseTracking(o: Origin, version: string, files: Record<string, string>): void {
  writeTree(o.work, { 'src/version.js': `export const version = '${version}'\n`, ...files })
  o.commits[version] = commitAll(o.work, `release ${version}`)
  git(o.work, 'tag', `v${version}`)
  git(o.work, 'push', '-q', o.bare, `v${version}`)
}

describe('init --shared', () => {
  it('makes shared/ with folders and a 0600 file, and records the entries', async () => {
    const o = await makeOrigin(['1.0.0'])
    const { root, code, stdout } = await init(o, ['--shared', 'db,.env,logs/,file:secret', '--json'])
    expect(code).toBe(0)
    expect(JSON.parse(stdout).shared).toEqual(['db/', 'file:.env', 'logs/', 'file:secret'])
    expect(statSync(join(root, 'shared/db')).isDirectory()).toBe(true)
    expect(statSync(join(root, 'shared/logs')).isDirectory()).toBe(true)
    expect(statSync(join(root, 'shared/.env')).mode & 0o777).toBe(0o600)
    expect(statSync(join(root, 'shared/secret')).isFile()).toBe(true)
    expect(JSON.parse(readFileSync(join(root, '.relseal/config.json'), 'utf8')).shared).toEqual([
      'db/',
      'file:.env',
      'logs/',
      'file:secret',
    ])
  })

  it.each(['../db', 'a/../b', '/etc', '-rf', '.git', 'x/.GIT/y', 'a\u0007b', 'db,db/x', 'a\\b', ''])(
    'refuses the entry list %j with E_USAGE and creates nothing',
    async (list) => {
      const o = await makeOrigin(['1.0.0'])
      const { root, code, stderr } = await init(o, [`--shared=${list}`])
      expect(code).toBe(2)
      expect(stderr).toContain('E_USAGE')
      expect(existsSync(root)).toBe(false)
    },
  )

  it('keeps the kind of an entry that already exists under shared/', () => {
    const dir = tempDir('relseal-shared-')
    writeFileSync(join(dir, 'store'), 'a file without a dot')
    expect(parseSharedEntries(['store', 'cache', 'app.db'], dir)).toEqual([
      { path: 'store', kind: 'file' },
      { path: 'cache', kind: 'dir' },
      { path: 'app.db', kind: 'file' },
    ])
  })
})

describe('updates with shared entries', () => {
  it('links them before install; data outlives releases; rollback re-verifies with the links', async () => {
    const o = await makeOrigin()
    const { root } = await init(o, ['--shared', 'db,.env,var/logs/'])
    writeFileSync(join(root, 'shared/.env'), 'SECRET=1\n')
    expect((await update(root, o, await signVersion(o, '1.0.0'))).code).toBe(0)
    expect(readlinkSync(join(root, 'releases/1.0.0/db'))).toBe('../../shared/db')
    expect(readlinkSync(join(root, 'releases/1.0.0/var/logs'))).toBe('../../../shared/var/logs')
    writeFileSync(join(root, 'current/db/data.txt'), 'rows\n')

    // The install command already sees the links (and writes through one).
    const r2 = await update(root, o, await signVersion(o, '2.0.0'), [
      '--install-cmd',
      'test -L db && test -L .env && grep -q SECRET .env && cat db/data.txt > var/logs/install.log',
    ])
    expect(r2.code, r2.stderr).toBe(0)
    expect(readFileSync(join(root, 'shared/var/logs/install.log'), 'utf8')).toBe('rows\n')
    expect(evidenceLines(root).at(-1)!.steps).toContainEqual(
      expect.objectContaining({ step: 'shared', outcome: 'ok' }),
    )

    // Rollback re-verifies releases/1.0.0 with its links in place (its untracked record lists them).
    const back = await runCli(['rollback', '--app-root', root, '--pubkey', o.pubFile], '/')
    expect(back.code, back.stderr).toBe(0)
    expect(readlinkSync(join(root, 'current'))).toBe('releases/1.0.0')

    // Pruning a release removes its links, never what they point at.
    expect((await update(root, o, await signVersion(o, '3.0.0'), ['--keep', '1'])).code).toBe(0)
    expect(readdirSync(join(root, 'releases')).sort()).toEqual(['2.0.0', '3.0.0'])
    expect(readFileSync(join(root, 'shared/db/data.txt'), 'utf8')).toBe('rows\n')
    expect(readFileSync(join(root, 'shared/.env'), 'utf8')).toBe('SECRET=1\n')
  })

  it('refuses a release that tracks a file where a shared link goes: E_SHARED_CONFLICT, nothing swapped', async () => {
    const o = await makeOrigin(['1.0.0'])
    releaseTracking(o, '1.1.0', { 'logs/.gitkeep': '' })
    const { root } = await init(o, ['--shared', 'logs'])
    expect((await update(root, o, await signVersion(o, '1.0.0'))).code).toBe(0)
    const before = outsideStore(root)
    const r = await update(root, o, await signVersion(o, '1.1.0'))
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('E_SHARED_CONFLICT')
    expect(r.stderr).toContain('logs')
    expect(outsideStore(root)).toEqual(before)
    expect(evidenceLines(root).at(-1)).toMatchObject({ outcome: 'refused', error_code: 'E_SHARED_CONFLICT' })
  })

  it("refuses through updateToRelease's shared option when a parent folder is a tracked file", async () => {
    const o = await makeOrigin(['1.0.0'])
    releaseTracking(o, '1.1.0', { var: 'a file, not a folder\n' })
    const { root } = await init(o)
    const policy = { keys: [parsePublicKey(readFileSync(o.pubFile, 'utf8'), 'release.pub')] }
    await updateToRelease({
      appRoot: root,
      manifest: await signVersion(o, '1.0.0'),
      policy,
      shared: ['var/db/'],
    })
    expect(lstatSync(join(root, 'current/var/db')).isSymbolicLink()).toBe(true)
    const before = outsideStore(root)
    await expect(
      updateToRelease({
        appRoot: root,
        manifest: await signVersion(o, '1.1.0'),
        policy,
        shared: ['var/db/'],
      }),
    ).rejects.toMatchObject({ code: 'E_SHARED_CONFLICT' })
    expect(outsideStore(root)).toEqual(before)
    await expect(
      updateToRelease({ appRoot: root, manifest: await signVersion(o, '1.1.0'), policy, shared: ['../db'] }),
    ).rejects.toMatchObject({ code: 'E_USAGE' })
  })
})
