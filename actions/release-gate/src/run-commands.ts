import * as exec from '@actions/exec'
import { RelsealError, type RelsealErrorCode } from '../../../src/errors.js'
import { commandEnv } from './runner-secrets.js'

/**
 * Runs each command (an argument list, started directly, never through a shell) in `cwd`, stopping at
 * the first that fails; a failure throws `code` naming the command and its exit status.
 */
export async function runCommands(
  commands: string[][],
  cwd: string,
  code: RelsealErrorCode,
  gate: string,
): Promise<void> {
  for (const [tool, ...args] of commands) {
    const shown = [tool, ...args].join(' ')
    let status: number
    try {
      status = await exec.exec(tool!, args, { cwd, env: commandEnv(), ignoreReturnCode: true })
    } catch (e) {
      throw new RelsealError(
        code,
        `${gate}: could not start \`${shown}\` (${e instanceof Error ? e.message : String(e)}); install it in an earlier step or fix the command`,
        { cause: e },
      )
    }
    if (status !== 0)
      throw new RelsealError(code, `${gate}: \`${shown}\` exited with ${status}; nothing was released`)
  }
}
