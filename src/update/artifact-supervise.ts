import { dirname } from 'node:path'
import { RelsealError } from '../errors.js'
import type { InstallArtifactResult } from './artifact-install.js'
import {
  readArtifactRecord,
  writeArtifactRecord,
  type ArtifactPaths,
  type ArtifactRecord,
} from './artifact-record.js'
import { restoreBackup } from './artifact-rollback.js'
import type { KillPoint } from './pointer.js'
import { superviseAfterSwap, type SuperviseOptions, type SuperviseStep } from './supervise.js'

/** Restart and watch after an artifact was put in place: the same supervisor as `update`. */
export type ArtifactSupervision = Omit<SuperviseOptions, 'killPoint'>

/**
 * Restarts (in the target's folder) and watches; when that fails, re-verifies the backup of the
 * replaced version, puts it back at PATH by one rename (PATH never absent), restarts and watches
 * once more: outcome 'rolled-back'. With no backup to go back to, E_UPDATE_FAILED: the new file
 * stays in place.
 */
export async function superviseArtifact(
  p: ArtifactPaths,
  rec: ArtifactRecord,
  installed: InstallArtifactResult,
  o: ArtifactSupervision,
  hooks: {
    killPoint?: KillPoint | undefined
    onStep?: ((step: SuperviseStep, message: string) => void) | undefined
  },
): Promise<InstallArtifactResult> {
  const cwd = dirname(p.target)
  const from = installed.from
  const canGoBack = from !== undefined && rec.backups.some((b) => b.version === from.version)
  const r = await superviseAfterSwap({
    restartCwd: cwd,
    watchCwd: () => cwd,
    options: { ...o, ...(hooks.killPoint ? { killPoint: hooks.killPoint } : {}) },
    ...(canGoBack ? { swapBack: async () => void (await restoreBackup(p, rec, from, hooks.killPoint)) } : {}),
    step: async (name, message, fn) => {
      hooks.killPoint?.(`before:${name}`)
      hooks.onStep?.(name, message)
      return fn()
    },
  })
  if (r.outcome !== 'failed') {
    // healthy, or swapped back (restoreBackup wrote its record): supervised either way
    const now = readArtifactRecord(p)
    if (now?.unwatched) {
      delete now.unwatched
      writeArtifactRecord(p, now)
    }
  }
  if (r.outcome === 'healthy') return installed
  if (r.outcome === 'failed')
    throw new RelsealError(
      'E_UPDATE_FAILED',
      `${installed.to.version} is installed at ${p.target} but failed after it (${r.failure?.message ?? 'restart or watch failed'}), ` +
        'and no earlier version is kept to go back to; install a working release with relseal install-artifact',
      { cause: r.failure },
    )
  return {
    ...installed,
    outcome: 'rolled-back',
    ...(r.failure ? { failure: `${r.failure.message} (${r.failure.code})` } : {}),
    ...(r.afterRollback !== undefined
      ? {
          afterRollback:
            r.afterRollback === 'healthy'
              ? 'healthy'
              : `${r.afterRollback.message} (${r.afterRollback.code})`,
        }
      : {}),
  }
}
