import { RelsealError, type RelsealErrorCode } from '../errors.js'
import { escapeUntrusted } from '../text/escape.js'
import { clearFailed, failedRelease, markFailed } from './failed-releases.js'
import { olderInstalled, readInstalled, type InstalledRelease } from './installed.js'
import { readPointer, setRollbackPointer, swapPointer } from './pointer.js'
import { restartPrevious, superviseAfterSwap, type SuperviseStep } from './supervise.js'
import {
  clearPendingSupervision,
  readPendingSupervision,
  writePendingSupervision,
  type PendingSupervision,
} from './supervising.js'
import { afterSwapFailure, type StepRunner, type UpdateRun } from './update-run.js'

const MAX_FAILURE_CHARS = 2000

const refOf = (r: InstalledRelease) => ({ version: r.version, commit: r.commit, code_hash: r.code_hash })

const PERCENT: Record<SuperviseStep, number> = {
  restart: 96,
  watch: 97,
  'swap-back': 98,
  'restart-old': 98,
  'watch-old': 99,
}

/** True when the run restarts or watches the release after its swap. */
export function isSupervised(run: UpdateRun): boolean {
  const s = run.o.supervise
  return s?.restartCommand !== undefined || s?.watchCommand !== undefined
}

/**
 * failed-before: a release that failed here after its swap is refused (E_FAILED_RELEASE), unless
 * the operator names its version in `retryFailed`.
 */
export function checkNotFailedBefore(run: UpdateRun): void {
  const { version } = run.target
  const failed = failedRelease(run.layout, version)
  if (failed === undefined || run.o.retryFailed === version) return
  throw new RelsealError(
    'E_FAILED_RELEASE',
    `${version} failed here after its swap on ${failed.time} (${failed.step}: ${failed.error_code}) and was rolled back; ` +
      `it is not installed again. Publish a fixed release, or retry this one with --retry-failed ${version}`,
    { details: { version, failed_at: failed.time } },
  )
}

/**
 * The supervision marker, written in the swap step just before `current` moves (supervising.ts):
 * a kill from here until the verdict leaves it for the next run to finish.
 */
export function markSupervising(run: UpdateRun): void {
  if (!isSupervised(run)) return
  run.pending = {
    version: run.target.version,
    ...(run.from ? { from: run.from.version } : {}),
    started: new Date().toISOString(),
    run_id: run.runId,
  }
  writePendingSupervision(run.layout, run.pending)
}

/**
 * restart, watch, and on the first failure: mark the release failed, swap-back, restart-old,
 * watch-old (issue 16, item 1). Returns true when it rolled back. With no release to go back
 * to, the failure is thrown (the new release stays current, marked failed).
 */
export function superviseRelease(run: UpdateRun, step: StepRunner): Promise<boolean> {
  return supervise(run, step, run.from)
}

async function supervise(
  run: UpdateRun,
  step: StepRunner,
  from: InstalledRelease | undefined,
  failed?: RelsealError,
): Promise<boolean> {
  const { o, layout, target, evidence } = run
  const result = await superviseAfterSwap({
    restartCwd: layout.root,
    watchCwd: () => layout.current,
    options: { ...o.supervise, ...(o.killPoint ? { killPoint: o.killPoint } : {}) },
    ...(from ? { swapBack: (failure: RelsealError) => swapBack(run, from.version, failure) } : {}),
    step: (name, message, fn) => step(name, PERCENT[name], message, fn),
    ...(failed ? { failed } : {}),
  })
  if (result.outcome === 'healthy') {
    if (o.retryFailed === target.version || run.resumed) clearFailed(layout, target.version)
    clearPendingSupervision(layout)
    return false
  }
  const failure = result.failure!
  if (result.outcome === 'failed') {
    mark(run, failure)
    clearPendingSupervision(layout)
    throw new RelsealError(
      failure.code,
      `${failure.message}\n${target.version} stays current: no earlier release is installed to go back to; ` +
        `it is marked failed (relseal status)`,
      { cause: failure },
    )
  }
  evidence.error_code = failure.code
  evidence.error = failure.message
  if (from)
    evidence.rolled_back_to = { version: from.version, commit: from.commit, code_hash: from.code_hash }
  const after = result.afterRollback
  evidence.after_rollback =
    after === undefined || after === 'healthy' ? 'healthy' : { error_code: after.code, error: after.message }
  clearPendingSupervision(layout)
  return true
}

/**
 * After a signed withdrawal moved `current` back (withdrawal-gate.ts): restart-old and watch-old
 * once, so the app stops running the withdrawn code; how that went is recorded in
 * `after_rollback`, never thrown (current is the older release either way).
 */
export async function restartAfterWithdrawal(run: UpdateRun, step: StepRunner): Promise<void> {
  const { o, layout } = run
  const after = await restartPrevious({
    restartCwd: layout.root,
    watchCwd: () => layout.current,
    options: { ...o.supervise, ...(o.killPoint ? { killPoint: o.killPoint } : {}) },
    step: (name, message, fn) => step(name, PERCENT[name], message, fn),
  })
  run.evidence.after_rollback =
    after === 'healthy' ? 'healthy' : { error_code: after.code, error: after.message }
}

/**
 * Before anything else in a run (issue 16): the marker of a run killed after its swap. When its
 * release is still current, or its rollback was under way, it is returned for resumeSupervision
 * (or, without a restart or watch command, refused with E_SUPERVISION_PENDING); a marker the
 * pointers have moved past (a kill before the swap's rename, `relseal rollback`) is removed.
 */
export function pendingSupervision(run: UpdateRun): PendingSupervision | undefined {
  const { layout } = run
  const p = readPendingSupervision(layout)
  if (p === undefined) return undefined
  const current = readPointer(layout.current)
  const unfinished =
    readInstalled(layout, p.version) !== undefined &&
    (current === p.version || (p.failure !== undefined && p.from !== undefined && current === p.from))
  if (!unfinished) {
    clearPendingSupervision(layout)
    return undefined
  }
  if (!isSupervised(run))
    throw new RelsealError(
      'E_SUPERVISION_PENDING',
      escapeUntrusted(
        `the last update was killed while it supervised ${p.version} (swapped at ${p.started}` +
          `${p.failure ? `; it failed with ${p.failure.error_code} and its rollback to ${p.from} did not finish` : '; not yet judged'}). ` +
          'Re-run update with the same --restart-cmd/--watch-cmd to finish it, or run relseal rollback',
        1000,
      ),
      { details: { version: p.version, started: p.started } },
    )
  return p
}

/**
 * Finishes a supervision a killed run left: restart and watch the release again (or, when its
 * failure was recorded, go straight on with the rollback), as the killed run would have. Returns
 * true when it rolled back; the run then ends there.
 */
export async function resumeSupervision(
  run: UpdateRun,
  step: StepRunner,
  p: PendingSupervision,
): Promise<boolean> {
  const { layout, evidence } = run
  const release = readInstalled(layout, p.version)!
  const from = readInstalled(layout, p.from)
  run.target = refOf(release)
  run.pending = p
  run.resumed = true
  evidence.to = run.target
  if (from) evidence.from = refOf(from)
  evidence.resumed = { run_id: p.run_id, started: p.started }
  const failed = p.failure
    ? new RelsealError(p.failure.error_code as RelsealErrorCode, p.failure.error)
    : undefined
  return supervise(run, step, from, failed).catch(afterSwapFailure(run))
}

function mark(run: UpdateRun, failure: RelsealError): void {
  markFailed(run.layout, {
    ...run.target,
    time: new Date().toISOString(),
    run_id: run.runId,
    step: failure.code === 'E_RESTART_FAILED' ? 'restart' : 'watch',
    error_code: failure.code,
    error: failure.message,
  })
}

/**
 * swap-back: the failed release is marked first (a kill after this point never lets update choose
 * it again), then `rollback` and `current` move as in a swap, each by one atomic rename, so both
 * always name whole, verified releases.
 */
function swapBack(run: UpdateRun, version: string, failure: RelsealError): void {
  const { layout, o } = run
  if (run.pending)
    writePendingSupervision(layout, {
      ...run.pending,
      failure: { error_code: failure.code, error: failure.message.slice(0, MAX_FAILURE_CHARS) },
    })
  mark(run, failure)
  o.killPoint?.('swap-back:marked')
  setRollbackPointer(layout.rollback, olderInstalled(layout, version))
  o.killPoint?.('swap-back:rollback-set')
  swapPointer(layout.current, version, (p) => o.killPoint?.(`swap-back:${p}`))
  if (readPointer(layout.rollback) === undefined) delete run.evidence.rollback_command
}
