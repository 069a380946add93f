import { rmSync } from 'node:fs'
import { readFailedReleases } from './failed-releases.js'
import { installedVersions, removeRelease } from './installed.js'
import { releaseDir, type AppLayout } from './layout.js'
import { readPointer } from './pointer.js'

/**
 * Removes releases beyond `keep`, oldest first, never current or rollback, never through a link.
 * Releases that failed after their swap (issue 16) do not count toward `keep`: the most recently
 * failed one stays on disk for inspection, older failed ones go (their failed marks stay).
 */
export async function pruneReleases(layout: AppLayout, keep: number): Promise<string[]> {
  const pinned = new Set(
    [readPointer(layout.current), readPointer(layout.rollback)].filter((v) => v !== undefined),
  )
  const marks = readFailedReleases(layout)
  const failed = new Set(marks.map((f) => f.version))
  const inspected = marks.at(-1)?.version
  const all = installedVersions(layout)
  const versions = all.filter((v) => !failed.has(v) || pinned.has(v))
  const removable = versions.filter((v) => !pinned.has(v))
  const excess = Math.max(0, versions.length - Math.max(keep, pinned.size))
  const removed = excess === 0 ? [] : removable.slice(Math.max(0, removable.length - excess))
  removed.push(...all.filter((v) => failed.has(v) && !pinned.has(v) && v !== inspected))
  for (const v of removed) {
    await removeRelease(layout, releaseDir(layout, v))
    rmSync(`${layout.manifests}/${v}.json`, { force: true })
    rmSync(`${layout.manifests}/${v}.release_manifest.json`, { force: true })
  }
  return removed
}
