import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, afterAll, describe, expect, it } from 'vitest'
import { git, makeRepo } from './helpers/git-repo.js'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'

// The "mistake walk": every command, run as a user runs it (bin/relseal.js in a subprocess), given
// the ordinary mistakes: a missing file, a folder where a file belongs, a missing output folder,
// a path it may not read or write. Each must end in exit 2 with an error code and a message, never
// "internal error" and a stack trace.
const bin = new URL('../bin/relseal.js', import.meta.url).pathname
let dir = ''

/** Returns the first candidate that really fails with EACCES/EPERM for this user (root reads chmod 000). */
function deniedPath(candidates: string[], probe: (p: string) => void): string {
  for (const p of candidates) {
    try {
      probe(p)
    } catch (e) {
      if (['EACCES', 'EPERM'].includes((e as NodeJS.ErrnoException).code ?? '')) return p
    }
  }
  throw new Error(`no path here denies access: ${candidates.join(', ')}`)
}
let unreadable = ''
let unwritableDir = ''

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'relseal-mistakes-'))
  mkdirSync(join(dir, 'folder'))
  writeFileSync(join(dir, 'file.txt'), 'not a folder\n')
  writeFileSync(join(dir, 'locked.json'), '{}')
  chmodSync(join(dir, 'locked.json'), 0o000)
  mkdirSync(join(dir, 'locked-dir'))
  chmodSync(join(dir, 'locked-dir'), 0o555)
  // As root chmod denies nothing; /proc/1/mem and /sys then play the part.
  unreadable = deniedPath([join(dir, 'locked.json'), '/proc/1/mem'], (p) => readFileSync(p))
  unwritableDir = deniedPath([join(dir, 'locked-dir'), '/sys'], (p) =>
    writeFileSync(join(p, 'probe'), 'x', { flag: 'wx' }),
  )
  const r = spawnSync(process.execPath, [bin, 'keygen', '--out', 'k'], { cwd: dir })
  if (r.status !== 0) throw new Error(String(r.stderr))
  const repo = makeRepo({ 'a.txt': 'a\n' })
  git(repo, 'remote', 'add', 'origin', 'git@github.com:acme/app.git')
  git(repo, 'tag', 'v1.0.0')
  mkdirSync(join(dir, 'app'))
  writeFileSync(join(dir, 'repo-path'), repo)
})

afterAll(() => {
  chmodSync(join(dir, 'locked-dir'), 0o755)
  rmSync(dir, { recursive: true, force: true })
})

const repoPath = () => readFileSync(join(dir, 'repo-path'), 'utf8')

// [what, argv]; `@R` is replaced by the release repository, `@U` by an unreadable file, `@W` by
// a folder this user may not write to.
const WALK: [string, string[]][] = [
  ['hash: a missing folder', ['hash', 'missing']],
  ['hash: a file where a folder belongs', ['hash', 'file.txt']],
  ['keygen: --out into a missing folder', ['keygen', '--out', 'missing/k']],
  ['keygen: --out under a file', ['keygen', '--out', 'file.txt/k']],
  ['keygen: --out into a folder it may not write', ['keygen', '--out', '@W/k']],
  ['sign: a missing key file', ['sign', '--key', 'missing.key', '--dir', '@R']],
  ['sign: a folder as the key', ['sign', '--key', 'folder', '--dir', '@R']],
  ['sign: an unreadable key', ['sign', '--key', '@U', '--dir', '@R']],
  ['sign: --out into a missing folder', ['sign', '--key', 'k.key', '--dir', '@R', '--out', 'missing/m.json']],
  [
    'sign: --out into a folder it may not write',
    ['sign', '--key', 'k.key', '--dir', '@R', '--out', '@W/m.json'],
  ],
  ['sign: a missing artifact', ['sign', '--key', 'k.key', '--dir', '@R', '--artifact', 'missing.tgz']],
  ['sign: a missing --dir', ['sign', '--key', 'k.key', '--dir', 'missing', '--commit', 'a'.repeat(40)]],
  ['verify: a missing manifest', ['verify', 'missing.json', '--pubkey', 'k.pub']],
  ['verify: a folder as the manifest', ['verify', 'folder', '--pubkey', 'k.pub']],
  ['verify: an unreadable manifest', ['verify', '@U', '--pubkey', 'k.pub']],
  ['verify: a mistyped --pubkey path', ['verify', 'missing.json', '--pubkey', 'k.pbu']],
  ['verify: a folder as --pubkey', ['verify', 'missing.json', '--pubkey', 'folder']],
  ['inspect: a missing manifest', ['inspect', 'missing.json']],
  ['inspect: a folder as the manifest', ['inspect', 'folder']],
  ['inspect: an unreadable manifest', ['inspect', '@U']],
  [
    'init: a file as the app root',
    [
      'init',
      '--app-root',
      'file.txt',
      '--remote',
      'https://example.com/a.git',
      '--repository',
      'acme/app',
      '--offline',
    ],
  ],
  [
    'init: an app root it may not create',
    [
      'init',
      '--app-root',
      '@W/app',
      '--remote',
      'https://example.com/a.git',
      '--repository',
      'acme/app',
      '--offline',
    ],
  ],
  [
    'update: a missing app root',
    ['update', '--app-root', 'missing', '--manifest', 'm.json', '--pubkey', 'k.pub'],
  ],
  [
    'update: a mistyped --pubkey path',
    ['update', '--app-root', 'app', '--manifest', 'm.json', '--pubkey', 'k.pbu'],
  ],
  [
    'withdraw: a missing key file',
    ['withdraw', '--version', '1.0.0', '--reason', 'r', '--key', 'missing.key', '--dir', '@R'],
  ],
  [
    'withdraw: --out into a missing folder',
    [
      'withdraw',
      '--version',
      '1.0.0',
      '--reason',
      'r',
      '--key',
      'k.key',
      '--dir',
      '@R',
      '--out',
      'missing/w.json',
    ],
  ],
  [
    'withdraw: a version with no tag in --dir',
    ['withdraw', '--version', '9.9.9', '--reason', 'r', '--key', 'k.key', '--dir', '@R'],
  ],
  [
    'withdraw: a missing --dir',
    ['withdraw', '--version', '1.0.0', '--reason', 'r', '--key', 'k.key', '--dir', 'missing'],
  ],
  [
    'withdraw: --append to a missing statement',
    [
      'withdraw',
      '--version',
      '1.0.0',
      '--append',
      '--key',
      'k.key',
      '--pubkey',
      'k.pub',
      '--out',
      'missing.json',
    ],
  ],
  ['rollback: a missing app root', ['rollback', '--app-root', 'missing']],
  ['rollback: a file as the app root', ['rollback', '--app-root', 'file.txt']],
  ['status: a missing app root', ['status', '--app-root', 'missing']],
  ['status: a file as the app root', ['status', '--app-root', 'file.txt']],
  [
    'verify-tag: a missing repository',
    ['verify-tag', '--repo', 'missing', 'v1.0.0', '--allowed-signers', 'k.pub'],
  ],
  [
    'verify-tag: a file as the repository',
    ['verify-tag', '--repo', 'file.txt', 'v1.0.0', '--allowed-signers', 'k.pub'],
  ],
]

describe('the mistake walk: ordinary mistakes exit 2 with a code, never a stack trace', () => {
  it.each(WALK)('%s', (_what, argv) => {
    const args = argv.map((a) =>
      a.replace('@R', repoPath()).replace('@U', unreadable).replace('@W', unwritableDir),
    )
    const r = spawnSync(process.execPath, [bin, ...args], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
    })
    expect(r.stderr).toMatch(/^relseal [a-z-]+: error E_[A-Z_]+: \S/)
    expect(r.stderr).not.toMatch(/internal error|\n\s+at |\(unknown path\)/)
    expect(r.status).toBe(2)
  })
})
