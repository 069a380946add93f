/**
 * .relseal/poll.json: what the poll loop (poll.ts) tells `relseal status` — its pid, period, next
 * poll and last run. Written after every run, removed when the loop ends.
 */
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { writeFileAtomic } from './atomic-file.js'
import { appLayout, type AppLayout } from './layout.js'

/** What .relseal/poll.json holds. */
export interface PollState {
  pid: number
  every_ms: number
  next_poll: string
  last_run: { run_id: string; time: string; outcome: string; error_code?: string }
}

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d\d\dZ$/

const pollFile = (layout: AppLayout): string => join(layout.state, 'poll.json')

/** Records this process's loop state (after every run). */
export function writePollState(layout: AppLayout, state: Omit<PollState, 'pid'>): void {
  writeFileAtomic(pollFile(layout), `${JSON.stringify({ pid: process.pid, ...state }, null, 2)}\n`)
}

/** Removes poll.json when this process wrote it (another loop's file is left alone). */
export function removePollState(layout: AppLayout): void {
  if (readPollState(layout)?.pid === process.pid) rmSync(pollFile(layout), { force: true })
}

/**
 * The poll loop's state for `status`: its pid, period, next poll and last run, and whether that
 * process still runs; undefined when no loop wrote one (or the file is not what a loop writes).
 */
export function readPollState(
  layoutOrRoot: AppLayout | string,
): (PollState & { running: boolean }) | undefined {
  const layout = typeof layoutOrRoot === 'string' ? appLayout(layoutOrRoot) : layoutOrRoot
  let untrusted: Partial<PollState>
  try {
    untrusted = JSON.parse(readFileSync(pollFile(layout), 'utf8')) as Partial<PollState>
  } catch {
    return undefined
  }
  const { pid, every_ms, next_poll, last_run } = untrusted
  // Only what a loop writes: every string is shown by `status`, so none may carry control text.
  const iso = (t: unknown): t is string => typeof t === 'string' && ISO_TIME.test(t)
  const word = (t: unknown): t is string => typeof t === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(t)
  if (!Number.isSafeInteger(pid) || pid! <= 0 || !Number.isSafeInteger(every_ms) || !iso(next_poll))
    return undefined
  if (!last_run || !word(last_run.outcome) || !word(last_run.run_id) || !iso(last_run.time)) return undefined
  if (last_run.error_code !== undefined && !word(last_run.error_code)) return undefined
  return { pid: pid!, every_ms: every_ms!, next_poll, last_run, running: isRunning(pid!) }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** status()'s `poll` field: the loop's state, when a loop wrote one (issue 16, item 5). */
export function pollStatusField(layout: AppLayout): { poll?: PollState & { running: boolean } } {
  const poll = readPollState(layout)
  return poll ? { poll } : {}
}
