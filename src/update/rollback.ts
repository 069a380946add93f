import { randomUUID } from 'node:crypto'
import { RelsealError } from '../errors.js'
import { hashTree } from '../tree/index.js'
import { appendEvidence, readEvidence, type EvidenceRecord } from './evidence.js'
import { readInstalled, type InstalledRelease } from './installed.js'
import { appLayout, readAppConfig, releaseDir } from './layout.js'
import { acquireLock } from './lock.js'
import { readPointer, swapPointer } from './pointer.js'

/**
 * Switches `current` back to the rollback release after re-verifying that release's tree against
 * the code hash recorded when it was verified and installed. The two pointers trade places.
 */
export async function rollback(o: {
  appRoot: string
}): Promise<{ from: InstalledRelease; to: InstalledRelease }> {
  const layout = appLayout(o.appRoot)
  readAppConfig(layout)
  const release = acquireLock(layout.lock)
  try {
    const from = readInstalled(layout, readPointer(layout.current))
    const to = readInstalled(layout, readPointer(layout.rollback))
    if (!from || !to || from.version === to.version) {
      throw new RelsealError('E_NOT_FOUND', `${layout.root} has no earlier release to roll back to`)
    }
    const tree = await hashTree({ dir: releaseDir(layout, to.version) })
    if (tree.codeHash !== to.code_hash) {
      throw new RelsealError(
        'E_TREE_MISMATCH',
        `releases/${to.version} no longer matches its verified code hash (${to.code_hash}, now ${tree.codeHash}); ` +
          `it was modified on disk: reinstall it with relseal update --allow-downgrade`,
      )
    }
    swapPointer(layout.rollback, from.version)
    swapPointer(layout.current, to.version)
    const record: EvidenceRecord = {
      run_id: randomUUID(),
      time: new Date().toISOString(),
      outcome: 'rolled-back',
      from: { version: from.version, commit: from.commit, code_hash: from.code_hash },
      to: { version: to.version, commit: to.commit, code_hash: to.code_hash },
      steps: [],
      rollback_command: `relseal rollback --app-root ${layout.root}`,
    }
    appendEvidence(layout.evidence, record)
    return { from, to }
  } finally {
    release()
  }
}

export interface AppStatus {
  appRoot: string
  remote: string
  current?: InstalledRelease
  rollback?: InstalledRelease
  runs: EvidenceRecord[]
}

/** The current and rollback releases and the last runs of an app root. */
export function status(o: { appRoot: string; runs?: number }): AppStatus {
  const layout = appLayout(o.appRoot)
  const config = readAppConfig(layout)
  const current = readInstalled(layout, readPointer(layout.current))
  const back = readInstalled(layout, readPointer(layout.rollback))
  return {
    appRoot: layout.root,
    remote: config.remote,
    ...(current ? { current } : {}),
    ...(back ? { rollback: back } : {}),
    runs: readEvidence(layout.evidence, o.runs ?? 5),
  }
}
