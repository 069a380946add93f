import * as core from '@actions/core'
import { readFileSync } from 'node:fs'
import { isAbsolute, relative } from 'node:path'
import { RelsealError } from '../../../src/errors.js'
import { matchFiles } from '../../common/workspace.js'
import { assertWrittenSince } from './fresh.js'
import type { GateInputs } from './inputs.js'
import { mergeTotals, parseJUnit, passRate, type JUnitTotals } from './junit.js'
import { runCommands } from './run-commands.js'
import type { Step } from './step.js'
import type { GateReport } from './summary.js'

/** GitHub shows at most this many error annotations per step; the rest go to the log. */
const MAX_ANNOTATIONS = 50

/**
 * Reads every JUnit report the globs match. None matching, a malformed report, or a report older than
 * the test run (`notBefore`, when the tests ran in this step) is an error, never a pass.
 */
export async function readReports(
  patterns: string[],
  workspace: string,
  notBefore?: Date,
): Promise<JUnitTotals> {
  const files = await matchFiles(patterns)
  if (files.length === 0)
    throw new RelsealError(
      'E_TEST_GATE',
      `junit-report matched no file (${patterns.join(', ')}); make the test command write JUnit XML there (vitest --reporter=junit --outputFile=…, pytest --junitxml=…)`,
    )
  const all: JUnitTotals[] = []
  for (const f of files) {
    const name = relative(workspace, f) || f
    if (notBefore) assertWrittenSince(f, name, notBefore, 'E_TEST_GATE', 'JUnit report', 'test')
    try {
      all.push(parseJUnit(readFileSync(f, 'utf8'), name))
    } catch (e) {
      throw new RelsealError('E_TEST_GATE', e instanceof Error ? e.message : String(e), { cause: e })
    }
  }
  return mergeTotals(all)
}

/** Annotations need workspace-relative paths; jest-junit and others may write absolute ones. */
function workspaceRelative(file: string, workspace: string): string {
  if (!isAbsolute(file)) return file
  const rel = relative(workspace, file)
  return rel.startsWith('..') ? file : rel
}

/** One error annotation per failed or errored case, with its file and line where the report has them. */
export function annotateFailures(t: JUnitTotals, workspace: string): void {
  const bad = t.cases.filter((c) => c.status === 'failed' || c.status === 'errored')
  bad.forEach((c, i) => {
    const title = `${c.status === 'errored' ? 'error in' : 'failed:'} ${c.classname ? `${c.classname} › ` : ''}${c.name}`
    const message = c.message || c.status
    if (i < MAX_ANNOTATIONS)
      core.error(message, {
        title,
        ...(c.file ? { file: workspaceRelative(c.file, workspace) } : {}),
        ...(c.line ? { startLine: c.line } : {}),
      })
    else core.info(`${title}: ${message}`)
  })
}

/** Checks the pass rate against the threshold; returns the rate. */
export function checkPassRate(t: JUnitTotals, min: number): number {
  const rate = passRate(t)
  const counts = `${t.passed} passed, ${t.failed} failed, ${t.errored} errored, ${t.skipped} skipped`
  if (Number.isNaN(rate))
    throw new RelsealError(
      'E_TEST_GATE',
      `the JUnit reports hold no test that ran (${counts}); a gate with nothing tested does not pass`,
    )
  if (rate < min)
    throw new RelsealError(
      'E_TEST_GATE',
      `pass rate ${formatRate(rate)} is below min-pass-rate ${min} (${counts}); fix the failing tests or lower min-pass-rate`,
    )
  core.info(`pass rate ${formatRate(rate)} (${counts}), min-pass-rate ${min}`)
  return rate
}

/** A rate as a plain decimal with at most 4 places: 1, 0.9, 0.9667. */
export const formatRate = (r: number) => String(Math.round(r * 10_000) / 10_000)

/** The test gate: the test commands, then the JUnit reports they wrote (fresh) and the pass rate. */
export async function testStep(i: GateInputs, dir: string, report: GateReport, step: Step) {
  const testsStarted = new Date()
  const rate = await step(
    'tests',
    async () => {
      if (i.testCommands.length === 0 && i.junitReport.length === 0) {
        core.warning('test-command and junit-report are empty: no test gate ran')
        return undefined
      }
      let failure: Error | undefined
      await runCommands(i.testCommands, dir, 'E_TEST_GATE', 'test gate').catch((e: unknown) => {
        failure = e instanceof Error ? e : new Error(String(e))
      })
      if (i.junitReport.length === 0) {
        if (failure) throw failure
        return undefined
      }
      const totals = await readReports(
        i.junitReport,
        dir,
        i.testCommands.length ? testsStarted : undefined,
      ).catch((e: unknown) => {
        throw failure ?? e
      })
      annotateFailures(totals, dir)
      report.totals = totals
      if (failure) throw failure
      return checkPassRate(totals, i.minPassRate)
    },
    (r) => (r === undefined ? 'commands passed' : `pass rate ${formatRate(r)}`),
  )
  if (rate !== undefined) report.passRate = rate
  return rate
}
