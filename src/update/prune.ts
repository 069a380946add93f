import { rmSync } from 'node:fs'
import { installedVersions, removeRelease } from './installed.js'
import { releaseDir, type AppLayout } from './layout.js'
import { readPointer } from './pointer.js'

/** Removes releases beyond `keep`, oldest first, never current or rollback, never through a link. */
export async function pruneReleases(layout: AppLayout, keep: number): Promise<string[]> {
  const pinned = new Set(
    [readPointer(layout.current), readPointer(layout.rollback)].filter((v) => v !== undefined),
  )
  const versions = installedVersions(layout)
  const removable = versions.filter((v) => !pinned.has(v))
  const excess = Math.max(0, versions.length - Math.max(keep, pinned.size))
  const removed = excess === 0 ? [] : removable.slice(Math.max(0, removable.length - excess))
  for (const v of removed) {
    await removeRelease(layout, releaseDir(layout, v))
    rmSync(`${layout.manifests}/${v}.json`, { force: true })
    rmSync(`${layout.manifests}/${v}.release_manifest.json`, { force: true })
  }
  return removed
}
