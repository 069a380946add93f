import { fc, test } from '@fast-check/vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { TreeEntry } from '../src/tree/index.js'
import { compareByBytes, diffFileManifests, parseFileManifest } from '../src/tree/index.js'
import { sortEntries } from '../src/tree/entry.js'
import { fileManifestOf } from '../src/tree/file-manifest.js'
import { tempDir } from './helpers/tmp.js'

// Names without '/' or NUL (any other character, including \, \n, \r and astral ones).
const name = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
  .filter((s) => !/[/\0]/.test(s) && s !== '.' && s !== '..')
const hex64 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'))
const fileEntry = fc
  .record({ path: name, sha256: hex64 })
  .map(({ path, sha256 }): TreeEntry => ({ path, sha256, kind: 'file', mode: '100644', size: 1 }))

describe('tree listing properties', () => {
  test.prop([fc.uniqueArray(fileEntry, { selector: (e) => e.path, maxLength: 20 })])(
    'the file manifest round-trips through parseFileManifest, whatever the names',
    (entries) => {
      const sorted = sortEntries([...entries])
      const parsed = parseFileManifest(fileManifestOf(sorted))
      expect([...parsed.entries()]).toEqual(sorted.map((e) => [e.path, e.sha256]))
    },
  )

  test.prop([fc.array(name, { maxLength: 30 })])(
    'sorting is by UTF-8 bytes and independent of input order',
    (names) => {
      const unique = [...new Set(names)]
      const a = sortEntries(unique.map((path) => ({ path })))
      const b = sortEntries([...unique].reverse().map((path) => ({ path })))
      expect(a).toEqual(b)
      for (let i = 1; i < a.length; i++) {
        expect(Buffer.compare(Buffer.from(a[i - 1]!.path), Buffer.from(a[i]!.path))).toBeLessThan(0)
        expect(compareByBytes(a[i - 1]!.path, a[i]!.path)).toBeLessThan(0)
      }
    },
  )

  test.prop([fc.uniqueArray(fileEntry, { selector: (e) => e.path, minLength: 1, maxLength: 10 }), fc.nat()])(
    'diffFileManifests names exactly the path whose digest changed',
    (entries, pick) => {
      const sorted = sortEntries([...entries])
      const changed = sorted[pick % sorted.length]!
      const tampered = sorted.map((e) =>
        e === changed ? { ...e, sha256: 'f'.repeat(64) === e.sha256 ? '0'.repeat(64) : 'f'.repeat(64) } : e,
      )
      expect(diffFileManifests(fileManifestOf(sorted), fileManifestOf(tampered))).toEqual([changed.path])
    },
  )
})

describe('determinism across thread counts', () => {
  test.prop(
    [
      fc.uniqueArray(fc.tuple(name, fc.uint8Array({ maxLength: 300 })), {
        selector: (t) => t[0],
        minLength: 1,
        maxLength: 40,
      }),
    ],
    {
      numRuns: 5,
    },
  )('hashing with 1, 2 and 4 threads gives the same entries and hashes', async (files) => {
    // The compiled build carries the worker file, so threads are really used there.
    const { hashTree } = await import('../build/tree/index.js')
    const { canUseHashThreads } = await import('../build/tree/hash-pool.js')
    expect(canUseHashThreads()).toBe(true)
    const dir = tempDir()
    files.forEach(([n, bytes], i) => {
      const p = join(dir, `d${i % 3}`, n)
      mkdirSync(dirname(p), { recursive: true })
      writeFileSync(p, bytes)
    })
    const results = await Promise.all([1, 2, 4].map((concurrency) => hashTree({ dir, concurrency })))
    expect(results[1]).toEqual(results[0])
    expect(results[2]).toEqual(results[0])
  })
})

describe('file manifest names sha256sum does not escape', () => {
  it('round-trips names holding U+2028 and U+2029 (found by the property above)', () => {
    const entries = sortEntries(
      ['a\u2028b', '\u2029', 'x\u0085y'].map((path): TreeEntry => ({
        path,
        sha256: '0'.repeat(64),
        kind: 'file',
        mode: '100644',
        size: 1,
      })),
    )
    expect([...parseFileManifest(fileManifestOf(entries)).keys()]).toEqual(entries.map((e) => e.path))
  })
})
