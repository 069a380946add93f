import { appendFileSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  failedPath,
  markFailed,
  readFailedReleases,
  type FailedRelease,
} from '../src/update/failed-releases.js'
import { MAX_EVIDENCE_TAIL_BYTES, readEvidence } from '../src/update/evidence.js'
import { olderInstalled } from '../src/update/installed.js'
import { appLayout } from '../src/update/layout.js'
import { pruneReleases } from '../src/update/prune.js'
import { status } from '../src/update/status.js'
import {
  clearPendingSupervision,
  hasPendingSupervision,
  pendingPath,
  readPendingSupervision,
  writePendingSupervision,
} from '../src/update/supervising.js'
import { runCli } from './helpers/cli.js'
import { tempDir } from './helpers/tmp.js'

async function appRootWith(versions: string[], current: string) {
  const root = join(tempDir('relseal-app-'), 'app')
  const r = await runCli(
    ['init', '--app-root', root, '--remote', tempDir(), '--repository', 'acme/app', '--offline'],
    '/',
  )
  expect(r.stderr).toBe('')
  const layout = appLayout(root)
  for (const v of versions) {
    mkdirSync(join(layout.releases, v))
    writeFileSync(
      join(layout.manifests, `${v}.json`),
      JSON.stringify({ version: v, commit: 'c', code_hash: 'h' }),
    )
    writeFileSync(join(layout.manifests, `${v}.release_manifest.json`), '{}')
  }
  symlinkSync(join('releases', current), layout.current)
  return layout
}

const mark = (version: string, time: string): FailedRelease => ({
  version,
  commit: 'c',
  code_hash: 'h',
  time,
  run_id: 'r',
  step: 'watch',
  error_code: 'E_WATCH_FAILED',
  error: 'x'.repeat(5000),
})

describe('failed releases on disk', () => {
  it('prune keeps the newest failed release for inspection, removes older failed ones, keeps every mark', async () => {
    const layout = await appRootWith(['1.0.0', '2.0.0', '3.0.0', '4.0.0'], '4.0.0')
    markFailed(layout, mark('2.0.0', '2026-01-01T00:00:00Z'))
    markFailed(layout, mark('3.0.0', '2026-01-02T00:00:00Z'))
    expect(await pruneReleases(layout, 2)).toEqual(['2.0.0'])
    expect(readdirSync(layout.releases).sort()).toEqual(['1.0.0', '3.0.0', '4.0.0'])
    expect(readFailedReleases(layout).map((f) => f.version)).toEqual(['2.0.0', '3.0.0'])
    expect(readFailedReleases(layout)[0]!.error.length).toBeLessThan(2100) // cut when stored
  })

  it('rollback candidates skip failed releases', async () => {
    const layout = await appRootWith(['1.0.0', '2.0.0', '3.0.0'], '3.0.0')
    expect(olderInstalled(layout, '3.0.0')).toBe('2.0.0')
    markFailed(layout, mark('2.0.0', '2026-01-01T00:00:00Z'))
    expect(olderInstalled(layout, '3.0.0')).toBe('1.0.0')
  })

  it('refuses a damaged failed.json with E_BAD_INPUT rather than forgetting the marks', async () => {
    const layout = await appRootWith(['1.0.0'], '1.0.0')
    writeFileSync(failedPath(layout), '{"failed": [')
    expect(() => readFailedReleases(layout)).toThrow(expect.objectContaining({ code: 'E_BAD_INPUT' }))
  })
})

describe('the supervision marker (.relseal/supervising.json)', () => {
  it('round-trips, and refuses a damaged, oversized or linked marker with E_BAD_INPUT', async () => {
    const layout = await appRootWith(['1.0.0', '2.0.0'], '2.0.0')
    expect(readPendingSupervision(layout)).toBeUndefined()
    const rec = { version: '2.0.0', from: '1.0.0', started: '2026-01-01T00:00:00Z', run_id: 'r' }
    writePendingSupervision(layout, rec)
    expect(readPendingSupervision(layout)).toEqual(rec)
    expect(status({ appRoot: layout.root }).supervising).toEqual(rec)
    const bad = (text: string) => {
      rmSync(pendingPath(layout), { force: true })
      writeFileSync(pendingPath(layout), text)
      expect(() => readPendingSupervision(layout)).toThrow(expect.objectContaining({ code: 'E_BAD_INPUT' }))
    }
    bad('{"version": "2.0.0"')
    bad(JSON.stringify({ ...rec, version: 7 }))
    bad(JSON.stringify({ ...rec, from: '../../etc' }))
    bad(JSON.stringify({ ...rec, failure: { error: 'x' } }))
    bad(JSON.stringify({ ...rec, pad: 'x'.repeat(70_000) }))
    rmSync(pendingPath(layout))
    symlinkSync(join(layout.state, 'config.json'), pendingPath(layout))
    expect(() => status({ appRoot: layout.root })).toThrow(expect.objectContaining({ code: 'E_BAD_INPUT' }))
    clearPendingSupervision(layout)
    expect(hasPendingSupervision(layout)).toBe(false)
  })
})

describe('status reads the end of the evidence log only', () => {
  it('returns the last runs of a log larger than the bound, skipping the line the bound cuts and a torn last line', () => {
    const log = join(tempDir(), 'evidence.jsonl')
    const line = (n: number) =>
      `${JSON.stringify({ run_id: `run-${n}`, time: 't', outcome: 'updated', steps: [], pad: 'x'.repeat(900) })}\n`
    let n = 0
    let written = 0
    while (written < 2 * MAX_EVIDENCE_TAIL_BYTES) {
      const l = line(n++)
      appendFileSync(log, l)
      written += l.length
    }
    appendFileSync(log, '{"run_id": "torn')
    const runs = readEvidence(log, 3)
    expect(runs.map((r) => r.run_id)).toEqual([`run-${n - 3}`, `run-${n - 2}`, `run-${n - 1}`])
    // asking for more than the bound holds gives whole records only
    const all = readEvidence(log, 100_000)
    expect(all.length).toBeLessThan(n)
    expect(all.every((r) => r.run_id.startsWith('run-'))).toBe(true)
  })
})
