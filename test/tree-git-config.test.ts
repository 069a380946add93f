import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { RelsealError } from '../src/errors.js'
import {
  MODE_EXECUTABLE,
  MODE_FILE,
  MODE_SUBMODULE,
  MODE_SYMLINK,
  parseGitBool,
  parseStageListing,
  StageListingParser,
  type StageListing,
} from '../src/tree/from-git-index.js'
import { git, makeRepo } from './helpers/git-repo.js'

describe('parseGitBool (core.fileMode read with one git call)', () => {
  it('reads every spelling as `git config --type=bool` does', () => {
    const repo = makeRepo({ a: 'a\n' })
    for (const value of [
      'true',
      'false',
      'YES',
      'no',
      'On',
      'off',
      '0',
      '1',
      '0x0',
      '0x10',
      '010',
      '2k',
      '0g',
      '-1',
      '',
    ]) {
      git(repo, 'config', 'core.fileMode', value)
      const expected = spawnSync('git', ['config', '--type=bool', '--get', 'core.fileMode'], {
        cwd: repo,
        encoding: 'utf8',
      }).stdout.trim()
      expect({ value, read: parseGitBool('core.fileMode', value) }).toEqual({
        value,
        read: expected === 'true',
      })
    }
  })

  it('reads a key without a value as true, and refuses a value that is no boolean with E_GIT', () => {
    expect(parseGitBool('core.fileMode', undefined)).toBe(true)
    expect(() => parseGitBool('core.fileMode', 'maybe')).toThrow(RelsealError)
    expect(() => parseGitBool('core.fileMode', 'maybe')).toThrow(expect.objectContaining({ code: 'E_GIT' }))
  })
})

describe('parseStageListing', () => {
  const records = (l: StageListing) => l.paths.map((path, i) => ({ mode: l.modes[i], oid: l.oid(i), path }))

  it('reads an ASCII listing and a UTF-8 one alike, and refuses a merge conflict', () => {
    const ascii = Buffer.from('100644 aa 0\ta b\x00100755 bb 0\tdir/x\x00120000 cc 0\tl\x00')
    expect(records(parseStageListing(ascii, 'repo'))).toEqual([
      { mode: MODE_FILE, oid: 'aa', path: 'a b' },
      { mode: MODE_EXECUTABLE, oid: 'bb', path: 'dir/x' },
      { mode: MODE_SYMLINK, oid: 'cc', path: 'l' },
    ])
    const utf8 = Buffer.from('160000 aa 0\tcaf\u00e9\x00100644 bb 0\tx\x00')
    expect(records(parseStageListing(utf8, 'repo'))).toEqual([
      { mode: MODE_SUBMODULE, oid: 'aa', path: 'caf\u00e9' },
      { mode: MODE_FILE, oid: 'bb', path: 'x' },
    ])
    // Many short records: the arrays sized for 40-digit ids grow.
    const many = Array.from({ length: 300 }, (_, i) => `100755 o${i} 0\tf${i}\x00`).join('')
    expect(records(parseStageListing(Buffer.from(many), 'repo')).at(-1)).toEqual({
      mode: MODE_EXECUTABLE,
      oid: 'o299',
      path: 'f299',
    })
    expect(records(parseStageListing(Buffer.from(`${many}100644 \u00e9 0\tx\x00`), 'repo')).at(-2)).toEqual({
      mode: MODE_EXECUTABLE,
      oid: 'o299',
      path: 'f299',
    })
    for (const listing of ['100644 aa 1\tc\x00', '100644 aa 2\tcaf\u00e9\x00']) {
      expect(() => parseStageListing(Buffer.from(listing), 'repo')).toThrow(
        expect.objectContaining({ code: 'E_BAD_INPUT' }),
      )
    }
    expect(() =>
      parseStageListing(Buffer.from([0x31, 0x20, 0x61, 0x20, 0x30, 0x09, 0xff, 0]), 'repo'),
    ).toThrow(expect.objectContaining({ code: 'E_BAD_PATH_NAME' }))
  })

  it('reads a listing fed in chunks cut anywhere (inside a record, inside a UTF-8 character) as a whole one', () => {
    const id = 'a'.repeat(40)
    const names = ['a', 'caf\u00e9/x', 'dir/\u30d5\u30a1\u30a4\u30eb', 'tab\there', 'z'.repeat(70)]
    const whole = Buffer.from(
      names.map((n, i) => `${i % 2 ? '100755' : '100644'} ${id} 0\t${n}\x00`).join('') +
        '160000 ' +
        `${'b'.repeat(40)} 0\tsub\x00`,
    )
    const expected = records(parseStageListing(whole, 'repo'))
    expect(expected.map((r) => r.path)).toEqual([...names, 'sub'])
    expect(expected.at(-1)).toEqual({ mode: MODE_SUBMODULE, oid: 'b'.repeat(40), path: 'sub' })
    for (const size of [1, 2, 3, 7, 50, 51, 64]) {
      const parser = new StageListingParser('repo')
      for (let at = 0; at < whole.length; at += size) parser.feed(whole.subarray(at, at + size))
      expect(records(parser.done())).toEqual(expected)
    }
    // An error in a chunk is kept for done(), not thrown at the stream's listener.
    const bad = new StageListingParser('repo')
    bad.feed(Buffer.from(`100644 ${id} 2\tc\x00`))
    expect(() => bad.done()).toThrow(expect.objectContaining({ code: 'E_BAD_INPUT' }))
  })
})
