import * as crypto from 'node:crypto'
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs'
import { RelsealError } from '../errors.js'

/** Chunk size for streamed reads: memory stays flat however large a file is. */
export const READ_CHUNK_BYTES = 1024 * 1024

/** The owner's execute bit (S_IXUSR): the only one git looks at. */
const OWNER_EXECUTE = 0o100

/** Symlinks are never followed; a FIFO does not block the open. */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK

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

// One-shot hashing (Node >= 20.12) creates no Hash object, whose native handle costs the garbage
// collector more than hashing a small file does.
const oneShot = (crypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'hex') => string }).hash
/** SHA-256 of bytes held whole, in hex: one call, no Hash object (Node's crypto.hash when it has it). */
export const sha256Hex = oneShot
  ? (bytes: Uint8Array): string => oneShot('sha256', bytes, 'hex')
  : (bytes: Uint8Array): string => crypto.createHash('sha256').update(bytes).digest('hex')

function notRegular(where: string): RelsealError {
  return new RelsealError(
    'E_UNREADABLE',
    `${where} is not a regular file; only files, symlinks and submodules can be hashed`,
  )
}

function changed(where: string, size: number, read: number): RelsealError {
  return new RelsealError(
    'E_CHANGED_WHILE_READING',
    `${where} changed while it was being read (${size} bytes before, ${read} read); hash again once nothing writes to the tree`,
  )
}

/** Reads into `buffer` from the file's current offset; a read error on a non-file says so. */
function readSome(fd: number, buffer: Buffer, where: string): number {
  try {
    return readSync(fd, buffer, 0, buffer.length, null)
  } catch (e) {
    // A directory (EISDIR) or a FIFO without a writer (EAGAIN) fails here, before any fstat.
    let regular = true
    try {
      regular = fstatSync(fd).isFile()
    } catch {
      /* the read error says more */
    }
    throw regular ? fsError(e, where) : notRegular(where)
  }
}

/**
 * Hashes one regular file by streaming it through a reusable buffer. Symlinks are never
 * followed (O_NOFOLLOW), and O_NONBLOCK keeps a FIFO from blocking the open; a file whose size,
 * inode or times change during the read is refused with E_CHANGED_WHILE_READING, so a digest
 * always names bytes that existed at one moment.
 */
export function hashFileSync(path: string, where: string, buffer: Buffer): FileDigest {
  const sha256 = hashOne(path, where, buffer, Number.POSITIVE_INFINITY)!
  return { sha256, size: lastSize, executable: lastExecutable }
}

/**
 * The digests of a list of files, flat (no object per file): 64 hex digits a file in `hex` (as
 * latin1 bytes), its size and whether its owner may execute it. The arrays may live in shared
 * memory, so that hashing threads write their results in place.
 */
export interface Digests {
  hex: Buffer
  sizes: Float64Array
  executable: Uint8Array
}

/** Flat digests for `count` files, in `shared` memory when hashing threads are to fill them in. */
export function allocDigests(count: number, shared: boolean): Digests {
  const Memory = shared ? SharedArrayBuffer : ArrayBuffer
  return {
    hex: Buffer.from(new Memory(count * 64)),
    sizes: new Float64Array(new Memory(count * 8)),
    executable: new Uint8Array(new Memory(count)),
  }
}

/** The hex digest of file `i`. */
export function digestHex(d: Digests, i: number): string {
  return d.hex.toString('latin1', i * 64, i * 64 + 64)
}

// What the last hashOne call found besides the digest: returned this way, not in an object per file
// (each thread has its own copy of this module).
let lastSize = 0
let lastExecutable = false

/**
 * hashFileSync writing its answer into `out` at `i`; false (nothing written) for a file larger than
 * `maxBytes`, which is not read past its first buffer (a caller that must stay free to handle
 * signals leaves such files to a worker thread).
 */
export function hashFileInto(
  path: string,
  where: string,
  buffer: Buffer,
  maxBytes: number,
  out: Digests,
  i: number,
): boolean {
  const sha256 = hashOne(path, where, buffer, maxBytes)
  if (sha256 === undefined) return false
  out.hex.write(sha256, i * 64, 64, 'latin1')
  out.sizes[i] = lastSize
  out.executable[i] = lastExecutable ? 1 : 0
  return true
}

/**
 * Most files of a source tree fit in one buffer, and for them one `read` and one `fstat` after it
 * are enough (this is the hot path of hashing a tree: a second fstat per file cost as much as the
 * read): the read returned every byte the file held at one moment exactly when the fstat that
 * follows reports that same size and a regular file. A file larger than the buffer is read in
 * chunks (from the start again) between two fstats, which must agree on size, inode and times.
 */
function hashOne(path: string, where: string, buffer: Buffer, maxBytes: number): string | undefined {
  let fd: number
  try {
    fd = openSync(path, OPEN_FLAGS)
  } catch (e) {
    throw fsError(e, where)
  }
  try {
    const first = readSome(fd, buffer, where)
    const st = fstatSync(fd)
    if (!st.isFile()) throw notRegular(where)
    // git's rule (create_ce_mode): a file is 100755 when its owner may execute it; the group's and
    // others' bits are ignored, so 0654 is 100644 and 0744 is 100755 (docs/code-hash.md).
    lastExecutable = (st.mode & OWNER_EXECUTE) !== 0
    if (first < buffer.length) {
      if (first !== st.size) throw changed(where, st.size, first)
      lastSize = first
      return sha256Hex(buffer.subarray(0, first))
    }
    if (st.size > maxBytes) return undefined
    const hash = crypto.createHash('sha256')
    // Read again from the start, so that every byte hashed was read between the two fstats.
    let total = 0
    while (total < st.size) {
      const n = readSync(fd, buffer, 0, buffer.length, total)
      if (n === 0) break
      hash.update(n === buffer.length ? buffer : buffer.subarray(0, n))
      total += n
    }
    const after = fstatSync(fd)
    if (total !== st.size || !sameFile(st, after)) throw changed(where, st.size, total)
    lastSize = total
    return hash.digest('hex')
  } catch (e) {
    throw e instanceof RelsealError ? e : fsError(e, where)
  } finally {
    closeSync(fd)
  }
}
