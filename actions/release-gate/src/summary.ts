import * as core from '@actions/core'
import { escapeHtml as esc } from '../../common/html.js'
import type { Release } from '../../github/index.js'
import { BENCH_TABLE_HEADER, benchTableRows, formatTolerance } from '../../../src/bench/index.js'
import type { BenchOutcome } from './benchmark-gate.js'
import type { JUnitTotals } from './junit.js'
import { formatRate } from './test-gate.js'

export interface GateReport {
  mode: 'check' | 'publish'
  tag: string
  gates: { name: string; ok: boolean; detail: string }[]
  totals?: JUnitTotals
  passRate?: number
  artifacts: { name: string; size: number; sha256: string }[]
  release?: Release
  benchmark?: BenchOutcome
}

/** The benchmark table: name / previous / now / change / verdict, then the note (baseline or none). */
function addBenchmark(s: typeof core.summary, b: BenchOutcome): void {
  s.addHeading('Benchmarks', 3)
  const c = b.comparison
  if (c) {
    s.addTable([
      BENCH_TABLE_HEADER.map((h) => ({ data: h, header: true })),
      ...benchTableRows(c).map((row) => row.map((cell) => ({ data: esc(cell) }))),
    ])
    s.addRaw(
      `<p>${esc(b.note)}; tolerance ${formatTolerance(c.tolerance)}, ${c.direction}: ${c.ok ? 'no regression' : 'regression'}</p>`,
      true,
    )
  } else s.addRaw(`<p>${esc(b.note)}</p>`, true)
}

/** The job summary: each gate with its verdict, the test counts, the artifacts, the release. */
export async function writeSummary(r: GateReport): Promise<void> {
  const failed = r.gates.some((g) => !g.ok)
  const verdict = failed
    ? 'stopped'
    : r.mode === 'check'
      ? 'checked, ready to publish'
      : r.release?.draft
        ? 'drafted'
        : 'released'
  const s = core.summary.addHeading(`relseal release gate (${r.mode}): ${esc(r.tag)} ${verdict}`, 2)
  s.addTable([
    [
      { data: 'gate', header: true },
      { data: 'result', header: true },
      { data: 'detail', header: true },
    ],
    ...r.gates.map((g) => [
      { data: esc(g.name) },
      { data: g.ok ? '✅ passed' : '❌ failed' },
      { data: esc(g.detail) },
    ]),
  ])
  if (r.totals) {
    const t = r.totals
    s.addRaw(
      `<p>Tests: ${t.passed} passed, ${t.failed} failed, ${t.errored} errored; ${t.skipped} skipped (not counted)` +
        `${r.passRate === undefined ? '' : `; pass rate ${formatRate(r.passRate)}`}</p>`,
      true,
    )
  }
  if (r.benchmark) addBenchmark(s, r.benchmark)
  if (r.artifacts.length)
    s.addTable([
      [
        { data: 'artifact', header: true },
        { data: 'size', header: true },
        { data: 'sha256', header: true },
      ],
      ...r.artifacts.map((a) => [
        { data: esc(a.name) },
        { data: String(a.size) },
        { data: `<code>${a.sha256}</code>` },
      ]),
    ])
  if (r.release)
    s.addLink(`${r.release.draft ? 'Draft release' : 'Release'} ${esc(r.tag)}`, esc(r.release.html_url))
  const stoppedAt = r.gates.find((g) => !g.ok)?.name
  if (stoppedAt === 'release')
    s.addRaw('<p>The draft release stays; re-run the failed jobs to continue it.</p>', true)
  else if (stoppedAt)
    s.addRaw(
      r.mode === 'check'
        ? '<p>Nothing was created: the check step holds no token.</p>'
        : '<p>Nothing was created: every gate runs before the tag and the release.</p>',
      true,
    )
  await s.write()
}
