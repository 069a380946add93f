import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { basename, join } from 'node:path'
import { runGit } from '../git/git.js'
import { writeFileAtomic } from './atomic-file.js'
import type { ReleaseRef } from './evidence.js'
import type { AppLayout } from './layout.js'

/** What relseal records about a release it verified and installed (trusted local state). */
export interface InstalledRelease extends ReleaseRef {
  tag: string
  manifest_digest: string
  key_ids: string[]
}

const recordPath = (layout: AppLayout, version: string) => join(layout.manifests, `${version}.json`)

export function writeInstalled(layout: AppLayout, rec: InstalledRelease, envelope: Uint8Array): void {
  writeFileAtomic(join(layout.manifests, `${rec.version}.release_manifest.json`), envelope)
  writeFileAtomic(recordPath(layout, rec.version), `${JSON.stringify(rec, null, 2)}\n`)
}

export function readInstalled(layout: AppLayout, version: string | undefined): InstalledRelease | undefined {
  if (version === undefined || !existsSync(recordPath(layout, version))) return undefined
  return JSON.parse(readFileSync(recordPath(layout, version), 'utf8')) as InstalledRelease
}

/** Removes a release's worktree (and its git bookkeeping) whatever state a crash left it in. */
export async function removeRelease(layout: AppLayout, dir: string): Promise<void> {
  if (existsSync(dir))
    await runGit(['worktree', 'remove', '--force', '--force', dir], { cwd: layout.store, okCodes: [0, 128] })
  rmSync(dir, { recursive: true, force: true })
  await runGit(['worktree', 'prune'], { cwd: layout.store })
  await runGit(['update-ref', '-d', releaseRef(basename(dir))], { cwd: layout.store, okCodes: [0, 1] })
}

/** The store's ref for an installed release's commit (versions are strict semver: valid in refs). */
export function releaseRef(version: string): string {
  return `refs/relseal/releases/${version}`
}

/** Release folders present on disk. */
export function installedVersions(layout: AppLayout): string[] {
  return existsSync(layout.releases) ? readdirSync(layout.releases) : []
}
