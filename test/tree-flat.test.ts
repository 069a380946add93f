import { execFileSync } from 'node:child_process'
import { cpSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ByteWriter } from '../src/tree/byte-writer.js'
import { codeHashOf, fileManifestOf, hashTree, type TreeHash } from '../src/tree/index.js'
import type * as Tree from '../src/tree/index.js'
import { makeRepo } from './helpers/git-repo.js'
import { tempDir } from './helpers/tmp.js'

// The working-tree hash is built from flat arrays (no object per file) and opens files by
// relative paths when the tree is the process's directory; both must give what the entry-based
// definitions (codeHashOf, fileManifestOf) give, with every kind of path.
const TREE = {
  'plain.txt': 'hello\n',
  'üñíçødé/ファイル.md': 'unicode\n',
  'back\\slash': 'backslash\n',
  'new\nline': 'newline\n',
  empty: '',
  'big.bin': Buffer.alloc(3 * 1024 * 1024 + 7, 0x61),
  'bin/run.sh': { exec: '#!/bin/sh\necho hi\n' },
  'docs/link-inside': { symlink: '../plain.txt' },
  'z/last': 'last\n',
}

const home = process.cwd()
afterEach(() => process.chdir(home))

/** The library from the sources (hashing on the calling thread) and from build/ (with threads). */
const libraries = [
  ['sources', () => import('../src/tree/index.js')],
  ['build', () => import('../build/tree/index.js') as Promise<typeof Tree>],
] as const

function expectConsistent(tree: TreeHash): void {
  expect(tree.codeHash).toBe(codeHashOf(tree.entries))
  expect(tree.fileManifest).toBe(fileManifestOf(tree.entries))
  expect(tree.bytes).toBe(tree.entries.reduce((n, e) => n + e.size, 0))
}

describe('hashing a working tree from flat listings', () => {
  it.each(libraries)(
    'gives the same hashes by relative and absolute paths, as the entry-based definitions (%s)',
    async (_name, load) => {
      const { hashTree: hash } = await load()
      const repo = makeRepo(TREE)
      const absolute = await hash({ dir: repo, concurrency: 2 })
      process.chdir(repo)
      const relative = await hash({ dir: '.', concurrency: 2 })
      const plainRelative = await hash({ dir: '.', source: 'plain', exclude: ['.git/**'], concurrency: 2 })
      // The process's directory named through a symlink is the same directory.
      const link = join(tempDir(), 'link')
      symlinkSync(repo, link)
      const throughLink = await hash({ dir: link, concurrency: 2 })
      process.chdir(home)
      const plainAbsolute = await hash({ dir: repo, source: 'plain', exclude: ['.git/**'], concurrency: 2 })
      expect(relative).toEqual(absolute)
      expect(throughLink).toEqual(absolute)
      expect(plainRelative).toEqual(plainAbsolute)
      expect(plainAbsolute.codeHash).toBe(absolute.codeHash)
      expectConsistent(absolute)
      expectConsistent(plainAbsolute)
      const rev = await hash({ dir: repo, rev: 'HEAD' })
      expect(rev.codeHash).toBe(absolute.codeHash)
      expect(rev.fileManifest).toBe(absolute.fileManifest)
    },
  )

  it.each(libraries)(
    'names a missing file by its path when hashing by relative paths (%s)',
    async (_name, load) => {
      const { hashTree: hash } = await load()
      const repo = makeRepo({ ...TREE, 'gone/away.txt': 'x' })
      rmSync(join(repo, 'gone/away.txt'))
      process.chdir(repo)
      await expect(hash({ dir: '.', concurrency: 2 })).rejects.toMatchObject({
        code: 'E_NOT_FOUND',
        message: expect.stringContaining('gone/away.txt does not exist'),
      })
    },
  )

  it('hashes again by absolute paths when the process changes directory while hashing', async () => {
    const files = Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`f${i}`, `${i}\n`]))
    const repo = makeRepo(files)
    const expected = await hashTree({ dir: repo })
    // A copy with other contents under the same names: files read from it would hash differently.
    const decoy = join(tempDir(), 'decoy')
    cpSync(repo, decoy, { recursive: true })
    for (let i = 0; i < 600; i++) writeFileSync(join(decoy, `f${i}`), 'other\n')
    process.chdir(repo)
    let moved = false
    const tree = await hashTree({
      dir: repo,
      concurrency: 1,
      onProgress: () => {
        if (moved) return
        moved = true
        process.chdir(decoy)
      },
    })
    expect(moved).toBe(true)
    expect(tree.codeHash).toBe(expected.codeHash)
    expect(tree.fileManifest).toBe(expected.fileManifest)
  })

  it('refuses a FIFO where git records a file, by relative paths too', async () => {
    const repo = makeRepo({ f: 'x', g: 'y' })
    execFileSync('rm', [join(repo, 'f')])
    execFileSync('mkfifo', [join(repo, 'f')])
    process.chdir(repo)
    await expect(hashTree({ dir: '.' })).rejects.toMatchObject({ code: 'E_UNREADABLE' })
  })
})

describe('ByteWriter', () => {
  it('writes decimals, UTF-8 text and bytes, flushing full buffers in order', () => {
    const chunks: Buffer[] = []
    const w = new ByteWriter(64, (b) => chunks.push(Buffer.from(b)))
    const numbers = [0, 9, 10, 99, 100, 12345, 999999999, 2 ** 40, Number.MAX_SAFE_INTEGER]
    let expected = ''
    for (const x of numbers) {
      w.room(20)
      w.decimal(x)
      w.byte(0x20)
      expected += `${x} `
    }
    for (const s of ['ascii', 'caf\u00e9', 'ファイル', '\u{1F600}']) {
      w.room(3 * s.length)
      w.text(s)
      expected += s
    }
    w.room(3)
    w.bytes(Buffer.from('xyz'), 0, 3)
    expected += 'xyz'
    chunks.push(w.written())
    expect(Buffer.concat(chunks).toString('utf8')).toBe(expected)
    expect(chunks.length).toBeGreaterThan(1)
    const grow = new ByteWriter(64)
    for (let i = 0; i < 100; i++) {
      grow.room(8)
      grow.text('abcdefgh')
    }
    expect(grow.written().toString()).toBe('abcdefgh'.repeat(100))
  })
})
