import { RelsealError } from '../errors.js'

/** What a path in a tree is. A submodule is recorded by its commit id and never descended. */
export type EntryKind = 'file' | 'executable' | 'symlink' | 'submodule'

/** Git's mode for each kind; the code hash covers it. */
export const MODE_OF_KIND = {
  file: '100644',
  executable: '100755',
  symlink: '120000',
  submodule: '160000',
} as const satisfies Record<EntryKind, string>

export type EntryMode = (typeof MODE_OF_KIND)[EntryKind]

/** The kind each mode stands for. */
export const KIND_OF_MODE = {
  '100644': 'file',
  '100755': 'executable',
  '120000': 'symlink',
  '160000': 'submodule',
} as const satisfies Record<EntryMode, EntryKind>

/** One path of a tree, as hashed. */
export interface TreeEntry {
  /** Relative, POSIX separators, UTF-8. */
  path: string
  kind: EntryKind
  mode: EntryMode
  /** Bytes hashed: the file's size, the symlink target's length, 0 for a submodule. */
  size: number
  /** Lower-case hex SHA-256 of the contents or symlink target; a submodule's commit id. */
  sha256: string
}

/** Orders paths by their UTF-8 bytes, the one order every listing uses (not UTF-16 order). */
export function compareByBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}

// UTF-16 code units order strings as UTF-8 bytes do, except that a surrogate (a code point above
// U+FFFF) sorts below U+E000–U+FFFF; without such characters plain string comparison is byte order.
const UTF16_ORDER_DIFFERS = /[\uD800-\uFFFF]/

/** Sorts entries by path bytes (a new array) and refuses duplicate paths. */
export function sortEntries<T extends { path: string }>(entries: T[]): T[] {
  const order = byteOrder(entries.map((e) => e.path))
  return order === undefined ? [...entries] : Array.from(order, (k) => entries[k]!)
}

function duplicate(path: string): RelsealError {
  return new RelsealError('E_BAD_INPUT', `the tree lists ${JSON.stringify(path)} twice`)
}

/**
 * The order of `paths` by their bytes, as indexes, or undefined when they are in that order
 * already (git's index is sorted by path bytes, so a working tree's listing is: one linear check
 * then). Refuses duplicate paths, as sortEntries does.
 */
export function byteOrder(paths: readonly string[]): Uint32Array | undefined {
  let ordered = true
  for (let i = 1; i < paths.length && ordered; i++) ordered = paths[i - 1]! < paths[i]!
  const byUtf8 = paths.some((p) => UTF16_ORDER_DIFFERS.test(p))
  if (ordered && !byUtf8) return undefined
  const order = Uint32Array.from(paths.keys())
  if (byUtf8) {
    const keys = paths.map((p) => Buffer.from(p, 'utf8'))
    order.sort((x, y) => Buffer.compare(keys[x]!, keys[y]!))
  } else order.sort((x, y) => (paths[x]! < paths[y]! ? -1 : paths[x]! > paths[y]! ? 1 : 0))
  for (let k = 1; k < order.length; k++) {
    if (paths[order[k]!] === paths[order[k - 1]!]) throw duplicate(paths[order[k]!]!)
  }
  return order
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/** Decodes a path from raw bytes, refusing names that are not valid UTF-8 (E_BAD_PATH_NAME). */
export function decodePathName(bytes: Uint8Array, where: string): string {
  try {
    return strictUtf8.decode(bytes)
  } catch {
    throw new RelsealError(
      'E_BAD_PATH_NAME',
      `${where}: the name ${JSON.stringify(Buffer.from(bytes).toString('latin1'))} (hex ${Buffer.from(bytes).toString('hex')}) ` +
        `is not valid UTF-8; rename it to a UTF-8 name, since release listings are UTF-8`,
    )
  }
}
