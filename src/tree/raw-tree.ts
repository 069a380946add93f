import type { FileJob } from './hash-pool.js'

/** A tree listed but not yet hashed: files still to read, and entries whose bytes are known. */
export interface RawTree {
  /**
   * Regular files to stream from disk; kind (file/executable) comes from the file's owner execute
   * bit, unless `kind` fixes it (git with core.fileMode=false keeps the index's mode).
   */
  files: { path: string; job: FileJob; kind?: 'file' | 'executable' }[]
  /** A check that runs while the files are hashed; the hash is only returned once it has passed. */
  pending?: Promise<void>
  /** Symlinks (target bytes) and submodules (commit id), already resolved. */
  fixed: (
    { path: string; kind: 'symlink'; content: Buffer } | { path: string; kind: 'submodule'; commit: string }
  )[]
}
