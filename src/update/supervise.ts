import { setTimeout as delay } from 'node:timers/promises'
import { RelsealError } from '../errors.js'
import type { KillPoint } from './pointer.js'
import { runReleaseCommand } from './run-command.js'

/** Defaults of `--restart-timeout`, `--watch-for`, `--watch-interval` and one watch run. */
export const DEFAULT_RESTART_TIMEOUT_MS = 60_000
export const DEFAULT_WATCH_FOR_MS = 60_000
export const DEFAULT_WATCH_INTERVAL_MS = 5_000
export const DEFAULT_WATCH_TIMEOUT_MS = 30_000

/** What the supervisor does after a swap, in the order it may do it. */
export type SuperviseStep = 'restart' | 'watch' | 'swap-back' | 'restart-old' | 'watch-old'

export interface SuperviseOptions {
  /** Restarts the app (sh -c, in the app root, or an artifact's folder); may leave the app running in the background. */
  restartCommand?: string
  /** Default 60 s; past it the restart's process group is killed and the restart failed. */
  restartTimeoutMs?: number
  /** Must exit 0 on every run in the new release (`current`) after the restart (sh -c). */
  watchCommand?: string
  /** How long the new release is watched (default 60 s). */
  watchForMs?: number
  /** Time between watch runs (default 5 s); the first run comes one interval after the restart. */
  watchIntervalMs?: number
  /** How long one watch run may take (default 30 s): a check that hangs has failed. */
  watchTimeoutMs?: number
  /** Injectable for tests; default setTimeout. */
  sleep?: (ms: number) => Promise<void>
  /** Crash-safety test hook (`watch:run-N` before each watch run); never set in normal use. */
  killPoint?: KillPoint
}

/** Runs the restart command in `cwd`; E_RESTART_FAILED when it exits non-zero or times out. */
export async function restartApp(cwd: string, o: SuperviseOptions): Promise<void> {
  if (o.restartCommand === undefined) return
  await runReleaseCommand(
    o.restartCommand,
    cwd,
    o.restartTimeoutMs ?? DEFAULT_RESTART_TIMEOUT_MS,
    'E_RESTART_FAILED',
    // The app it starts may keep the output pipes open: done when the shell exits.
    { aftermath: '', settleOnExit: true },
  )
}

/** How many watch runs a window holds: one per interval, at least one. */
export function watchRuns(o: SuperviseOptions): number {
  const every = o.watchIntervalMs ?? DEFAULT_WATCH_INTERVAL_MS
  return Math.max(1, Math.floor((o.watchForMs ?? DEFAULT_WATCH_FOR_MS) / every))
}

/**
 * Runs the watch command in `cwd` once per interval for the watch window, the first run one
 * interval after the call (the app just restarted); E_WATCH_FAILED on the first run that exits
 * non-zero or times out, and no run after it.
 */
export async function watchRelease(cwd: string, o: SuperviseOptions): Promise<void> {
  if (o.watchCommand === undefined) return
  const every = o.watchIntervalMs ?? DEFAULT_WATCH_INTERVAL_MS
  const sleep = o.sleep ?? ((ms: number) => delay(ms))
  const runs = watchRuns(o)
  let ranFor = 0 // the schedule stays on the interval grid however long a run takes
  for (let n = 1; n <= runs; n++) {
    await sleep(Math.max(0, every - ranFor))
    o.killPoint?.(`watch:run-${n}`)
    const started = Date.now()
    try {
      await runReleaseCommand(
        o.watchCommand,
        cwd,
        o.watchTimeoutMs ?? DEFAULT_WATCH_TIMEOUT_MS,
        'E_WATCH_FAILED',
        {
          aftermath: '',
        },
      )
    } catch (e) {
      throw new RelsealError(
        'E_WATCH_FAILED',
        `the watch command failed on run ${n} of ${runs}: ${(e as Error).message}`,
        { cause: e, details: { run: n, runs } },
      )
    }
    ranFor = Math.min(every, Date.now() - started)
  }
}

export interface SuperviseResult {
  /** healthy: restart and watch passed; rolled-back: swapped back; failed: nothing to swap back to. */
  outcome: 'healthy' | 'rolled-back' | 'failed'
  /** What failed on the new release (restart or watch). */
  failure?: RelsealError
  /** After a rollback: whether the old release restarted and passed one watch run. */
  afterRollback?: 'healthy' | RelsealError
}

/** Records one supervise step (an evidence record, progress); default: just runs it. */
export type SuperviseStepRunner = <T>(
  name: SuperviseStep,
  message: string,
  fn: () => Promise<T>,
) => Promise<T>

function asRelsealError(e: unknown, code: 'E_RESTART_FAILED' | 'E_WATCH_FAILED'): RelsealError {
  return e instanceof RelsealError
    ? e
    : new RelsealError(code, String((e as Error)?.message ?? e), { cause: e })
}

/**
 * After a swap: restart, then watch. On the first failure: `swapBack()` (omit it when there is no
 * release to go back to: the outcome is then 'failed'), restart again, watch once on the old
 * release, and report 'rolled-back'. `swapBack` errors propagate: the pointer stays where it was.
 *
 * @example
 * const r = await superviseAfterSwap({ restartCwd: root, watchCwd: () => join(root, 'current'),
 *   options: { restartCommand: './restart.sh', watchCommand: 'curl -fsS localhost:8080/health' },
 *   swapBack: () => swapPointer(join(root, 'current'), previous) })
 * if (r.outcome === 'rolled-back') alert(r.failure)
 */
export async function superviseAfterSwap(args: {
  restartCwd: string
  watchCwd: () => string
  options: SuperviseOptions
  /** Receives what failed (record it before the pointer moves, so a kill cannot lose it). */
  swapBack?: (failure: RelsealError) => Promise<void> | void
  step?: SuperviseStepRunner
  /** The new release failed already (a run killed during its rollback): straight to the swap-back. */
  failed?: RelsealError
}): Promise<SuperviseResult> {
  const o = args.options
  const step: SuperviseStepRunner = args.step ?? ((_name, _message, fn) => fn())
  const watchFor = `${(o.watchForMs ?? DEFAULT_WATCH_FOR_MS) / 1000} s`
  let failure = args.failed
  if (failure === undefined) {
    try {
      if (o.restartCommand !== undefined)
        await step('restart', 'running the restart command', () => restartApp(args.restartCwd, o))
      if (o.watchCommand !== undefined)
        await step('watch', `watching the new release for ${watchFor}`, () =>
          watchRelease(args.watchCwd(), o),
        )
      return { outcome: 'healthy' }
    } catch (e) {
      failure = asRelsealError(e, o.watchCommand !== undefined ? 'E_WATCH_FAILED' : 'E_RESTART_FAILED')
    }
  }
  if (args.swapBack === undefined) return { outcome: 'failed', failure }
  const swapBack = args.swapBack
  const failed = failure
  await step('swap-back', 'swapping current back to the previous release', async () => swapBack(failed))
  return { outcome: 'rolled-back', failure, afterRollback: await restartPrevious({ ...args, step }) }
}

/**
 * After `current` went back to an older release (a failed watch, a signed withdrawal): restart-old,
 * then watch-old once. A failure is returned, not thrown: `current` is the older release either way.
 */
export async function restartPrevious(args: {
  restartCwd: string
  watchCwd: () => string
  options: SuperviseOptions
  step: SuperviseStepRunner
}): Promise<'healthy' | RelsealError> {
  const { options: o, step } = args
  try {
    if (o.restartCommand !== undefined)
      await step('restart-old', 'restarting the previous release', () => restartApp(args.restartCwd, o))
    if (o.watchCommand !== undefined) {
      const once = { ...o, watchForMs: o.watchIntervalMs ?? DEFAULT_WATCH_INTERVAL_MS }
      await step('watch-old', 'watching the previous release once', () => watchRelease(args.watchCwd(), once))
    }
    return 'healthy'
  } catch (e) {
    return asRelsealError(e, 'E_WATCH_FAILED')
  }
}
