/**
 * The poll loop (issue 16, item 2; docs/updater.md "Polling"): one update per period, one at a
 * time, for apps and `relseal update --every`. Refused and failed runs do not stop it; transient
 * network trouble is retried sooner, with exponential back-off capped at the period. The next poll
 * time is kept in .relseal/poll.json for `relseal status`.
 */
import { randomUUID } from 'node:crypto'
import { setTimeout as sleepFor } from 'node:timers/promises'
import { isRelsealError, RelsealError, REFUSAL_CODES, type RelsealErrorCode } from '../errors.js'
import { appLayout } from './layout.js'
import { updateWithNotifications, type NotifyOptions } from './notify.js'
import { removePollState, writePollState } from './poll-state.js'
import { updateToRelease, type UpdateOptions, type UpdateResult } from './update.js'

export { readPollState, type PollState } from './poll-state.js'

/** Shortest period accepted (tests poll every second or two; services every few minutes). */
export const MIN_EVERY_MS = 1000
/** Codes retried with back-off instead of waiting a whole period (found anywhere in the cause chain). */
export const TRANSIENT_CODES: ReadonlySet<RelsealErrorCode> = new Set(['E_NETWORK', 'E_TIMEOUT', 'E_LOCKED'])
/** Codes no later run can fix: the loop stops and the error is thrown (CLI exit 2). */
export const STOP_CODES: ReadonlySet<RelsealErrorCode> = new Set([
  'E_USAGE',
  'E_NOT_INITIALISED',
  'E_BAD_KEY',
])

export interface PollOptions extends UpdateOptions {
  /** Milliseconds from the end of one run to the start of the next (at least MIN_EVERY_MS). */
  everyMs: number
  /** Up to this many milliseconds added at random to every wait (spreads a fleet's polls). */
  jitterMs?: number
  /** Aborting ends the loop: at once while it waits, after the current run while one runs. */
  signal: AbortSignal
  notify?: NotifyOptions
  /** Called after every run, before the wait. */
  onRun?: (run: PollRun) => void
  /** [0, 1) source for the jitter (tests); default Math.random. */
  random?: () => number
  /** Waits `ms` or until `signal` aborts (tests); default an abortable timer. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>
}

export interface PollRun {
  run_id: string
  /** updated, up-to-date, refused, failed (or an outcome later steps add). */
  outcome: string
  time: string
  next_poll: string
  /** Consecutive transient failures so far (0 after any other outcome). */
  retries: number
  result?: UpdateResult
  error?: unknown
  error_code?: string
}

function isTransient(e: unknown): boolean {
  for (let c = e, depth = 0; c !== undefined && depth < 8; c = (c as { cause?: unknown }).cause, depth++)
    if (isRelsealError(c) && TRANSIENT_CODES.has(c.code)) return true
  return false
}

/**
 * Milliseconds to wait after a run: the period, or after the n-th transient failure in a row
 * max(1 s, period/16) · 2^(n-1), never more than the period; plus up to `jitterMs` at random.
 */
export function pollDelay(everyMs: number, retries: number, jitterMs: number, random: () => number): number {
  const base = retries === 0 ? everyMs : Math.min(everyMs, Math.max(1000, everyMs / 16) * 2 ** (retries - 1))
  return Math.round(base + random() * jitterMs)
}

async function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  await sleepFor(ms, undefined, { signal }).catch(() => undefined)
}

/**
 * Runs updateToRelease every `everyMs` until `signal` aborts; resolves then. Throws only for a
 * STOP_CODES error (a mistake no later run can fix).
 *
 * @example
 * const stop = new AbortController()
 * process.once('SIGTERM', () => stop.abort())
 * await runUpdateLoop({ appRoot: '/srv/app', manifest: 'github:acme/app@latest', policy,
 *   everyMs: 5 * 60_000, jitterMs: 60_000, signal: stop.signal })
 */
export async function runUpdateLoop(o: PollOptions): Promise<void> {
  if (!Number.isFinite(o.everyMs) || o.everyMs < MIN_EVERY_MS)
    throw new RelsealError('E_USAGE', `the poll period must be at least ${MIN_EVERY_MS / 1000} s`)
  if (o.jitterMs !== undefined && !(o.jitterMs >= 0 && o.jitterMs <= o.everyMs))
    throw new RelsealError('E_USAGE', 'the poll jitter must be from 0 to the period')
  const layout = appLayout(o.appRoot)
  const { everyMs, jitterMs = 0, signal, notify, onRun, random = Math.random, sleep = abortableSleep } = o
  let retries = 0
  try {
    while (!signal.aborted) {
      const runId = randomUUID()
      const time = new Date().toISOString()
      let run: Omit<PollRun, 'next_poll'>
      try {
        const options = { ...o, runId }
        const r = notify ? await updateWithNotifications(options, notify) : await updateToRelease(options)
        retries = 0
        run = { run_id: runId, time, outcome: r.outcome, retries, result: r }
      } catch (e) {
        if (isRelsealError(e) && STOP_CODES.has(e.code)) throw e
        retries = isTransient(e) ? retries + 1 : 0
        const code = isRelsealError(e) ? e.code : undefined
        const outcome = code !== undefined && REFUSAL_CODES.has(code) ? 'refused' : 'failed'
        run = { run_id: runId, time, outcome, retries, error: e, ...(code ? { error_code: code } : {}) }
      }
      const wait = pollDelay(everyMs, retries, jitterMs, random)
      const done: PollRun = { ...run, next_poll: new Date(Date.now() + wait).toISOString() }
      writePollState(layout, {
        every_ms: everyMs,
        next_poll: done.next_poll,
        last_run: {
          run_id: done.run_id,
          time: done.time,
          outcome: done.outcome,
          ...(done.error_code ? { error_code: done.error_code } : {}),
        },
      })
      onRun?.(done)
      await sleep(wait, signal)
    }
  } finally {
    removePollState(layout)
  }
}
