import { installedRecord } from './install-release.js'
import { olderInstalled, writeInstalled } from './installed.js'
import { recordAppRepository } from './layout.js'
import { readPointer, setRollbackPointer, swapPointer } from './pointer.js'
import { pruneReleases } from './prune.js'
import { markSupervising } from './supervise-release.js'
import type { UpdateRun } from './update-run.js'

/**
 * swap: records the release, then points `rollback` and `current` at whole releases by atomic
 * renames. `rollback` first: a crash between the two renames leaves both naming whole releases. It
 * names the newest installed release older than the new current (issue 22, item 5).
 */
export async function swapToTarget(run: UpdateRun): Promise<void> {
  const { layout, o, target } = run
  writeInstalled(layout, await installedRecord(run), run.loaded.manifest)
  markSupervising(run) // with restart or watch: a kill from here on is finished by the next run
  setRollbackPointer(layout.rollback, olderInstalled(layout, target.version))
  o.killPoint?.('swap:rollback-set')
  swapPointer(layout.current, target.version, o.killPoint)
  run.swapped = true
  if (run.repo.record) recordAppRepository(layout, run.config, run.repo.repository)
  if (readPointer(layout.rollback) !== undefined)
    run.evidence.rollback_command = `relseal rollback --app-root ${layout.root}${run.useTrustRoot ? '' : ' --pubkey KEY'}`
}

/** prune: releases beyond `keep` go, oldest first; never current or rollback. */
export async function prune(run: UpdateRun): Promise<void> {
  await pruneReleases(run.layout, run.o.keep ?? 3)
}
