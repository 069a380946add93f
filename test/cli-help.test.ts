import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { MARK_UNDOCUMENTED } from '../src/cli/args.js'
import { COMMANDS } from '../src/cli/commands.js'
import { closestSpelling } from '../src/cli/spelling.js'
import { runCli } from './helpers/cli.js'
import { tempDir } from './helpers/tmp.js'

const version = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version

/** The option rows of a help text: `  -h, --name VALUE   description (default: …)`. */
function optionRows(help: string): string[] {
  return help.split('\n').filter((l) => /^ {2}(-\w, | {4})--[a-z]/.test(l))
}

describe('relseal --help for every command', () => {
  it.each(Object.keys(COMMANDS))('%s --help describes every option with its default', async (name) => {
    const r = await runCli([name, '--help'], tempDir())
    expect(r.code).toBe(0)
    expect(r.stdout.startsWith(`usage: relseal ${name}`)).toBe(true)
    const rows = optionRows(r.stdout)
    expect(rows.length).toBeGreaterThan(0)
    // An option added to a command's table without a description shows up here by name.
    const undocumented = rows.filter((row) => row.includes(MARK_UNDOCUMENTED)).map((row) => row.trim())
    expect(undocumented).toEqual([])
    for (const row of rows) expect(row).toMatch(/\((default: [^)]+|required)(; repeatable)?\)$/)
    // Every option the usage line names is described.
    const usage = r.stdout.slice(0, r.stdout.indexOf('\n\noptions:'))
    for (const flag of usage.match(/--[a-z][a-z-]*/g) ?? [])
      expect(rows.some((row) => row.includes(`${flag} `) || row.endsWith(flag))).toBe(true)
  })

  it.each(Object.keys(COMMANDS))('relseal help %s prints the same text', async (name) => {
    const dir = tempDir()
    const viaHelp = await runCli(['help', name], dir)
    expect(viaHelp.code).toBe(0)
    expect(viaHelp.stdout).toBe((await runCli([name, '-h'], dir)).stdout)
  })
})

describe('relseal --version', () => {
  it.each(['--version', '-V'])('%s prints the package version', async (flag) => {
    const r = await runCli([flag], tempDir())
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(`relseal ${version}\n`)
  })
})

describe('usage mistakes', () => {
  it('names an unknown option and the closest valid spelling (E_USAGE, exit 2)', async () => {
    const r = await runCli(['verify', 'm.json', '--pubky', 'k.pub'], tempDir())
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('E_USAGE')
    expect(r.stderr).toContain('unknown option --pubky; did you mean --pubkey?')
  })

  it('names a missing required option (E_USAGE, exit 2)', async () => {
    const r = await runCli(['init', '--remote', 'https://example.com/app.git'], tempDir())
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('missing required option --app-root')
  })

  it('names a missing positional argument', async () => {
    const r = await runCli(['inspect'], tempDir())
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('missing MANIFEST')
  })

  it('suggests by edit distance, and nothing when nothing is close', () => {
    const names = ['threshold', 'allow-expired', 'min-version', 'pubkey']
    expect(closestSpelling('treshold', names)).toBe('threshold')
    expect(closestSpelling('allow-expird', names)).toBe('allow-expired')
    expect(closestSpelling('minversion', names)).toBe('min-version')
    expect(closestSpelling('colour', names)).toBeUndefined()
  })
})

describe('output conventions', () => {
  it('shows progress on stderr off a terminal only with --progress', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'a.txt'), 'a\n')
    const quiet = await runCli(['hash', dir, '--plain'], dir)
    expect(quiet.code).toBe(0)
    expect(quiet.stderr).toBe('')
    const shown = await runCli(['hash', dir, '--plain', '--progress'], dir)
    expect(shown.stderr).toMatch(/^hashing: \d+ files/m)
    expect(shown.stdout).toBe(quiet.stdout)
  })

  it('prints JSON with --json on keygen and init', async () => {
    const dir = tempDir()
    const kg = await runCli(['keygen', '--out', 'k', '--json'], dir)
    expect(JSON.parse(kg.stdout)).toMatchObject({
      keyid: expect.stringMatching(/^[0-9a-f]{64}$/),
      encrypted: false,
    })
    const init = await runCli(
      // --offline: the test must not reach example.com (init checks a remote answers unless told not to)
      [
        'init',
        '--app-root',
        'app',
        '--remote',
        'https://example.com/a.git',
        '--repository',
        'acme/app',
        '--offline',
        '--json',
      ],
      dir,
    )
    expect(JSON.parse(init.stdout)).toMatchObject({
      initialised: true,
      repository: 'acme/app',
      remote: 'https://example.com/a.git',
    })
  })
})
