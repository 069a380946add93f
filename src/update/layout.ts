import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { RelsealError } from '../errors.js'

/**
 * An app root (docs/updater.md):
 *   store.git/            one bare git object store; objects arrive only through verified updates
 *   releases/<version>/   one git worktree per installed release
 *   current, rollback     pointers (symlinks replaced by rename; pointer files where symlinks fail)
 *   .relseal/             config.json, lock, evidence.jsonl, manifests/<version>.json
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
}

export interface AppConfig {
  remote: string
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
  }
}

/** Reads the app root's config, or refuses with E_NOT_INITIALISED. */
export function readAppConfig(layout: AppLayout): AppConfig {
  if (!existsSync(layout.config)) {
    throw new RelsealError(
      'E_NOT_INITIALISED',
      `${layout.root} is not a relseal app root; run: relseal init --app-root ${layout.root} --remote URL`,
    )
  }
  return JSON.parse(readFileSync(layout.config, 'utf8')) as AppConfig
}

/** The folder of one release; versions are strict semver, so they are safe path components. */
export function releaseDir(layout: AppLayout, version: string): string {
  return join(layout.releases, version)
}
