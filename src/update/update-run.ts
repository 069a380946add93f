import { randomUUID } from 'node:crypto'
import { RelsealError, REFUSAL_CODES } from '../errors.js'
import type { VerifiedManifest } from '../manifest/index.js'
import type { TrustPolicy } from '../trust/policy.js'
import { appendEvidence, type EvidenceRecord, type ReleaseRef, type StepRecord } from './evidence.js'
import type { InstalledRelease } from './installed.js'
import { appLayout, readAppConfig, type AppConfig, type AppLayout } from './layout.js'
import type { LoadedSource } from './manifest-source.js'
import { readPointer } from './pointer.js'
import type { PendingSupervision } from './supervising.js'
import { hasStoredTrustRoot } from './trust-root-store.js'
import type { UpdateOptions, UpdateResult, UpdateStep } from './update.js'

/**
 * One update run: the options, the app root, the evidence record, and what each step found for the
 * steps after it. A step is a function of the run; it sets the fields it proves, in list order.
 */
export class UpdateRun {
  readonly layout: AppLayout
  readonly config: AppConfig
  readonly runId: string
  readonly steps: StepRecord[] = []
  readonly evidence: EvidenceRecord
  readonly useTrustRoot: boolean
  /** The repository manifests must be signed for; `record` when it is to be written to config. */
  repo!: { repository: string; record: boolean }
  releaseLock?: () => void
  loaded!: LoadedSource
  /** The policy the signature is checked with (the trust root's keys when the app root has one). */
  policy: TrustPolicy
  verified!: VerifiedManifest
  target!: ReleaseRef
  /** The release running before this run, when it has an install record. */
  from?: InstalledRelease
  /** The folder of the release being installed, and whether it is the kept `rollback` release. */
  dir!: string
  reuse = false
  /** Set once this run created `dir` (removed again when the run fails before the swap). */
  made?: string
  swapped = false
  /** A tarball release (`fromArtifact`): the signed artifact its folder is extracted from. */
  tarball?: { name: string; size: number; sha256: string }
  /** The supervision marker this run wrote or resumes (supervising.ts); `resumed` when it resumes one. */
  pending?: PendingSupervision
  resumed = false

  constructor(readonly o: UpdateOptions) {
    this.runId = o.runId ?? randomUUID()
    this.layout = appLayout(o.appRoot)
    this.config = readAppConfig(this.layout)
    this.useTrustRoot = hasStoredTrustRoot(this.layout)
    this.policy = o.policy
    this.evidence = {
      run_id: this.runId,
      time: new Date().toISOString(),
      outcome: 'failed',
      steps: this.steps,
    }
  }

  /** Writes the evidence line and returns the result for `outcome`. */
  finish(outcome: UpdateResult['outcome']): UpdateResult {
    this.evidence.outcome = outcome
    this.o.killPoint?.('before:evidence')
    appendEvidence(this.layout.evidence, this.evidence)
    const from = this.evidence.from
    return { outcome, runId: this.runId, to: this.target, evidence: this.evidence, ...(from ? { from } : {}) }
  }
}

/** Runs one named step: kill point, progress, and a step record with its duration and outcome. */
export type StepRunner = <T>(
  name: UpdateStep,
  percent: number,
  message: string,
  fn: (run: UpdateRun) => Promise<T> | T,
) => Promise<T>

export function stepRunner(run: UpdateRun): StepRunner {
  return async (name, percent, message, fn) => {
    run.o.killPoint?.(`before:${name}`)
    run.o.onProgress?.(name, percent, message)
    const started = Date.now()
    const rec: StepRecord = {
      step: name,
      started: new Date(started).toISOString(),
      duration_ms: 0,
      outcome: 'ok',
    }
    run.steps.push(rec)
    try {
      return await fn(run)
    } catch (e) {
      rec.outcome = 'failed'
      throw e
    } finally {
      rec.duration_ms = Date.now() - started
    }
  }
}

/** Errors after verification that are not refusals mean "failed, nothing swapped" (CLI exit 3). */
export function asFailure(e: unknown): unknown {
  if (
    e instanceof RelsealError &&
    (REFUSAL_CODES.has(e.code) || e.code === 'E_INSTALL_FAILED' || e.code === 'E_HEALTH_FAILED')
  )
    return e
  // Anything else after verification, a RelsealError or a raw I/O error, means: failed, nothing swapped.
  const detail =
    e instanceof RelsealError ? `${e.message} (${e.code})` : e instanceof Error ? e.message : String(e)
  return new RelsealError('E_UPDATE_FAILED', `${detail}; nothing was swapped, the current release runs on`, {
    cause: e,
  })
}

/**
 * An error after the swap that is not a restart or watch verdict (an I/O error while swapping
 * back): E_UPDATE_FAILED naming the release `current` names now, which is whole either way.
 */
export function afterSwapFailure(run: UpdateRun): (e: unknown) => never {
  return (e) => {
    if (e instanceof RelsealError && (e.code === 'E_RESTART_FAILED' || e.code === 'E_WATCH_FAILED')) throw e
    const detail =
      e instanceof RelsealError ? `${e.message} (${e.code})` : e instanceof Error ? e.message : String(e)
    throw new RelsealError(
      'E_UPDATE_FAILED',
      `${detail}; after the swap to ${run.target.version}, current is ${readPointer(run.layout.current) ?? 'unset'}`,
      { cause: e },
    )
  }
}
