import { existsSync, lstatSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { RelsealError } from '../errors.js'
import { writeFileAtomic } from './atomic-file.js'
import { parseRepository, sameRepository } from './remote.js'

/**
 * An app root (docs/updater.md):
 *   store.git/            one bare git object store; objects arrive only through verified updates
 *   releases/<version>/   one git worktree per installed release
 *   current, rollback     pointers (symlinks replaced by rename; pointer files where symlinks fail)
 *   .relseal/             config.json, lock, evidence.jsonl, manifests/<version>.json,
 *                         trust-root.json (the newest verified trust root, when the app opted in)
 */
export interface AppLayout {
  root: string
  store: string
  releases: string
  current: string
  rollback: string
  state: string
  config: string
  lock: string
  evidence: string
  manifests: string
  trustRoot: string
}

export interface AppConfig {
  remote: string
  /** owner/name the app's releases are signed for (absent in app roots made before it was recorded). */
  repository?: string
  /** Shared entries (`db/`, `file:.env`) linked into every new release (src/update/shared.ts). */
  shared?: string[]
}

export function appLayout(appRoot: string): AppLayout {
  const root = resolve(appRoot)
  const state = join(root, '.relseal')
  return {
    root,
    store: join(root, 'store.git'),
    releases: join(root, 'releases'),
    current: join(root, 'current'),
    rollback: join(root, 'rollback'),
    state,
    config: join(state, 'config.json'),
    lock: join(state, 'lock'),
    evidence: join(state, 'evidence.jsonl'),
    manifests: join(state, 'manifests'),
    trustRoot: join(state, 'trust-root.json'),
  }
}

/** Reads the app root's config, or refuses with E_NOT_INITIALISED. */
export function readAppConfig(layout: AppLayout): AppConfig {
  if (!existsSync(layout.config)) {
    throw new RelsealError(
      'E_NOT_INITIALISED',
      `${layout.root} is not a relseal app root; run: relseal init --app-root ${layout.root} --remote URL [--repository OWNER/NAME]`,
    )
  }
  return JSON.parse(readFileSync(layout.config, 'utf8')) as AppConfig
}

/** The folder of one release; versions are strict semver, so they are safe path components. */
export function releaseDir(layout: AppLayout, version: string): string {
  return join(layout.releases, version)
}

/**
 * Refuses an app root whose own folders are symlinks: the updater deletes inside releases/ and the
 * store, and must never reach through a link to delete data elsewhere (issue 23, item 7).
 */
export function assertAppRootFolders(layout: AppLayout): void {
  for (const dir of [layout.releases, layout.store, layout.state, layout.manifests]) {
    let st
    try {
      st = lstatSync(dir)
    } catch {
      continue // created when needed
    }
    if (!st.isDirectory()) {
      throw new RelsealError(
        'E_SYMLINK_ESCAPE',
        `${dir} is ${st.isSymbolicLink() ? 'a symlink' : 'not a directory'}; relseal deletes inside it and never follows links out of the app root; ` +
          `make it a real directory inside ${layout.root}`,
      )
    }
  }
}

/**
 * The repository every manifest for this app root must be signed for (issue 13, item 4): the one
 * `init` recorded. A repository given by the caller may only repeat it; an app root made before
 * repositories were recorded takes it once from the caller (`record` is then true) and keeps it.
 */
export function resolveAppRepository(
  layout: AppLayout,
  config: AppConfig,
  given: string | undefined,
): { repository: string; record: boolean } {
  if (given !== undefined) parseRepository(given, '--repository')
  if (config.repository !== undefined) {
    if (given !== undefined && !sameRepository(given, config.repository)) {
      throw new RelsealError(
        'E_USAGE',
        `${layout.root} belongs to ${config.repository} (recorded by relseal init); --repository ${given} cannot change it: ` +
          `drop --repository, or make a new app root for ${given}`,
      )
    }
    return { repository: config.repository, record: false }
  }
  if (given !== undefined) return { repository: given, record: true }
  throw new RelsealError(
    'E_NOT_INITIALISED',
    `${layout.root} does not record which repository its releases come from (it predates that record); ` +
      `pass --repository OWNER/NAME once to relseal update or rollback and it is recorded for good`,
  )
}

/** Records the repository in an app root that lacked it (after a manifest for it verified). */
export function recordAppRepository(layout: AppLayout, config: AppConfig, repository: string): void {
  writeFileAtomic(layout.config, `${JSON.stringify({ ...config, repository }, null, 2)}\n`)
}
