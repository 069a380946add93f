/**
 * A tree listed but not yet hashed, kept flat (a string per path and a byte per kind, no object
 * per path): on a tree of tens of thousands of small files, objects per path cost the garbage
 * collector about as much as reading the files.
 */
export interface RawTree {
  /** Every path is opened as `base + path`: `dir/`, or '' for paths relative to the process's directory. */
  base: string
  /** Tree-relative paths, POSIX separators, in listing order. */
  paths: string[]
  /** What each path is (RAW_*), index for index with `paths` (may be longer). */
  kinds: Uint8Array
  /** A symlink's target bytes (Buffer) or a submodule's commit id (string), by index in `paths`. */
  fixed: Map<number, Buffer | string>
  /** A check that runs while the files are hashed; the hash is only returned once it has passed. */
  pending?: Promise<void>
}

/** A regular file, file or executable as its owner execute bit says. */
export const RAW_REGULAR = 0
/** A regular file whose kind is fixed (git with core.fileMode=false keeps the index's mode). */
export const RAW_FILE = 1
export const RAW_EXECUTABLE = 2
/** Not read by the hasher: the bytes are in `fixed`. */
export const RAW_SYMLINK = 3
export const RAW_SUBMODULE = 4
