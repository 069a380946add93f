/**
 * Shared state (issue 16, item 3): entries of `<app-root>/shared/` (a database folder, `.env`,
 * logs) that every new release gets as symlinks before its install command runs. The links are
 * untracked, so the code hash is unaffected; the untracked-file record taken after install lists
 * them, so a kept release is re-verified with them in place (reverify.ts).
 */
import { lstatSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { RelsealError } from '../errors.js'
import { escapeUntrusted } from '../text/escape.js'
import type { AppLayout } from './layout.js'

/** One shared entry: a path relative to the release folder, and whether it is a folder or a file. */
export interface SharedEntry {
  path: string
  kind: 'dir' | 'file'
}

/** More entries than this is a mistake, not a layout. */
export const MAX_SHARED_ENTRIES = 64
/** Longest entry path accepted, in characters. */
export const MAX_SHARED_PATH_CHARS = 200

export const sharedDir = (layout: AppLayout): string => join(layout.root, 'shared')

function badName(name: string, why: string): RelsealError {
  return new RelsealError(
    'E_USAGE',
    `shared entry "${escapeUntrusted(name)}" ${why}; give paths relative to the release folder, ` +
      'such as db, .env or var/logs/ (a trailing / makes a folder)',
  )
}

/** Validates one entry name (its trailing `/`, if any, already removed). */
function checkName(original: string, path: string): void {
  if (path === '') throw badName(original, 'is empty')
  if (path.length > MAX_SHARED_PATH_CHARS)
    throw badName(original, `is longer than ${MAX_SHARED_PATH_CHARS} characters`)
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(path))
    throw badName(original, 'holds a control character or a backslash')
  if (path.startsWith('/')) throw badName(original, 'is absolute')
  if (path.startsWith('-')) throw badName(original, 'starts with -')
  for (const part of path.split('/')) {
    if (part === '' || part === '.' || part === '..')
      throw badName(original, 'has an empty, . or .. component')
    if (part.toLowerCase() === '.git') throw badName(original, 'names .git')
  }
}

/**
 * Parses shared entry names (`db`, `.env`, `logs/`) into entries. The kind: a trailing `/` makes a
 * folder and a `file:` prefix a file; otherwise an entry that already exists under shared/ keeps its kind; otherwise a name
 * whose last component holds a dot (`.env`, `config.json`) is a file and any other a folder.
 * Names are relative, without `.`/`..` components, `.git`, a leading `-`, control characters or
 * backslashes; an entry inside another entry is refused (E_USAGE).
 *
 * @example parseSharedEntries(['db', '.env', 'logs/'], '/srv/app/shared')
 */
export function parseSharedEntries(names: readonly string[], existingUnder?: string): SharedEntry[] {
  if (names.length > MAX_SHARED_ENTRIES)
    throw new RelsealError(
      'E_USAGE',
      `${names.length} shared entries; at most ${MAX_SHARED_ENTRIES} are accepted`,
    )
  const entries: SharedEntry[] = []
  for (const name of names) {
    const file = name.startsWith('file:')
    const folder = !file && name.endsWith('/')
    const path = file ? name.slice(5) : folder ? name.slice(0, -1) : name
    checkName(name, path)
    const clash = entries.find(
      (e) => e.path === path || path.startsWith(`${e.path}/`) || e.path.startsWith(`${path}/`),
    )
    if (clash) throw badName(name, `repeats or overlaps the shared entry ${clash.path}`)
    const existing = existingUnder === undefined ? undefined : kindOf(join(existingUnder, path))
    const last = path.slice(path.lastIndexOf('/') + 1)
    const kind = file ? 'file' : folder ? 'dir' : (existing ?? (last.includes('.') ? 'file' : 'dir'))
    entries.push({ path, kind })
  }
  return entries
}

/** The recorded form of entries (config.json `shared`): folders end in `/`, files start with `file:`. */
export const formatSharedEntries = (entries: readonly SharedEntry[]): string[] =>
  entries.map((e) => (e.kind === 'dir' ? `${e.path}/` : `file:${e.path}`))

/**
 * The entries a run links: the caller's (`UpdateOptions.shared`) when given, else those `init`
 * recorded in config.json (their kinds are explicit there).
 */
export function sharedEntriesFor(
  given: readonly string[] | undefined,
  recorded: readonly string[] | undefined,
  layout: AppLayout,
): SharedEntry[] {
  if (given !== undefined) return parseSharedEntries(given, sharedDir(layout))
  return parseSharedEntries(recorded ?? [])
}

function kindOf(path: string): 'dir' | 'file' | undefined {
  try {
    // A link under shared/ (to a data disk, say) is the operator's: its target's kind counts.
    const st = lstatSync(path, { throwIfNoEntry: false })
    if (st === undefined) return undefined
    return st.isDirectory() ? 'dir' : st.isSymbolicLink() ? (isDirThrough(path) ? 'dir' : 'file') : 'file'
  } catch {
    return undefined
  }
}

function isDirThrough(path: string): boolean {
  try {
    return lstatSync(`${path}/.`).isDirectory()
  } catch {
    return false
  }
}

/**
 * Creates `<app-root>/shared/` and every entry missing from it: folders empty, files empty with
 * mode 0600 (a `.env` holds secrets). What exists is left untouched.
 */
export function ensureSharedEntries(layout: AppLayout, entries: readonly SharedEntry[]): void {
  const base = sharedDir(layout)
  mkdirSync(base, { recursive: true })
  for (const e of entries) {
    const abs = join(base, e.path)
    if (kindOf(abs) !== undefined) continue
    if (e.kind === 'dir') mkdirSync(abs, { recursive: true })
    else {
      mkdirSync(dirname(abs), { recursive: true })
      writeFileSync(abs, '', { mode: 0o600, flag: 'wx' })
    }
  }
}

function conflict(version: string, path: string, why: string): RelsealError {
  return new RelsealError(
    'E_SHARED_CONFLICT',
    `release ${version} ${why} ${path}, where the shared entry ${path} must be linked; nothing was swapped. ` +
      `Stop tracking ${path} in the app's repository (add it to .gitignore) and release again, or drop it from the shared entries`,
    { details: { version, path } },
  )
}

/**
 * Links every entry into a freshly verified release folder (relative links, so the app root may
 * move): `<release>/<path>` → `<app-root>/shared/<path>`. The folder holds only tracked files at
 * this point (verify-worktree), so anything already at a link's place, or a file or symlink where a
 * parent folder must be, is tracked by the release: E_SHARED_CONFLICT, and the caller removes it.
 */
export function linkSharedEntries(
  layout: AppLayout,
  releaseDir: string,
  version: string,
  entries: readonly SharedEntry[],
): void {
  ensureSharedEntries(layout, entries)
  for (const e of entries) {
    const parts = e.path.split('/')
    for (let i = 1; i < parts.length; i++) {
      const parent = join(releaseDir, ...parts.slice(0, i))
      const st = lstatSync(parent, { throwIfNoEntry: false })
      if (st === undefined) mkdirSync(parent)
      else if (!st.isDirectory())
        throw conflict(version, parts.slice(0, i).join('/'), 'tracks the file or link')
    }
    const link = join(releaseDir, e.path)
    if (lstatSync(link, { throwIfNoEntry: false }) !== undefined) throw conflict(version, e.path, 'tracks')
    symlinkSync(relative(dirname(link), join(sharedDir(layout), e.path)), link)
  }
}
