import { existsSync } from 'node:fs'
import { readEvidence, type EvidenceRecord } from './evidence.js'
import { readFailedReleases, type FailedRelease } from './failed-releases.js'
import {
  installedVersions,
  kindOf,
  olderInstalled,
  readInstalled,
  type InstalledRelease,
} from './installed.js'
import { appLayout, readAppConfig, releaseDir, type AppLayout } from './layout.js'
import { readPointer } from './pointer.js'
import { pollStatusField, type PollState } from './poll-state.js'
import { readPendingSupervision, type PendingSupervision } from './supervising.js'

export interface AppStatus {
  appRoot: string
  remote: string
  /** owner/name the app root accepts manifests for (absent in app roots made before it was recorded). */
  repository?: string
  current?: InstalledRelease
  /** The release `relseal rollback` would go to: installed and older than current; absent when none. */
  rollback?: InstalledRelease
  /**
   * Releases that failed after their swap and were rolled back, newest first (issue 16): update
   * refuses them unless retried with --retry-failed; `on_disk` while their folder is kept.
   */
  failed: (FailedRelease & { on_disk: boolean })[]
  /**
   * Every release folder on disk, newest first, with how it was made (issue 17, item 2): `git`
   * (a worktree of the signed commit) or `tarball` (the signed artifact `artifact`, extracted).
   */
  releases: { version: string; kind: 'git' | 'tarball'; artifact?: string }[]
  /** The last runs, oldest first, from the end of .relseal/evidence.jsonl. */
  runs: EvidenceRecord[]
  /** The `update --every` loop's state (poll.json) and whether its process runs (issue 16). */
  poll?: PollState & { running: boolean }
  /** An update killed while it restarted or watched a release: the next update finishes it (issue 16). */
  supervising?: PendingSupervision
}

/** The current release, the one a rollback would go to, failed releases and the last runs of an app root. */
export function status(o: { appRoot: string; runs?: number }): AppStatus {
  const layout = appLayout(o.appRoot)
  const config = readAppConfig(layout)
  const current = readInstalled(layout, readPointer(layout.current))
  const back = current ? readInstalled(layout, olderInstalled(layout, current.version)) : undefined
  const failed = readFailedReleases(layout)
    .reverse()
    .map((f) => ({ ...f, on_disk: existsSync(releaseDir(layout, f.version)) }))
  return {
    appRoot: layout.root,
    remote: config.remote,
    ...(config.repository ? { repository: config.repository } : {}),
    ...(current ? { current } : {}),
    ...(back ? { rollback: back } : {}),
    failed,
    releases: installedVersions(layout).map((version) => {
      const r = readInstalled(layout, version)
      return { version, kind: kindOf(r), ...(r?.artifact ? { artifact: r.artifact.name } : {}) }
    }),
    runs: readEvidence(layout.evidence, o.runs ?? 5),
    ...pollStatusField(layout),
    ...supervisingField(layout),
  }
}

function supervisingField(layout: AppLayout): { supervising?: PendingSupervision } {
  const pending = readPendingSupervision(layout)
  return pending ? { supervising: pending } : {}
}
