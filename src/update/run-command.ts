import { spawn } from 'node:child_process'
import { RelsealError, type RelsealErrorCode } from '../errors.js'

/**
 * Runs an operator-supplied install or health command inside a release, with a timeout. The
 * command line is the operator's own (from their CLI call or config), never manifest data, so it
 * runs through `sh -c`; its whole process group is killed on timeout.
 */
export function runReleaseCommand(
  command: string,
  cwd: string,
  timeoutMs: number,
  code: RelsealErrorCode,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    let output = ''
    const keep = (b: Buffer) => (output = (output + b.toString('utf8')).slice(-4000))
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {
        /* already gone */
      }
      reject(
        new RelsealError(
          code,
          `\`${command}\` did not finish within ${timeoutMs / 1000} s; the new release was removed and the current one kept`,
        ),
      )
    }, timeoutMs)
    child.on('error', (e) => {
      clearTimeout(timer)
      reject(new RelsealError(code, `\`${command}\` could not start: ${e.message}`, { cause: e }))
    })
    child.on('close', (status) => {
      clearTimeout(timer)
      if (status === 0) resolve()
      else
        reject(
          new RelsealError(
            code,
            `\`${command}\` exited ${status}; the new release was removed and the current one kept\n${output.trim()}`,
          ),
        )
    })
  })
}
