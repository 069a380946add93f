import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  compareBenchmarks,
  formatBenchTable,
  parseBenchmarkReport,
  parseTolerance,
  type BenchComparison,
} from '../src/bench/index.js'
import { runCli } from './helpers/cli.js'
import { tempDir } from './helpers/tmp.js'

const fixtures = new URL('./fixtures/bench/', import.meta.url).pathname
const report = (name: string) => parseBenchmarkReport(readFileSync(join(fixtures, name)), name)
const smaller = { tolerance: 0.05, direction: 'smaller-is-better' } as const
const verdicts = (c: BenchComparison) => Object.fromEntries(c.rows.map((r) => [r.name, r.verdict]))

describe('compareBenchmarks with the report files in test/fixtures/bench', () => {
  it('an improvement passes, and a new metric passes', () => {
    const c = compareBenchmarks(report('baseline.json'), report('improved.json'), smaller)
    expect(c.ok).toBe(true)
    expect(verdicts(c)).toEqual({
      startup: 'improved',
      'hash 1 GiB': 'improved',
      'parse manifest': 'improved',
      'bundle size': 'unchanged',
      'verify tag': 'new',
    })
    expect(c.rows[0]).toMatchObject({ previous: 100, now: 90, change: -0.1 })
  })

  it('a regression just past the tolerance (5.1% at 5%) fails', () => {
    const c = compareBenchmarks(report('baseline.json'), report('regressed.json'), smaller)
    expect(c.ok).toBe(false)
    expect(verdicts(c).startup).toBe('regressed')
    expect(c.rows.filter((r) => !r.ok).map((r) => r.name)).toEqual(['startup'])
  })

  it('one just inside it (4.9%), and within the ranges, passes; 0% tolerance refuses it', () => {
    const c = compareBenchmarks(report('baseline.json'), report('within.json'), smaller)
    expect(c.ok).toBe(true)
    expect(verdicts(c)).toMatchObject({ startup: 'within tolerance', 'hash 1 GiB': 'within tolerance' })
    const zero = compareBenchmarks(report('baseline.json'), report('within.json'), {
      ...smaller,
      tolerance: 0,
    })
    expect(zero.ok).toBe(false)
    expect(verdicts(zero).startup).toBe('regressed')
  })

  it('exactly at the tolerance passes (105 against 100 at 5%)', () => {
    const base = [{ name: 'x', unit: 'ms', value: 100 }]
    expect(compareBenchmarks(base, [{ name: 'x', unit: 'ms', value: 105 }], smaller).ok).toBe(true)
    expect(compareBenchmarks(base, [{ name: 'x', unit: 'ms', value: 105.0001 }], smaller).ok).toBe(false)
  })

  it('a metric worse than its own range fails though within the tolerance', () => {
    const c = compareBenchmarks(report('baseline.json'), report('outside-range.json'), smaller)
    expect(c.ok).toBe(false)
    expect(verdicts(c)['hash 1 GiB']).toBe('outside range')
    expect(c.rows.find((r) => r.name === 'hash 1 GiB')!.change).toBeCloseTo(0.04)
  })

  it('a metric missing from the candidate fails', () => {
    const c = compareBenchmarks(report('baseline.json'), report('missing-metric.json'), smaller)
    expect(c.ok).toBe(false)
    expect(c.rows.find((r) => r.name === 'bundle size')).toMatchObject({
      verdict: 'missing',
      ok: false,
      previous: 512,
    })
  })

  it('bigger-is-better turns the direction round; a changed unit fails', () => {
    const base = [{ name: 'ops', unit: 'ops/s', value: 1000 }]
    const slower = [{ name: 'ops', unit: 'ops/s', value: 900 }]
    expect(compareBenchmarks(base, slower, smaller).ok).toBe(true)
    const big = compareBenchmarks(base, slower, { tolerance: 0.05, direction: 'bigger-is-better' })
    expect(verdicts(big).ops).toBe('regressed')
    const unit = compareBenchmarks(base, [{ name: 'ops', unit: 'op/ms', value: 1000 }], smaller)
    expect(verdicts(unit).ops).toBe('unit changed')
  })

  it('formats the table name / previous / now / change / verdict, with a verdict line', () => {
    const text = formatBenchTable(
      compareBenchmarks(report('baseline.json'), report('regressed.json'), smaller),
    )
    const lines = text.split('\n')
    expect(lines[0]).toMatch(/^name\s+previous\s+now\s+change\s+verdict$/)
    expect(lines[1]).toMatch(/^startup\s+100 ms\s+105\.1 ms\s+\+5\.10%\s+regressed ✗$/)
    expect(text).toContain('1 of 4 metric(s) failed (tolerance 5%, smaller-is-better)')
  })
})

describe('parseBenchmarkReport treats a report as hostile input', () => {
  it.each([
    ['not JSON', '[{"name":', 'is not JSON'],
    ['not an array', '{"name":"a","unit":"ms","value":1}', 'is not a JSON array'],
    ['an entry that is not an object', '[1]', 'entry 1 is not an object'],
    ['an unknown key', '[{"name":"a","unit":"ms","value":1,"os":"linux"}]', 'unknown key "os"'],
    ['a missing unit', '[{"name":"a","value":1}]', '"unit" must be a string'],
    ['a string value', '[{"name":"a","unit":"ms","value":"12"}]', '"value" must be a finite number'],
    ['an infinite value', '[{"name":"a","unit":"ms","value":1e999}]', '"value" must be a finite number'],
    ['an empty name', '[{"name":" ","unit":"ms","value":1}]', '"name" is empty'],
    ['a control character', '[{"name":"a\\u001b[2J","unit":"ms","value":1}]', 'control or bidi'],
    [
      'a duplicate name',
      '[{"name":"a","unit":"ms","value":1},{"name":"a","unit":"ms","value":2}]',
      'appears twice',
    ],
    [
      'a range that is not one',
      '[{"name":"a","unit":"ms","value":1,"range":"about 3"}]',
      'is not like "± 2"',
    ],
    ['__proto__ as a key', '[{"__proto__":{},"name":"a","unit":"ms","value":1}]', 'unknown key "__proto__"'],
  ])('refuses %s with E_BAD_INPUT naming the file and entry', (_what, text, says) => {
    let caught: unknown
    try {
      parseBenchmarkReport(text, 'reports/bench.json')
    } catch (e) {
      caught = e
    }
    expect(caught).toMatchObject({ code: 'E_BAD_INPUT' })
    expect((caught as Error).message).toContain('benchmark report reports/bench.json')
    expect((caught as Error).message).toContain(says)
  })

  it('refuses a report over 1 MiB before parsing it', () => {
    const big = `[${Array.from({ length: 30_000 }, (_, i) => `{"name":"m${i}","unit":"ms","value":${i}}`).join(',')}]`
    expect(() => parseBenchmarkReport(big, 'big.json')).toThrow(/over the 1048576-byte limit/)
  })

  it('reads ranges as github-action-benchmark tools write them', () => {
    const r = parseBenchmarkReport(
      '[{"name":"a","unit":"ns/iter","value":44601,"range":"± 329"},{"name":"b","unit":"ops/sec","value":9,"range":"±1.23%"},{"name":"c","unit":"ms","value":1,"range":"+/- 0.5"}]',
      'r.json',
    )
    expect(r.map((e) => e.range)).toEqual([
      { amount: 329, relative: false, text: '± 329' },
      { amount: 1.23, relative: true, text: '±1.23%' },
      { amount: 0.5, relative: false, text: '+/- 0.5' },
    ])
  })

  it.each(['5', '-1%', '5 %x', 'five%', '1e2%'])('parseTolerance refuses %j with E_USAGE', (t) => {
    expect(() => parseTolerance(t, '--tolerance')).toThrow(
      expect.objectContaining({ code: 'E_USAGE' }) as Error,
    )
  })
})

describe('relseal bench-compare', () => {
  const rel = (name: string) => join(fixtures, name)

  it('prints the table and exits 0 without a regression', async () => {
    const r = await runCli(
      ['bench-compare', '--baseline', rel('baseline.json'), '--candidate', rel('improved.json')],
      '/',
    )
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^verify tag\s+—\s+3\.2 ms\s+—\s+new$/m)
    expect(r.stdout).toContain('no regression (tolerance 5%, smaller-is-better)')
  })

  it.each([
    ['regressed.json', '5%', 1],
    ['regressed.json', '5.1%', 0],
    ['within.json', '5%', 0],
    ['outside-range.json', '50%', 1],
    ['missing-metric.json', '5%', 1],
  ])('%s at --tolerance %s exits %i', async (candidate, tolerance, code) => {
    const r = await runCli(
      [
        'bench-compare',
        '--baseline',
        rel('baseline.json'),
        '--candidate',
        rel(candidate),
        '--tolerance',
        tolerance,
      ],
      '/',
    )
    expect(r.stderr).toBe('')
    expect(r.code).toBe(code)
  })

  it('--json prints the comparison as data', async () => {
    const r = await runCli(
      [
        'bench-compare',
        '--baseline',
        rel('baseline.json'),
        '--candidate',
        rel('missing-metric.json'),
        '--json',
      ],
      '/',
    )
    expect(r.code).toBe(1)
    const c = JSON.parse(r.stdout) as BenchComparison
    expect(c).toMatchObject({ ok: false, tolerance: 0.05, direction: 'smaller-is-better' })
    expect(c.rows.find((x) => x.name === 'bundle size')).toMatchObject({ verdict: 'missing', ok: false })
  })

  // As a user runs it: bin/relseal.js in a subprocess (`npm run build` first).
  const bin = new URL('../bin/relseal.js', import.meta.url).pathname
  it.each([
    ['a missing baseline', ['--baseline', 'missing.json', '--candidate', 'ok.json'], 'E_NOT_FOUND'],
    ['a folder as the candidate', ['--baseline', 'ok.json', '--candidate', '.'], 'E_BAD_INPUT'],
    ['a malformed report', ['--baseline', 'bad.json', '--candidate', 'ok.json'], 'E_BAD_INPUT'],
    [
      'a tolerance without %',
      ['--baseline', 'ok.json', '--candidate', 'ok.json', '--tolerance', '5'],
      'E_USAGE',
    ],
    [
      'an unknown direction',
      ['--baseline', 'ok.json', '--candidate', 'ok.json', '--direction', 'up'],
      'E_USAGE',
    ],
    ['no --candidate', ['--baseline', 'ok.json'], 'E_USAGE'],
  ])('%s exits 2 with %s, never a stack trace', (_what, args, code) => {
    const dir = tempDir('relseal-bench-')
    writeFileSync(join(dir, 'ok.json'), '[{"name":"a","unit":"ms","value":1}]')
    writeFileSync(join(dir, 'bad.json'), '[{"name":"a","unit":"ms","value":NaN}]')
    const r = spawnSync(process.execPath, [bin, 'bench-compare', ...args], { cwd: dir, encoding: 'utf8' })
    expect(r.stderr.startsWith(`relseal bench-compare: error ${code}: `)).toBe(true)
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /)
    expect(r.status).toBe(2)
  })
})
