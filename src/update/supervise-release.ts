import { RelsealError } from '../errors.js'
import { clearFailed, failedRelease, markFailed } from './failed-releases.js'
import { olderInstalled } from './installed.js'
import { readPointer, setRollbackPointer, swapPointer } from './pointer.js'
import { superviseAfterSwap, type SuperviseStep } from './supervise.js'
import type { StepRunner, UpdateRun } from './update-run.js'

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
 * restart, watch, and on the first failure: mark the release failed, swap-back, restart-old,
 * watch-old (issue 16, item 1). Returns true when it rolled back. With no release to go back
 * to, the failure is thrown (the new release stays current, marked failed).
 */
export async function superviseRelease(run: UpdateRun, step: StepRunner): Promise<boolean> {
  const { o, layout, target, evidence } = run
  const from = run.from
  const result = await superviseAfterSwap({
    restartCwd: layout.root,
    watchCwd: () => layout.current,
    options: { ...o.supervise, ...(o.killPoint ? { killPoint: o.killPoint } : {}) },
    ...(from ? { swapBack: (failure: RelsealError) => swapBack(run, from.version, failure) } : {}),
    step: (name, message, fn) => step(name, PERCENT[name], message, fn),
  })
  if (result.outcome === 'healthy') {
    if (o.retryFailed === target.version) clearFailed(layout, target.version)
    return false
  }
  const failure = result.failure!
  if (result.outcome === 'failed') {
    mark(run, failure)
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
  return true
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
  mark(run, failure)
  o.killPoint?.('swap-back:marked')
  setRollbackPointer(layout.rollback, olderInstalled(layout, version))
  o.killPoint?.('swap-back:rollback-set')
  swapPointer(layout.current, version, (p) => o.killPoint?.(`swap-back:${p}`))
  if (readPointer(layout.rollback) === undefined) delete run.evidence.rollback_command
}
