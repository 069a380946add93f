import { writeSync } from 'node:fs'
import { releaseHeldLocks } from '../update/lock.js'
import { killDescendants } from '../update/processes.js'

/** Exit codes of a shell for a process ended by SIGINT and SIGTERM (128 + signal number). */
const EXIT_ON: Record<'SIGINT' | 'SIGTERM', number> = { SIGINT: 130, SIGTERM: 143 }

let idleStop: AbortController | undefined

/**
 * While `stop` is set, SIGINT and SIGTERM abort it instead of ending the process: the poll loop
 * (`update --every`) sets it while it waits between runs, so a signal then ends it with exit 0.
 */
export function stopWhileIdle(stop: AbortController | undefined): void {
  idleStop = stop
}

/**
 * Makes SIGINT and SIGTERM end any command promptly (issue 23, item 8): the children it started
 * (git, install and health commands, with their process groups) are killed, the update lock is
 * released (git's lock files left by the killed children go with it), and the process exits 130 or
 * 143. What the interrupted update left half-made is removed by the next run, as after a crash.
 * Only for the `relseal` binary: a library caller owns its own process's signals.
 */
export function installSignalHandlers(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      const idle = idleStop
      if (idle !== undefined) {
        idleStop = undefined
        writeSync(2, `relseal: stopped by ${signal} between runs\n`)
        return idle.abort()
      }
      try {
        killDescendants()
        releaseHeldLocks()
        writeSync(2, `relseal: stopped by ${signal}\n`)
      } finally {
        process.exit(EXIT_ON[signal])
      }
    })
  }
}
