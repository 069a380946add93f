import { spawn } from 'node:child_process'
import { RelsealError, type RelsealErrorCode } from '../errors.js'

/** How much of a failed command's output its error keeps: the end, where npm and friends say why. */
export const MAX_KEPT_OUTPUT_BYTES = 4000

/**
 * Keeps whole lines from the end of `bytes` that fit in `maxBytes`: a failing install prints its
 * cause last, and a line cut in half (or a UTF-8 character cut in two) hides it. A last line longer
 * than the cap keeps its end, from a character boundary. `droppedBefore` bytes came before `bytes`
 * and were already let go; the text says how much was left out.
 */
export function tailLines(bytes: Buffer, maxBytes = MAX_KEPT_OUTPUT_BYTES, droppedBefore = 0): string {
  let end = bytes.length
  while (end > 0 && (bytes[end - 1] === 0x0a || bytes[end - 1] === 0x0d)) end--
  let start = Math.max(0, end - maxBytes)
  const atLineStart = start === 0 ? droppedBefore === 0 : bytes[start - 1] === 0x0a
  if (!atLineStart) {
    const newline = bytes.indexOf(0x0a, start)
    if (newline >= 0 && newline < end) start = newline + 1
    else while (start < end && ((bytes[start] ?? 0) & 0xc0) === 0x80) start++
  }
  const omitted = droppedBefore + start
  const tail = bytes.subarray(start, end).toString('utf8')
  return omitted > 0 ? `[… ${omitted} earlier bytes of output left out]\n${tail}` : tail
}

/** How a caller words a failure and when a command counts as finished. */
export interface RunCommandOptions {
  /**
   * What the failure leaves behind, added to the message after the cause (default: the wording of
   * the pre-swap install and health steps); '' adds nothing.
   */
  aftermath?: string
  /**
   * Settle when the shell exits instead of when its output closes: a restart command that starts
   * the app in the background (`node server.js &`) leaves the app holding the output pipes, and
   * waiting for them to close would wait for the app to stop. The output is read for
   * EXIT_OUTPUT_GRACE_MS more, then let go.
   */
  settleOnExit?: boolean
}

/** How long output is still collected after the shell exited, with `settleOnExit`. */
export const EXIT_OUTPUT_GRACE_MS = 200

const REMOVED = 'the new release was removed and the current one kept'

/**
 * Runs an operator-supplied install, health, restart or watch command, with a timeout. The
 * command line is the operator's own (from their CLI call or config), never manifest data, so it
 * runs through `sh -c`; its whole process group is killed on timeout.
 */
export function runReleaseCommand(
  command: string,
  cwd: string,
  timeoutMs: number,
  code: RelsealErrorCode,
  options: RunCommandOptions = {},
): Promise<void> {
  const aftermath = options.aftermath ?? REMOVED
  const then = aftermath === '' ? '' : `; ${aftermath}`
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    // Raw bytes, in arrival order, trimmed to a bounded tail; cut at a line boundary at the end.
    let output = Buffer.alloc(0)
    let dropped = 0
    const keep = (b: Buffer) => {
      output = Buffer.concat([output, b])
      const excess = output.length - 2 * MAX_KEPT_OUTPUT_BYTES
      if (excess > 0) {
        output = output.subarray(excess)
        dropped += excess
      }
    }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    let settled = false
    const timer = setTimeout(() => {
      settled = true
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {
        /* already gone */
      }
      reject(new RelsealError(code, `\`${command}\` did not finish within ${timeoutMs / 1000} s${then}`))
    }, timeoutMs)
    child.on('error', (e) => {
      settled = true
      clearTimeout(timer)
      reject(new RelsealError(code, `\`${command}\` could not start: ${e.message}`, { cause: e }))
    })
    const settle = (status: number | null) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (options.settleOnExit) {
        // Let go of pipes a background child may still hold, so they keep no one waiting.
        child.stdout.destroy()
        child.stderr.destroy()
      }
      if (status === 0) resolve()
      else
        reject(
          new RelsealError(
            code,
            `\`${command}\` exited ${status}${then}; its last output:\n${tailLines(output, MAX_KEPT_OUTPUT_BYTES, dropped)}`,
          ),
        )
    }
    child.on('close', settle)
    if (options.settleOnExit)
      child.on('exit', (status) => setTimeout(() => settle(status), EXIT_OUTPUT_GRACE_MS))
  })
}
