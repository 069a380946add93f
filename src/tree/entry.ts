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
  let sorted: T[]
  if (entries.some((e) => UTF16_ORDER_DIFFERS.test(e.path))) {
    const keyed = entries.map((e) => ({ e, k: Buffer.from(e.path, 'utf8') }))
    keyed.sort((x, y) => Buffer.compare(x.k, y.k))
    sorted = keyed.map((x) => x.e)
  } else sorted = [...entries].sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0))
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.path === sorted[i - 1]!.path) {
      throw new RelsealError('E_BAD_INPUT', `the tree lists ${JSON.stringify(sorted[i]!.path)} twice`)
    }
  }
  return sorted
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
