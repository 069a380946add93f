import { existsSync, readFileSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { EvidenceRecord } from '../src/index.js'
import { runCli } from './helpers/cli.js'
import { signVersion, type Origin } from './helpers/origin.js'
import { appAnswer, appCommands, makeAppOrigin } from './helpers/supervised-app.js'
import { tempDir } from './helpers/tmp.js'

const WATCH = ['--watch-for', '3s', '--watch-interval', '500ms']

async function appRoot(o: Origin): Promise<string> {
  const root = join(tempDir('relseal-app-'), 'app')
  const r = await runCli(['init', '--app-root', root, '--remote', o.bare, '--repository', 'acme/app'], '/')
  expect(r.code).toBe(0)
  return root
}

function update(root: string, o: Origin, v: string, extra: string[]) {
  return runCli(
    [
      'update',
      '--app-root',
      root,
      '--manifest',
      join(o.out, `v${v}.release_manifest.json`),
      '--pubkey',
      o.pubFile,
      ...extra,
    ],
    '/',
  )
}

const currentOf = (root: string) => readlinkSync(join(root, 'current')).split('/')[1]
const lastEvidence = (root: string) =>
  JSON.parse(
    readFileSync(join(root, '.relseal/evidence.jsonl'), 'utf8').trim().split('\n').at(-1)!,
  ) as EvidenceRecord

describe('restart and watch after the swap (issue 16, item 1)', () => {
  it(
    'rolls back a release that crashes after start; the old release answers again; the failed one is kept and not chosen again',
    { timeout: 300_000 },
    async () => {
      const o = await makeAppOrigin(['1.0.0', '2.0.0', '3.0.0'], ['2.0.0'])
      for (const v of ['1.0.0', '2.0.0', '3.0.0']) await signVersion(o, v)
      const root = await appRoot(o)
      const app = appCommands(tempDir('relseal-run-'))
      const supervise = ['--restart-cmd', app.restart, '--watch-cmd', app.watch, ...WATCH]

      const first = await update(root, o, '1.0.0', supervise)
      expect(first.stderr).toBe('')
      expect(first.code).toBe(0)
      expect(await appAnswer(app.portFile)).toBe('1.0.0')

      const bad = await update(root, o, '2.0.0', supervise)
      expect(bad.code).toBe(4)
      expect(bad.stdout).toContain('rolled back: 2.0.0')
      expect(currentOf(root)).toBe('1.0.0')
      expect(await appAnswer(app.portFile)).toBe('1.0.0')
      expect(existsSync(join(root, 'releases/2.0.0/server.js'))).toBe(true) // kept for inspection
      const ev = lastEvidence(root)
      expect(ev).toMatchObject({
        outcome: 'rolled-back',
        error_code: 'E_WATCH_FAILED',
        from: { version: '1.0.0' },
        to: { version: '2.0.0' },
        rolled_back_to: { version: '1.0.0' },
        after_rollback: 'healthy',
      })
      expect(ev.steps.map((s) => `${s.step}:${s.outcome}`)).toEqual(
        expect.arrayContaining([
          'restart:ok',
          'watch:failed',
          'swap-back:ok',
          'restart-old:ok',
          'watch-old:ok',
        ]),
      )

      const status = await runCli(['status', '--app-root', root, '--json'], '/')
      const s = JSON.parse(status.stdout) as {
        current: { version: string }
        failed: { version: string; step: string; error_code: string; on_disk: boolean }[]
        runs: { outcome: string }[]
      }
      expect(s.current.version).toBe('1.0.0')
      expect(s.failed).toMatchObject([
        { version: '2.0.0', step: 'watch', error_code: 'E_WATCH_FAILED', on_disk: true },
      ])
      expect(s.runs.map((r) => r.outcome)).toEqual(['updated', 'rolled-back'])
      const text = await runCli(['status', '--app-root', root], '/')
      expect(text.stdout).toMatch(/failed .*\n {2}2\.0\.0 .*watch: E_WATCH_FAILED, kept in releases\/2\.0\.0/)
      expect(text.stdout).toContain('rolled-back 1.0.0 -> 2.0.0 (E_WATCH_FAILED), back on 1.0.0')

      const again = await update(root, o, '2.0.0', supervise)
      expect(again.code).toBe(1)
      expect(again.stderr).toContain('E_FAILED_RELEASE')
      expect(currentOf(root)).toBe('1.0.0')

      const retried = await update(root, o, '2.0.0', [...supervise, '--retry-failed', '2.0.0'])
      expect(retried.code).toBe(4) // chosen again when named, and rolled back again
      expect(await appAnswer(app.portFile)).toBe('1.0.0')

      const fixed = await update(root, o, '3.0.0', supervise)
      expect(fixed.code).toBe(0)
      expect(await appAnswer(app.portFile)).toBe('3.0.0')
      // rollback never goes to the failed release, though it is newer than 1.0.0
      expect(readlinkSync(join(root, 'rollback'))).toBe('releases/1.0.0')
      expect(existsSync(join(root, 'releases/2.0.0'))).toBe(true)
    },
  )

  it(
    'treats a failing restart right after the swap as a failure, and rolls back',
    { timeout: 120_000 },
    async () => {
      const o = await makeAppOrigin(['1.0.0', '2.0.0'], [])
      for (const v of ['1.0.0', '2.0.0']) await signVersion(o, v)
      const root = await appRoot(o)
      // The restart fails while current is 2.0.0 and works for 1.0.0.
      const restart = `[ "$(readlink current)" != releases/2.0.0 ] || { echo 'port 8080 in use' >&2; exit 1; }`
      expect((await update(root, o, '1.0.0', ['--restart-cmd', restart])).code).toBe(0)
      const r = await update(root, o, '2.0.0', ['--restart-cmd', restart, '--json'])
      expect(r.code).toBe(4)
      expect(JSON.parse(r.stdout)).toMatchObject({
        outcome: 'rolled-back',
        failure: { error_code: 'E_RESTART_FAILED' },
        after_rollback: 'healthy',
      })
      expect(currentOf(root)).toBe('1.0.0')
      expect(lastEvidence(root).error).toContain('port 8080 in use')
    },
  )

  it('with a watch command only and nothing to go back to: fails (exit 3), the release stays current, marked failed', async () => {
    const o = await makeAppOrigin(['1.0.0'], [])
    await signVersion(o, '1.0.0')
    const root = await appRoot(o)
    const r = await update(root, o, '1.0.0', [
      '--watch-cmd',
      'exit 1',
      '--watch-for',
      '1s',
      '--watch-interval',
      '100ms',
    ])
    expect(r.code).toBe(3)
    expect(r.stderr).toContain('E_WATCH_FAILED')
    expect(currentOf(root)).toBe('1.0.0')
    const s = JSON.parse((await runCli(['status', '--app-root', root, '--json'], '/')).stdout) as {
      failed: { version: string }[]
    }
    expect(s.failed.map((f) => f.version)).toEqual(['1.0.0'])
  })

  it('holds the update lock while watching', async () => {
    const o = await makeAppOrigin(['1.0.0'], [])
    await signVersion(o, '1.0.0')
    const root = await appRoot(o)
    const lock = join(root, '.relseal/lock')
    const r = await update(root, o, '1.0.0', [
      '--watch-cmd',
      `test -e '${lock}'`,
      '--watch-for',
      '1s',
      '--watch-interval',
      '500ms',
    ])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(existsSync(lock)).toBe(false)
  })

  it('refuses --watch-for without --watch-cmd and a --retry-failed that is not a version (E_USAGE)', async () => {
    const r = await runCli(
      ['update', '--app-root', '/nowhere', '--manifest', 'm.json', '--watch-for', '3s'],
      '/',
    )
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--watch-for needs --watch-cmd')
    const v = await runCli(
      ['update', '--app-root', '/nowhere', '--manifest', 'm.json', '--retry-failed', 'latest'],
      '/',
    )
    expect(v.code).toBe(2)
    expect(v.stderr).toContain('--retry-failed takes a version')
  })
})
