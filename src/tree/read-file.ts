import { createHash } from 'node:crypto'
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs'
import { RelsealError } from '../errors.js'

/** Chunk size for streamed reads: memory stays flat however large a file is. */
export const READ_CHUNK_BYTES = 1024 * 1024

/** The owner's execute bit (S_IXUSR): the only one git looks at. */
const OWNER_EXECUTE = 0o100

export interface FileDigest {
  sha256: string
  size: number
  executable: boolean
}

function fsError(e: unknown, where: string): RelsealError {
  const code = (e as NodeJS.ErrnoException).code
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new RelsealError(
      'E_NOT_FOUND',
      `${where} does not exist; restore it (git checkout -- <path>) or remove it from the tree`,
      { cause: e },
    )
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new RelsealError(
      'E_UNREADABLE',
      `${where} cannot be read (permission denied); make it readable by this user`,
      { cause: e },
    )
  }
  if (code === 'ELOOP') {
    return new RelsealError(
      'E_CHANGED_WHILE_READING',
      `${where} is a symlink where a regular file is expected (changed since git recorded it?); commit the change or restore the file`,
      { cause: e },
    )
  }
  return new RelsealError('E_UNREADABLE', `${where} cannot be read: ${(e as Error).message}`, { cause: e })
}

function sameFile(a: Stats, b: Stats): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino && a.ctimeMs === b.ctimeMs
}

/**
 * Hashes one regular file by streaming it through a reusable buffer. Symlinks are never
 * followed (O_NOFOLLOW), and O_NONBLOCK keeps a FIFO from blocking the open; a file whose size, inode or times change during the read is refused
 * with E_CHANGED_WHILE_READING, so a digest always names bytes that existed at one moment.
 */
export function hashFileSync(path: string, where: string, buffer: Buffer): FileDigest {
  return tryHashFileSync(path, where, buffer, Number.POSITIVE_INFINITY)!
}

/**
 * hashFileSync, except that a file larger than `maxBytes` is not read: the result is then
 * undefined (the hash pool's calling thread leaves such files to a worker, so that it stays free
 * to handle signals).
 */
export function tryHashFileSync(
  path: string,
  where: string,
  buffer: Buffer,
  maxBytes: number,
): FileDigest | undefined {
  let fd: number
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  } catch (e) {
    throw fsError(e, where)
  }
  try {
    const before = fstatSync(fd)
    if (!before.isFile()) {
      throw new RelsealError(
        'E_UNREADABLE',
        `${where} is not a regular file; only files, symlinks and submodules can be hashed`,
      )
    }
    if (before.size > maxBytes) return undefined
    const hash = createHash('sha256')
    let total = 0
    // Read the size fstat reported; growth or shrinking shows in the second fstat below.
    while (total < before.size) {
      const n = readSync(fd, buffer, 0, buffer.length, null)
      if (n === 0) break
      hash.update(buffer.subarray(0, n))
      total += n
    }
    const after = fstatSync(fd)
    if (total !== before.size || !sameFile(before, after)) {
      throw new RelsealError(
        'E_CHANGED_WHILE_READING',
        `${where} changed while it was being read (${before.size} bytes before, ${total} read); hash again once nothing writes to the tree`,
      )
    }
    // git's rule (create_ce_mode): a file is 100755 when its owner may execute it; the group's and
    // others' bits are ignored, so 0654 is 100644 and 0744 is 100755 (docs/code-hash.md).
    return { sha256: hash.digest('hex'), size: total, executable: (before.mode & OWNER_EXECUTE) !== 0 }
  } catch (e) {
    throw e instanceof RelsealError ? e : fsError(e, where)
  } finally {
    closeSync(fd)
  }
}
