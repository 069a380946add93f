import { RelsealError } from '../errors.js'
import { escapeUntrusted } from '../text/escape.js'
import type { BenchmarkEntry, BenchmarkRange } from './report.js'

/** Which way is better, for every metric of a report (github-action-benchmark's two custom tools). */
export type BenchDirection = 'smaller-is-better' | 'bigger-is-better'
export const BENCH_DIRECTIONS: readonly BenchDirection[] = ['smaller-is-better', 'bigger-is-better']

export type BenchVerdict =
  | 'improved'
  | 'unchanged'
  | 'within tolerance'
  | 'regressed'
  | 'outside range'
  | 'unit changed'
  | 'missing'
  | 'new'

export interface BenchRow {
  name: string
  unit: string
  previous?: number
  now?: number
  /** (now − previous) / |previous|: signed, in the metric's own direction (not better/worse). */
  change?: number
  verdict: BenchVerdict
  ok: boolean
}

export interface BenchComparison {
  ok: boolean
  /** The fraction a metric may get worse by: 0.05 for `5%`. */
  tolerance: number
  direction: BenchDirection
  rows: BenchRow[]
}

/** Floating-point slack: 105 against 100 at 5% is "at the tolerance", not past it. */
const EPSILON = 1e-9

/**
 * A tolerance such as `5%`, `0%` or `2.5%` as a fraction; `what` names the input or option in errors.
 *
 * @example parseTolerance('5%', '--tolerance') // 0.05
 */
export function parseTolerance(raw: string, what: string): number {
  // eslint-disable-next-line security/detect-unsafe-regex -- bounded repeats, nothing nested: linear
  const m = /^(\d{1,4}(?:\.\d{1,6})?)%$/.exec(raw.trim())
  if (!m)
    throw new RelsealError(
      'E_USAGE',
      `${what} is ${JSON.stringify(escapeUntrusted(raw))}; give a percentage such as 5% (0% for zero tolerance)`,
    )
  return Number(m[1]) / 100
}

export function parseDirection(raw: string, what: string): BenchDirection {
  const d = BENCH_DIRECTIONS.find((x) => x === raw.trim())
  if (!d)
    throw new RelsealError(
      'E_USAGE',
      `${what} is ${JSON.stringify(escapeUntrusted(raw))}; give ${BENCH_DIRECTIONS.join(' or ')}`,
    )
  return d
}

/** The amount `range` allows around `base`, in the metric's unit. */
const allowance = (r: BenchmarkRange, base: number) =>
  r.relative ? (Math.abs(base) * r.amount) / 100 : r.amount

function compareOne(
  prev: BenchmarkEntry,
  now: BenchmarkEntry,
  tolerance: number,
  direction: BenchDirection,
): BenchRow {
  const row = { name: prev.name, unit: now.unit, previous: prev.value, now: now.value }
  if (prev.unit !== now.unit)
    return { ...row, unit: `${prev.unit} → ${now.unit}`, verdict: 'unit changed', ok: false }
  const delta = now.value - prev.value
  const change =
    prev.value === 0 ? (delta === 0 ? 0 : Math.sign(delta) * Infinity) : delta / Math.abs(prev.value)
  const sign = direction === 'smaller-is-better' ? 1 : -1
  const worse = sign * change
  const worseBy = sign * delta
  // The baseline's spread is the band the previous release was measured in; without one, the candidate's.
  const range = prev.range ?? now.range
  if (worse > tolerance + EPSILON) return { ...row, change, verdict: 'regressed', ok: false }
  if (range && worseBy > allowance(range, prev.value) + EPSILON)
    return { ...row, change, verdict: 'outside range', ok: false }
  const verdict = worse < 0 ? 'improved' : worse === 0 ? 'unchanged' : 'within tolerance'
  return { ...row, change, verdict, ok: true }
}

/**
 * Compares a candidate report with its baseline, metric by metric (by name): a metric that got worse
 * by more than `tolerance`, or by more than its range when the report gives one, fails; so does one
 * the candidate lacks, and one whose unit changed. A new metric passes.
 *
 * @example
 * compareBenchmarks(previous, candidate, { tolerance: 0.05, direction: 'smaller-is-better' }).ok
 */
export function compareBenchmarks(
  baseline: readonly BenchmarkEntry[],
  candidate: readonly BenchmarkEntry[],
  o: { tolerance: number; direction: BenchDirection },
): BenchComparison {
  const byName = new Map(candidate.map((e) => [e.name, e]))
  const known = new Set(baseline.map((e) => e.name))
  const rows: BenchRow[] = baseline.map((prev) => {
    const now = byName.get(prev.name)
    return now
      ? compareOne(prev, now, o.tolerance, o.direction)
      : { name: prev.name, unit: prev.unit, previous: prev.value, verdict: 'missing', ok: false }
  })
  for (const now of candidate)
    if (!known.has(now.name))
      rows.push({ name: now.name, unit: now.unit, now: now.value, verdict: 'new', ok: true })
  return { ok: rows.every((r) => r.ok), tolerance: o.tolerance, direction: o.direction, rows }
}

/** A change as a signed percentage with two decimals: `+5.10%`, `-0.25%`, `+∞%`; `—` when none. */
export function formatChange(change: number | undefined): string {
  if (change === undefined) return '—'
  if (!Number.isFinite(change)) return change > 0 ? '+∞%' : '-∞%'
  const pct = (change * 100).toFixed(2)
  return `${change >= 0 && !pct.startsWith('-') ? '+' : ''}${pct}%`
}

/** A value with its unit, as the report gave it; `—` when absent. */
export const formatValue = (v: number | undefined, unit: string): string =>
  v === undefined ? '—' : `${v}${unit ? ` ${unit}` : ''}`

/** A tolerance fraction back as a percentage: 0.05 → `5%`. */
export const formatTolerance = (t: number): string => `${Math.round(t * 1e8) / 1e6}%`

/** The table's cells, escaped for a terminal or a log: name, previous, now, change, verdict. */
export function benchTableRows(c: BenchComparison): string[][] {
  return c.rows.map((r) => [
    escapeUntrusted(r.name),
    formatValue(r.previous, escapeUntrusted(r.unit)),
    formatValue(r.now, escapeUntrusted(r.unit)),
    formatChange(r.change),
    r.ok ? r.verdict : `${r.verdict} ✗`,
  ])
}

export const BENCH_TABLE_HEADER = ['name', 'previous', 'now', 'change', 'verdict'] as const

/** The comparison as an aligned text table with a verdict line, for a terminal or a CI log. */
export function formatBenchTable(c: BenchComparison): string {
  const all = [[...BENCH_TABLE_HEADER], ...benchTableRows(c)]
  const widths = BENCH_TABLE_HEADER.map((_, i) => Math.max(...all.map((r) => [...r[i]!].length)))
  const lines = all.map((r) =>
    r
      .map((cell, i) => cell + ' '.repeat(widths[i]! - [...cell].length))
      .join('  ')
      .trimEnd(),
  )
  const failed = c.rows.filter((r) => !r.ok).length
  const verdict = c.ok
    ? `no regression (tolerance ${formatTolerance(c.tolerance)}, ${c.direction})`
    : `${failed} of ${c.rows.length} metric(s) failed (tolerance ${formatTolerance(c.tolerance)}, ${c.direction})`
  return `${lines.join('\n')}\n${verdict}\n`
}
