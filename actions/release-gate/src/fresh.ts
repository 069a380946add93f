import { statSync } from 'node:fs'
import { RelsealError, type RelsealErrorCode } from '../../../src/errors.js'

/** File systems with coarse timestamps (FAT, some network mounts) round mtimes down by up to 2 s. */
const MTIME_SLACK_MS = 2000

/**
 * A report must describe this run: one last written before `notBefore` (when the commands that
 * should write it started) is refused, so a stale file left in the workspace never passes a gate.
 */
export function assertWrittenSince(
  file: string,
  shown: string,
  notBefore: Date,
  code: RelsealErrorCode,
  what: string,
  command: string,
): void {
  if (statSync(file).mtime.getTime() < notBefore.getTime() - MTIME_SLACK_MS)
    throw new RelsealError(
      code,
      `${what} ${shown} is older than this ${command} run, so it does not describe it; make the ${command} command write it, or delete stale reports`,
    )
}
