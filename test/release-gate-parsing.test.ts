import { fc, test } from '@fast-check/vitest'
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { parseCommands, splitCommandLine } from '../actions/release-gate/src/command-line.js'
import { nearestValid, parseReleaseVersion } from '../actions/release-gate/src/version.js'
import { isRelsealError } from '../src/errors.js'

const num = fc.nat({ max: 10_000 }).map(String)
const ident = fc.stringMatching(/^[0-9A-Za-z-]{1,8}$/).filter((s) => !/^0\d/.test(s))
const semverString = fc
  .tuple(num, num, num, fc.option(fc.array(ident, { minLength: 1, maxLength: 3 })))
  .map(([a, b, c, pre]) => `${a}.${b}.${c}${pre ? `-${pre.join('.')}` : ''}`)

function refusal(f: () => unknown): string {
  try {
    f()
  } catch (e) {
    if (isRelsealError(e, 'E_BAD_VERSION')) return e.message
    throw e
  }
  throw new Error('expected a refusal')
}

describe('release-gate version parsing', () => {
  test.prop([semverString, fc.constantFrom('', 'v', 'release/')])(
    'accepts every strict SemVer version, bare or with the tag prefix',
    (v, prefix) => {
      for (const raw of [v, `${prefix}${v}`]) {
        const r = parseReleaseVersion(raw, prefix, true)
        expect(r).toEqual({ version: v, tag: `${prefix}${v}`, prerelease: v.includes('-') })
      }
    },
  )

  test.prop([semverString, fc.constantFrom(' ', '\t', '\u00a0', '\u200b', '\n')])(
    'refuses any whitespace or invisible character, and names it',
    (v, ws) => {
      expect(refusal(() => parseReleaseVersion(`${v}${ws}`, 'v', true))).toMatch(/U\+[0-9A-F]{4}/)
    },
  )

  it.each([
    ['1.2', '1.2.0'],
    ['01.2.3', '1.2.3'],
    ['1.2.3-', '1.2.3'],
    ['1.2.3+', '1.2.3'],
    ['1.2.3-rc.01', '1.2.3-rc.1'],
    ['１.２.３', '1.2.3'],
    ['1.2.3.4', undefined],
    ['latest', undefined],
  ])('the nearest valid form of %j is %s', (raw, near) => {
    expect(nearestValid(raw)).toBe(near)
    expect(refusal(() => parseReleaseVersion(raw, 'v', true))).toContain(
      near ? `did you mean ${near}?` : 'write it as MAJOR.MINOR.PATCH',
    )
  })

  it('refuses Arabic-Indic and other non-ASCII digits that look like a version', () => {
    expect(refusal(() => parseReleaseVersion('١.٢.٣', 'v', true))).toContain('U+0661')
  })
})

/** Quotes `arg` for a POSIX shell: the reference the splitter must agree with. */
const shellQuote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`
const arg = fc.string({
  unit: fc.constantFrom('a', ' ', "'", '"', '\\', '$', ';', '|', '`', '*', 'é'),
  maxLength: 8,
})

describe('release-gate command lines', () => {
  test.prop([fc.array(arg, { minLength: 1, maxLength: 5 })])(
    'splits a shell-quoted line into exactly the words /bin/sh sees',
    (args) => {
      const line = args.map(shellQuote).join(' ')
      expect(splitCommandLine(line, 'test-command')).toEqual(args)
    },
  )

  it.each([
    `npm test -- --reporter=junit "--outputFile=reports/a b.xml"`,
    `node -e "console.log(\\"hi\\")" it\\'s`,
    `echo $HOME ; rm -rf / | cat`,
  ])('agrees with sh on %j, and never expands or chains anything', (line) => {
    const sh = execFileSync('sh', ['-c', `printf '%s\\0' ${line.replace(/[$;|]/g, '\\$&')}`], {
      encoding: 'utf8',
    })
    expect(splitCommandLine(line, 'test-command')).toEqual(sh.split('\0').slice(0, -1))
  })

  it('refuses an unclosed quote, and skips blank and comment lines', () => {
    expect(() => splitCommandLine(`npm "test`, 'line 1 of input test-command')).toThrow(
      'line 1 of input test-command has an unclosed " quote',
    )
    expect(parseCommands('# lint first\nnpm run lint\n\n  npm test  \n', 'test-command')).toEqual([
      ['npm', 'run', 'lint'],
      ['npm', 'test'],
    ])
  })
})
