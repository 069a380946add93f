import { execFileSync } from 'node:child_process'
import {
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { extractTarball } from '../src/update/install-tarball.js'
import { tempDir } from './helpers/tmp.js'

/** A real archive made by the system `tar` from `build(dir)`; extra args go before the paths. */
function tarball(build: (dir: string) => void, args: string[] = ['.']): string {
  const dir = tempDir('relseal-tar-src-')
  build(dir)
  const out = join(tempDir('relseal-tar-'), 'app.tar.gz')
  execFileSync('tar', ['-czf', out, '-C', dir, ...args], { stdio: 'ignore' })
  return out
}

function app(dir: string): void {
  mkdirSync(join(dir, 'lib'))
  writeFileSync(join(dir, 'lib/index.js'), 'module.exports = 1\n')
  writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 })
  symlinkSync('lib/index.js', join(dir, 'main.js'))
}

describe('extractTarball', () => {
  it('extracts files, folders, modes and in-release symlinks', async () => {
    const dest = join(tempDir('relseal-rel-'), '1.0.0')
    const r = await extractTarball(tarball(app), dest)
    expect(r.entries).toBeGreaterThanOrEqual(4)
    expect(readFileSync(join(dest, 'lib/index.js'), 'utf8')).toBe('module.exports = 1\n')
    expect(readlinkSync(join(dest, 'main.js'))).toBe('lib/index.js')
    expect(execFileSync(join(dest, 'run.sh'), { encoding: 'utf8' })).toBe('hi\n')
  })

  const refused: [string, () => string, string][] = [
    [
      'a symlink that leaves the release',
      () => tarball((d) => (app(d), symlinkSync('../../etc', join(d, 'evil')))),
      'link-outside',
    ],
    [
      'an absolute symlink',
      () => tarball((d) => (app(d), symlinkSync('/etc/passwd', join(d, 'evil')))),
      'link-outside',
    ],
    ['a hard link', () => tarball((d) => (app(d), linkSync(join(d, 'run.sh'), join(d, 'again.sh')))), 'type'],
    ['a FIFO', () => tarball((d) => (app(d), execFileSync('mkfifo', [join(d, 'pipe')]))), 'type'],
    [
      'an absolute path',
      () => {
        const d = tempDir('relseal-abs-')
        writeFileSync(join(d, 'x'), 'x\n')
        return tarball(() => undefined, ['-P', join(d, 'x')])
      },
      'absolute',
    ],
    [
      'a path with ..',
      () =>
        tarball(
          (d) => {
            mkdirSync(join(d, 'in'))
            writeFileSync(join(d, 'out.txt'), 'x\n')
          },
          ['-P', 'in/../out.txt'],
        ),
      'dot-dot',
    ],
    [
      'a link through another link that ends outside',
      () =>
        tarball((d) => {
          app(d)
          symlinkSync('.', join(d, 'here'))
          symlinkSync('here/..', join(d, 'up'))
        }),
      'through-link',
    ],
  ]

  it.each(refused)('refuses %s before writing anything', async (_what, make, reason) => {
    const dest = join(tempDir('relseal-rel-'), '1.0.0')
    await expect(extractTarball(make(), dest)).rejects.toMatchObject({
      code: 'E_BAD_INPUT',
      details: { reason },
    })
    expect(existsSync(dest)).toBe(false)
  })

  it('refuses an entry whose path goes through a symlink in the archive', async () => {
    // two archives concatenated by tar -r: `l -> sub`, then a file stored as l/x
    const dir = tempDir('relseal-tar-src-')
    mkdirSync(join(dir, 'sub'))
    symlinkSync('sub', join(dir, 'l'))
    writeFileSync(join(dir, 'x'), 'through the link\n')
    const plain = join(tempDir('relseal-tar-'), 'app.tar')
    execFileSync('tar', ['-cf', plain, '-C', dir, 'sub', 'l'])
    execFileSync('tar', ['-rf', plain, '-C', dir, '--transform', 's,^x$,l/x,', 'x'])
    execFileSync('gzip', [plain])
    const dest = join(tempDir('relseal-rel-'), '1.0.0')
    await expect(extractTarball(`${plain}.gz`, dest)).rejects.toMatchObject({
      code: 'E_BAD_INPUT',
      details: { entry: 'l/x', reason: 'through-link' },
    })
    expect(existsSync(dest)).toBe(false)
  })

  it('caps the entry count and the extracted size (E_TOO_LARGE)', async () => {
    const archive = tarball((d) => {
      for (let i = 0; i < 10; i++) writeFileSync(join(d, `f${i}`), Buffer.alloc(1000, i))
    })
    const dest = join(tempDir('relseal-rel-'), '1.0.0')
    await expect(extractTarball(archive, dest, { maxEntries: 5 })).rejects.toMatchObject({
      code: 'E_TOO_LARGE',
    })
    await expect(extractTarball(archive, dest, { maxBytes: 5000 })).rejects.toMatchObject({
      code: 'E_TOO_LARGE',
    })
    expect(existsSync(dest)).toBe(false)
    await extractTarball(archive, dest)
    expect(readdirSync(dest)).toHaveLength(10)
  })

  it('refuses a corrupt archive', async () => {
    const archive = tarball(app)
    const bytes = readFileSync(archive)
    writeFileSync(archive, bytes.subarray(0, bytes.length >> 1))
    const dest = join(tempDir('relseal-rel-'), '1.0.0')
    await expect(extractTarball(archive, dest)).rejects.toMatchObject({ code: 'E_BAD_INPUT' })
    expect(existsSync(dest)).toBe(false)
  })
})
