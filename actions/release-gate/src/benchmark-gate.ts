import * as core from '@actions/core'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { RelsealError } from '../../../src/errors.js'
import {
  compareBenchmarks,
  formatBenchTable,
  MAX_BENCHMARK_REPORT_BYTES,
  parseBenchmarkReport,
  readBenchmarkReportBytes,
  type BenchComparison,
  type BenchmarkEntry,
} from '../../../src/bench/index.js'
import { escapeUntrusted } from '../../../src/text/escape.js'
import { readRepoFile } from '../../common/inputs.js'
import { hashReleaseFiles, type ReleaseFile } from '../../common/workspace.js'
import {
  downloadReleaseAsset,
  listReleaseAssets,
  MAX_LISTED_RELEASES,
  type GitHubClient,
  type Release,
} from '../../github/index.js'
import type { BenchmarkInputs } from './benchmark-inputs.js'
import { assertWrittenSince } from './fresh.js'
import { runCommands } from './run-commands.js'
import type { Step } from './step.js'
import { previousRelease } from './previous-release.js'
import type { ReleaseVersion } from './version.js'

/** The release asset that carries a release's benchmark report: the next release's baseline. */
export const BENCH_ASSET = 'benchmarks.json'
const STAGE_DIR = 'relseal-benchmark'

/** What the summary shows: the comparison when there was one, and a sentence either way. */
export interface BenchOutcome {
  comparison?: BenchComparison
  note: string
}

/** A missing or bad report stops the release like a regression: with the gate's own code. */
function gateError<T>(fn: () => T): T {
  try {
    return fn()
  } catch (e) {
    throw new RelsealError('E_BENCHMARK_GATE', e instanceof Error ? e.message : String(e), { cause: e })
  }
}

const parseGate = (data: string | Uint8Array, name: string): BenchmarkEntry[] =>
  gateError(() => parseBenchmarkReport(data, name))

/** Compares, logs the table, and fails the gate on any failed row. */
function judge(baseline: BenchmarkEntry[], candidate: BenchmarkEntry[], b: BenchmarkInputs, against: string) {
  const comparison = compareBenchmarks(baseline, candidate, b)
  core.info(`against ${against}:\n${formatBenchTable(comparison)}`)
  return comparison
}

function failIfRegressed(o: BenchOutcome): BenchOutcome {
  if (o.comparison && !o.comparison.ok) {
    const bad = o.comparison.rows.filter((r) => !r.ok)
    throw new RelsealError(
      'E_BENCHMARK_GATE',
      `${bad.length} metric(s) failed ${o.note}: ${bad
        .slice(0, 5)
        .map((r) => `${escapeUntrusted(r.name)} ${r.verdict}`)
        .join(', ')}${bad.length > 5 ? ', …' : ''}; fix the regression, or raise benchmark-tolerance`,
    )
  }
  return o
}

/**
 * Mode check: runs benchmark-command, reads the report it must have written during this run, compares
 * it with a baseline file when benchmark-baseline names one (the previous release's report needs the
 * API, so publish compares with that), and stages it as benchmarks.json for the release.
 */
export async function benchmarkCheck(
  b: BenchmarkInputs,
  dir: string,
  runnerTemp: string,
  step: Step,
  record: (o: BenchOutcome) => void,
): Promise<ReleaseFile | undefined> {
  if (b.command.length === 0) return undefined
  return step(
    'benchmark',
    async () => {
      const started = new Date()
      await runCommands(b.command, dir, 'E_BENCHMARK_GATE', 'benchmark')
      const file = resolve(dir, b.report)
      const shown = relative(dir, file) || file
      const data = gateError(() => readBenchmarkReportBytes(file, `benchmark-report ${shown}`))
      assertWrittenSince(file, shown, started, 'E_BENCHMARK_GATE', 'benchmark report', 'benchmark')
      const candidate = parseGate(data, shown)
      let outcome: BenchOutcome = {
        note: `${candidate.length} metric(s) measured; the publish step compares them with the previous release`,
      }
      if (b.baseline !== 'previous-release') {
        const baseline = parseGate(readRepoFile(dir, b.baseline, 'benchmark-baseline'), b.baseline)
        outcome = { comparison: judge(baseline, candidate, b, b.baseline), note: `against ${b.baseline}` }
      }
      record(outcome)
      failIfRegressed(outcome)
      const staged = join(runnerTemp, STAGE_DIR)
      rmSync(staged, { recursive: true, force: true })
      mkdirSync(staged, { recursive: true })
      writeFileSync(join(staged, BENCH_ASSET), data)
      return (await hashReleaseFiles([join(staged, BENCH_ASSET)], 'E_BENCHMARK_GATE'))[0]!
    },
    () =>
      b.baseline === 'previous-release'
        ? 'report read; compared in publish'
        : `no regression against ${b.baseline}`,
  )
}

/** The previous release's benchmarks.json, or a note saying why there is no baseline. */
async function releaseBaseline(
  gh: GitHubClient,
  previous: Release | undefined,
  complete: boolean,
): Promise<{ entries?: BenchmarkEntry[]; note: string }> {
  if (!previous && !complete) {
    const note = `no previous release among the ${MAX_LISTED_RELEASES} GitHub lists, so no baseline; set benchmark-baseline to a report file`
    core.warning(note)
    return { note }
  }
  if (!previous) return { note: 'no previous release: the first report becomes the baseline' }
  const asset = (await listReleaseAssets(gh, previous)).find(
    (a) => a.name === BENCH_ASSET && (a.state === undefined || a.state === 'uploaded'),
  )
  if (!asset) return { note: `previous release ${previous.tag_name} has no ${BENCH_ASSET}: no baseline` }
  const name = `${BENCH_ASSET} of ${previous.tag_name}`
  if (asset.size > MAX_BENCHMARK_REPORT_BYTES)
    throw new RelsealError(
      'E_BENCHMARK_GATE',
      `${name} is ${asset.size} bytes, over the ${MAX_BENCHMARK_REPORT_BYTES}-byte limit; replace it, or set benchmark-baseline to a file`,
    )
  return {
    entries: parseGate(await downloadReleaseAsset(gh, asset), name),
    note: `against ${previous.tag_name}`,
  }
}

/**
 * Mode publish: when the check step staged benchmarks.json, compares it with the baseline (the
 * previous published release's benchmarks.json, or the benchmark-baseline file) before anything is
 * created; the report itself goes up with the other artifacts.
 */
export async function benchmarkPublish(
  gh: GitHubClient,
  b: BenchmarkInputs,
  ctx: { dir: string; release: ReleaseVersion; tagPrefix: string; releases: Release[]; complete: boolean },
  artifacts: ReleaseFile[],
  step: Step,
  record: (o: BenchOutcome) => void,
): Promise<void> {
  const staged = artifacts.find((a) => a.name === BENCH_ASSET)
  if (!staged) return
  await step(
    'benchmark',
    async () => {
      const candidate = parseGate(
        gateError(() => readBenchmarkReportBytes(staged.path, `${BENCH_ASSET} in artifacts-dir`)),
        `${BENCH_ASSET} in artifacts-dir`,
      )
      const base =
        b.baseline === 'previous-release'
          ? await releaseBaseline(gh, previousRelease(ctx.releases, ctx.release, ctx.tagPrefix), ctx.complete)
          : {
              entries: parseGate(readRepoFile(ctx.dir, b.baseline, 'benchmark-baseline'), b.baseline),
              note: `against ${b.baseline}`,
            }
      const outcome: BenchOutcome = base.entries
        ? {
            comparison: judge(base.entries, candidate, b, base.note.replace(/^against /, '')),
            note: base.note,
          }
        : { note: base.note }
      if (!base.entries) core.info(`${base.note}; the gate passes`)
      record(outcome)
      return failIfRegressed(outcome)
    },
    (o) => (o.comparison ? `no regression ${o.note}` : o.note),
  )
}

/** The artifacts with the staged benchmark report added; an artifact of that name is refused. */
export function withBenchmark(artifacts: ReleaseFile[], bench: ReleaseFile | undefined): ReleaseFile[] {
  if (!bench) return artifacts
  if (artifacts.some((a) => a.name === BENCH_ASSET))
    throw new RelsealError(
      'E_BUILD_FAILED',
      `an artifact is named ${BENCH_ASSET}, the name the benchmark report takes on the release; rename that artifact`,
    )
  return [...artifacts, bench].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}
