import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { createHash, type Hash } from 'node:crypto'
import { readSync, writeSync } from 'node:fs'
import { RelsealError } from '../errors.js'
import { runGit, spawnGit } from '../git/git.js'
import { decodePathName } from './entry.js'
import { splitNul } from './git-repo.js'
import { RAW_EXECUTABLE, RAW_FILE, RAW_SUBMODULE, RAW_SYMLINK, type RawTree } from './raw-tree.js'
import { allocDigests, sha256Hex, type Digests } from './read-file.js'
import { assertLinksStayInside, linkTooLong, MAX_LINK_TARGET_BYTES, type TreeLink } from './symlink-rule.js'

/** A commit's listing, flat (no object per path), in `ls-tree` order, with each path's object id. */
interface Listing {
  paths: string[]
  kinds: Uint8Array
  oids: string[]
}

const KIND_OF_MODE: Readonly<Record<string, number>> = {
  '100755': RAW_EXECUTABLE,
  '120000': RAW_SYMLINK,
  '160000': RAW_SUBMODULE,
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/** The shortest `ls-tree -z` record: `100644 blob <40 hex>\t<one byte>\0`. */
const MIN_RECORD_BYTES = 55

/**
 * Lists a commit's tree. The whole listing is decoded at once (records are `<mode> <type> <oid>\t<path>`,
 * NUL-terminated): one decode and string slices instead of a Buffer, a decode and an object a path.
 */
async function listCommitTree(
  dir: string,
  commit: string,
  prefix: string,
  keep: ((path: string) => boolean) | undefined,
): Promise<Listing> {
  const args = ['ls-tree', '-r', '-z', '--full-tree', commit]
  if (prefix !== '') args.push('--', prefix)
  const out = (await runGit(args, { cwd: dir, ambientConfig: true })).stdout
  let text: string
  try {
    text = strictUtf8.decode(out)
  } catch {
    // Some name is not UTF-8: decode record by record so the refusal names it.
    for (const rec of splitNul(out)) decodePathName(rec.subarray(rec.indexOf(0x09) + 1), commit)
    throw new RelsealError('E_BAD_PATH_NAME', `the listing of ${commit} is not valid UTF-8`)
  }
  const listing: Listing = {
    paths: [],
    kinds: new Uint8Array(Math.ceil(out.length / MIN_RECORD_BYTES) + 1),
    oids: [],
  }
  const { paths, kinds, oids } = listing
  for (let pos = 0; pos < text.length;) {
    const start = pos
    const end = text.indexOf('\0', pos)
    const tab = text.indexOf('\t', pos)
    const sp1 = text.indexOf(' ', pos)
    const sp2 = text.indexOf(' ', sp1 + 1)
    if (end < 0 || tab < 0 || tab > end || sp1 < 0 || sp2 < 0 || sp2 > tab) {
      throw new RelsealError('E_GIT', `git ls-tree printed a record relseal cannot read for ${commit}`)
    }
    const path = text.slice(tab + 1 + prefix.length, end)
    pos = end + 1
    if (keep !== undefined && !keep(path)) continue
    kinds[paths.length] = KIND_OF_MODE[text.slice(start, sp1)] ?? RAW_FILE
    paths.push(path)
    oids.push(text.slice(sp2 + 1, tab))
  }
  return listing
}

/** A commit's tree, listed and hashed, flat: what hash-tree's finishRaw turns into the hashes. */
export interface CommitTree {
  raw: RawTree
  /** Digests of the files (not symlinks or submodules), in listing order. */
  digests: Digests
  /** The index in `digests` of each path's file, -1 for others; undefined when every path is a file. */
  fileOf: Int32Array | undefined
}

/**
 * Hashes a commit's tree straight from the object store: `git cat-file --batch` processes stream
 * every blob once, hashed as it arrives; nothing is checked out. `keep` undefined keeps every path.
 */
export async function hashCommitTree(
  dir: string,
  commit: string,
  prefix: string,
  keep: ((path: string) => boolean) | undefined,
  onProgress?: (p: { files: number; bytes: number }) => void,
  how: ReadOptions = {},
): Promise<CommitTree> {
  // The cat-file processes start while the tree is listed; they wait for ids on their input.
  const readers = startBlobReaders(dir)
  let listing: Listing
  try {
    listing = await listCommitTree(dir, commit, prefix, keep)
  } catch (e) {
    readers.abort()
    throw e
  }
  const { paths, kinds, oids } = listing
  const n = paths.length
  // The blobs to read, by index in the listing: no object per blob.
  const blobs = new Int32Array(n)
  let count = 0
  const fixed = new Map<number, Buffer | string>()
  const fileOf = new Int32Array(n).fill(-1)
  let files = 0
  for (let i = 0; i < n; i++) {
    const kind = kinds[i]!
    if (kind === RAW_SUBMODULE) fixed.set(i, oids[i]!)
    else if (kind === RAW_SYMLINK) blobs[count++] = i
    else {
      fileOf[i] = files
      blobs[count++] = i
      files++
    }
  }
  const digests = allocDigests(files, false)
  const hex = new Array<string>(files)
  await readers.read(
    { paths, kinds, oids, fileOf, blobs: blobs.subarray(0, count) },
    { hex, sizes: digests.sizes, fixed },
    onProgress,
    how,
  )
  // One write, not a call into the Buffer per file.
  digests.hex.write(hex.join(''), 0, 'latin1')
  const links: TreeLink[] = []
  for (const [i, content] of fixed) {
    if (kinds[i] === RAW_SYMLINK)
      links.push({ path: paths[i]!, target: decodePathName(content as Buffer, paths[i]!) })
  }
  assertLinksStayInside(links)
  return { raw: { base: '', paths, kinds, fixed }, digests, fileOf: files < n ? fileOf : undefined }
}

/** How blobs are read; for tests, which compare the two ways. */
export interface ReadOptions {
  /** Read git's output through the event loop (as where a pipe has no descriptor) rather than readSync. */
  events?: boolean
  /** Told which way was taken. */
  took?: (way: 'direct' | 'events') => void
}

/**
 * The blobs to read (`blobs`: indices into the listing) and where each one's result goes: a
 * symlink's bytes to `fixed` at its path's index, a file's digest and size at its file index
 * (`fileOf`).
 */
interface BlobList {
  paths: readonly string[]
  kinds: Uint8Array
  oids: readonly string[]
  fileOf: Int32Array
  blobs: Int32Array
}

/** Where blobs' results go. */
interface BlobResults {
  /** Each file's hex digest, by file index: written into `digests.hex` at once when all are in. */
  hex: string[]
  sizes: Float64Array
  fixed: Map<number, Buffer | string>
}

/**
 * `git cat-file --batch` processes that share a commit's blobs: git's side (finding and inflating
 * each object, writing it to the pipe) costs more than hashing it, so on two cores two processes
 * each do half, while the calling thread reads and hashes both outputs.
 */
const CAT_FILE_PROCESSES = 2
/**
 * git maps pack files whole (windows of 1 GiB on 64-bit systems), so reading every blob of a
 * 240 MB pack made a cat-file process 260 MB resident; 32 MiB windows, at most 96 MiB mapped,
 * keep each near 110 MB and cost less git time than 16/64 (issue 20: peak RSS < 150 MB).
 */
const PACK_WINDOW = 'core.packedGitWindowSize=32m'
const PACK_LIMIT = 'core.packedGitLimit=96m'
/** Blobs handed out at a time, in turn, so that both processes get a like share of large and small. */
const BLOBS_PER_SHARE = 64
/** One read takes whatever the pipe holds, up to this; larger blobs are hashed in pieces (memory flat). */
const READ_BYTES = 1024 * 1024
/** The calling thread returns to its event loop (signals, progress, stderr) at least this often. */
const SLICE_MS = 16
/**
 * A pass over the pipes that brings less than this naps before the next (50 µs, doubling up to
 * 0.5 ms while nothing comes): read as it comes, git's output of small files came a blob (one write)
 * at a time, 38k reads for 38k blobs; read after a nap, it has piled up in the socket (~200 KB,
 * which git fills in about 0.5 ms on incompressible blobs: a longer nap would stall it).
 */
const FULL_READ_BYTES = 64 * 1024
const MIN_NAP_MS = 0.05
const MAX_NAP_MS = 0.5
const EMPTY_SHA256 = createHash('sha256').digest('hex')

/** Started cat-file processes, waiting for the ids to read. */
interface BlobReaders {
  read(
    list: BlobList,
    into: BlobResults,
    onProgress: ((p: { files: number; bytes: number }) => void) | undefined,
    how: ReadOptions,
  ): Promise<void>
  /** Ends the processes unused (the listing failed). */
  abort(): void
}

/** A started cat-file process, watched from its start (its failure to start, its error output). */
interface GitChild {
  child: ChildProcessWithoutNullStreams
  stderr: string
  spawnError?: Error
  /** Settles once git has exited and its pipes are closed. */
  closed: Promise<void>
}

function spawnCatFile(dir: string): GitChild {
  const child = spawnGit(['-c', PACK_WINDOW, '-c', PACK_LIMIT, 'cat-file', '--batch', '--buffer'], {
    cwd: dir,
    ambientConfig: true,
  })
  const started: GitChild = {
    child,
    stderr: '',
    closed: new Promise<void>((resolve) => child.once('close', () => resolve())),
  }
  child.on('error', (e) => (started.spawnError ??= e))
  child.stderr.on('data', (b: Buffer) => {
    if (started.stderr.length < MAX_STDERR) started.stderr += b.toString('utf8')
  })
  child.stdin.on('error', () => {
    /* git stopped reading: its output's end and its error output tell why */
  })
  return started
}

function startBlobReaders(dir: string): BlobReaders {
  const children = Array.from({ length: CAT_FILE_PROCESSES }, () => spawnCatFile(dir))
  const killAll = (): void => {
    for (const { child: c } of children) {
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
      c.stdin.destroy()
      c.stdout.destroy()
      c.stderr.destroy()
    }
  }
  return {
    abort: killAll,
    async read(list, into, onProgress, how) {
      const { blobs } = list
      const count = Math.min(CAT_FILE_PROCESSES, Math.ceil(blobs.length / BLOBS_PER_SHARE))
      const shares: number[][] = Array.from({ length: count }, () => [])
      for (let k = 0; k < blobs.length; k++) shares[Math.floor(k / BLOBS_PER_SHARE) % count]!.push(blobs[k]!)
      const progress = { files: 0, bytes: 0 }
      const streams = shares.map((share, k) => new BlobStream(children[k]!, list, share, into))
      const report = (size: number): void => {
        progress.bytes += size
        if (++progress.files % 512 === 0 || progress.files === blobs.length) onProgress?.({ ...progress })
      }
      for (const s of streams) s.report = report
      try {
        await pump(streams, how)
      } finally {
        killAll()
      }
    },
  }
}

/** What cat-file prints between an object's id and its size. */
const BLOB_TAG = Buffer.from(' blob ', 'latin1')
/** git's error output kept for a message, at most. */
const MAX_STDERR = 16 * 1024

/** The raw descriptor under a child's pipe, or undefined where there is none (Windows, a closed pipe). */
function rawFd(stream: unknown): number | undefined {
  const handle = (stream as { _handle?: { fd?: unknown } | null })._handle
  return typeof handle?.fd === 'number' && handle.fd >= 0 ? handle.fd : undefined
}

/** Stops the event loop from reading a pipe that is read with readSync instead; false if it cannot. */
function stopEventReads(stream: unknown): boolean {
  const handle = (stream as { _handle?: { readStop?: unknown; reading?: boolean } | null })._handle
  if (typeof handle?.readStop !== 'function') return false
  ;(handle.readStop as () => number).call(handle)
  // The stream restarts reading if it is ever resumed.
  handle.reading = false
  return true
}

/** One cat-file process and the blobs it answers for: its ids, and the state of its output. */
class BlobStream {
  report: (size: number) => void = () => {}
  /** The ids asked for, one a line; `idStart[k]` is where the k-th starts. */
  readonly ids: Buffer
  private readonly idStart: Int32Array
  written = 0
  /** Try writing ids on the next pass (not after a full pipe until git has answered or time passed). */
  wantsWrite = true
  eof = false
  done = 0
  private state: 'header' | 'body' | 'newline' = 'header'
  /** A header line cut by the end of a read. */
  private partial: Buffer | undefined
  private remaining = 0
  private size = 0
  private hash: Hash | undefined
  private digest = ''
  private kept: Buffer[] | undefined
  inFd: number | undefined
  outFd: number | undefined
  readonly child: ChildProcessWithoutNullStreams

  constructor(
    readonly git: GitChild,
    private readonly list: BlobList,
    private readonly share: readonly number[],
    private readonly into: BlobResults,
  ) {
    let ids = ''
    this.idStart = new Int32Array(share.length + 1)
    for (let k = 0; k < share.length; k++) {
      ids += `${list.oids[share[k]!]!}\n`
      this.idStart[k + 1] = ids.length
    }
    this.ids = Buffer.from(ids, 'latin1')
    this.child = git.child
  }

  get total(): number {
    return this.share.length
  }

  /** Where errors come from: the path the current answer is for. */
  private current(): { oid: string; path: string } {
    const i = this.share[this.done]!
    return { oid: this.list.oids[i]!, path: this.list.paths[i]! }
  }

  /** Writes what the pipe takes of the ids. */
  writeSome(): void {
    this.wantsWrite = false
    if (this.written >= this.ids.length) return
    let n: number
    // EAGAIN comes back as an exception: without a stack trace it costs a fraction as much.
    const traces = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    try {
      n = writeSync(this.inFd!, this.ids, this.written, this.ids.length - this.written)
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      if (code === 'EAGAIN') return
      // git stopped reading (it failed): what it printed, and its output's end, tell why.
      this.written = this.ids.length
      this.child.stdin.destroy()
      return
    } finally {
      Error.stackTraceLimit = traces
    }
    this.written += n
    if (this.written === this.ids.length) this.child.stdin.destroy()
  }

  /** Reads and parses what git has written; -1 when nothing was ready, 0 at the end of its output. */
  readSome(buffer: Buffer): number {
    let n: number
    const traces = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    try {
      n = readSync(this.outFd!, buffer, 0, buffer.length, null)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return -1
      throw new RelsealError('E_GIT', `could not read from git cat-file: ${(e as Error).message}`, {
        cause: e,
      })
    } finally {
      Error.stackTraceLimit = traces
    }
    if (n === 0) {
      this.eof = true
      this.child.stdout.destroy()
    } else this.parse(buffer.subarray(0, n))
    return n
  }

  /** Parses one piece of cat-file's output: `<oid> blob <size>\n<bytes>\n` an object. */
  parse(view: Buffer): void {
    const end = view.length
    let pos = 0
    while (pos < end) {
      if (this.state === 'header') {
        const nl = view.indexOf(0x0a, pos)
        if (nl < 0) {
          const rest = Buffer.from(view.subarray(pos))
          this.partial = this.partial === undefined ? rest : Buffer.concat([this.partial, rest])
          if (this.partial.length > 1024) this.refuse(this.partial, 0, 1024)
          return
        }
        if (this.partial === undefined) this.startBlob(view, pos, nl)
        else {
          const line = Buffer.concat([this.partial, view.subarray(pos, nl)])
          this.partial = undefined
          this.startBlob(line, 0, line.length)
        }
        pos = nl + 1
      } else if (this.state === 'body') {
        const take = Math.min(this.remaining, end - pos)
        const part = view.subarray(pos, pos + take)
        // A blob whose bytes are all in this read (most of a source tree) is hashed in one call.
        if (this.hash === undefined && take === this.remaining) this.digest = sha256Hex(part)
        else (this.hash ??= createHash('sha256')).update(part)
        this.kept?.push(Buffer.from(part))
        this.remaining -= take
        pos += take
        if (this.remaining === 0) this.state = 'newline'
      } else {
        if (view[pos] !== 0x0a) this.refuse(view, pos, Math.min(end, pos + 80))
        pos += 1
        this.finishBlob()
      }
    }
  }

  private startBlob(line: Buffer, start: number, end: number): void {
    if (this.done >= this.share.length) this.refuse(line, start, end)
    const idAt = this.idStart[this.done]!
    const idLen = this.idStart[this.done + 1]! - 1 - idAt
    const sizeAt = start + idLen + BLOB_TAG.length
    let size = 0
    let ok =
      end > sizeAt &&
      end - sizeAt <= 15 &&
      this.ids.compare(line, start, start + idLen, idAt, idAt + idLen) === 0 &&
      BLOB_TAG.compare(line, start + idLen, sizeAt) === 0
    for (let i = sizeAt; ok && i < end; i++) {
      const d = line[i]! - 0x30
      if (d < 0 || d > 9) ok = false
      size = size * 10 + d
    }
    if (!ok) this.refuse(line, start, end)
    const symlink = this.list.kinds[this.share[this.done]!] === RAW_SYMLINK
    if (symlink && size > MAX_LINK_TARGET_BYTES) throw linkTooLong(this.current().path, size)
    this.size = this.remaining = size
    this.hash = undefined
    this.digest = size === 0 ? EMPTY_SHA256 : ''
    this.kept = symlink ? [] : undefined
    this.state = size === 0 ? 'newline' : 'body'
  }

  private finishBlob(): void {
    const i = this.share[this.done++]!
    if (this.kept !== undefined) this.into.fixed.set(i, Buffer.concat(this.kept))
    else {
      const f = this.list.fileOf[i]!
      this.into.hex[f] = this.hash === undefined ? this.digest : this.hash.digest('hex')
      this.into.sizes[f] = this.size
    }
    this.kept = undefined
    this.hash = undefined
    this.state = 'header'
    this.report(this.size)
  }

  /** An answer that is not the blob asked for: a missing object names its path. */
  private refuse(line: Buffer, start: number, end: number): never {
    const text = line.toString('latin1', start, end)
    const blob = this.done < this.share.length ? this.current() : undefined
    const where = JSON.stringify(blob?.path)
    if (blob !== undefined && text === `${blob.oid} missing`) {
      throw new RelsealError(
        'E_GIT',
        `object ${blob.oid} (${where}) is missing from the object store; fetch the commit again`,
      )
    }
    if (blob !== undefined && text.startsWith(`${blob.oid} `)) {
      throw new RelsealError(
        'E_GIT',
        `object ${blob.oid} (${where}) is not a blob (git cat-file says ${JSON.stringify(text)}); the commit's tree is damaged, fetch it again`,
      )
    }
    throw new RelsealError(
      'E_GIT',
      `git cat-file answered ${JSON.stringify(text.slice(0, 120))} where ${blob === undefined ? 'no more objects' : `object ${blob.oid} (${where})`} was expected`,
    )
  }

  /** The error for output that ended early, once git has exited and its error output is in. */
  async stoppedEarly(): Promise<RelsealError> {
    this.child.stdin.destroy()
    this.child.stdout.destroy()
    await this.git.closed
    return new RelsealError(
      'E_GIT',
      `git cat-file stopped after ${this.done} of ${this.share.length} objects: ${this.git.stderr.trim() || 'no output'}`,
    )
  }
}

const napCell = new Int32Array(new SharedArrayBuffer(4))

/** Sleeps the calling thread (no event loop turn): git is still working on the next bytes. */
function nap(ms: number): void {
  Atomics.wait(napCell, 0, 0, ms)
}

/**
 * Feeds every stream its ids and parses all their output, until each has answered for every blob.
 *
 * The pipes are read with readSync into one 1 MiB buffer rather than through the event loop: the
 * event loop wakes for each write git makes (about one a blob), and on a tree of small files those
 * wake-ups, reads and 64 KiB Buffers cost more than hashing. Read when it has piled up, git's output
 * comes a socket buffer (~200 KB) at a time: a tenth of the reads. When nothing is ready the thread
 * naps (50 µs, doubling up to 0.5 ms), and it goes back to its event loop every 16 ms, so signals,
 * progress and git's error output are still handled.
 */
async function pump(streams: BlobStream[], how: ReadOptions): Promise<void> {
  for (const s of streams) {
    // A process that failed to start (no git on PATH) says so on the next turn of the event loop.
    if (s.child.pid === undefined) await new Promise((resolve) => setImmediate(resolve))
    if (s.git.spawnError !== undefined || s.child.pid === undefined) {
      const why = s.git.spawnError?.message ?? 'it did not start'
      throw new RelsealError('E_GIT', `could not start git cat-file: ${why}`, { cause: s.git.spawnError })
    }
  }
  const raw = streams.every((s) => {
    s.inFd = rawFd(s.child.stdin)
    s.outFd = rawFd(s.child.stdout)
    return s.inFd !== undefined && s.outFd !== undefined
  })
  if (how.events === true || !raw || !streams.every((s) => stopEventReads(s.child.stdout))) {
    how.took?.('events')
    return pumpEvents(streams)
  }
  how.took?.('direct')
  const buffer = Buffer.allocUnsafe(READ_BYTES)
  await new Promise<void>((resolve, reject) => {
    let wait = MIN_NAP_MS
    const slice = (): void => {
      const until = performance.now() + SLICE_MS
      try {
        for (;;) {
          let open = 0
          let got = 0
          for (const s of streams) {
            if (s.eof) continue
            open++
            if (s.wantsWrite) s.writeSome()
            const n = s.readSome(buffer)
            if (n > 0) {
              got += n
              // git took ids to answer: there may be room for more.
              s.wantsWrite = true
            }
          }
          if (open === 0) return resolve()
          if (got >= FULL_READ_BYTES) wait = MIN_NAP_MS
          else {
            // Little came: let git's output pile up rather than read it a blob at a time.
            nap(wait)
            wait = got > 0 ? MIN_NAP_MS : Math.min(MAX_NAP_MS, wait * 2)
            // Nothing at all came: git may be waiting for ids (with answers still in its buffer).
            if (got === 0) for (const s of streams) s.wantsWrite = true
          }
          if (performance.now() >= until) return void setImmediate(slice)
        }
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)))
      }
    }
    slice()
  })
  for (const s of streams) if (s.done < s.total) throw await s.stoppedEarly()
}

/** The same through the event loop, where a pipe has no descriptor to read directly (Windows). */
async function pumpEvents(streams: BlobStream[]): Promise<void> {
  await Promise.all(
    streams.map(
      (s) =>
        new Promise<void>((resolve, reject) => {
          s.child.stdout.on('data', (chunk: Buffer) => {
            try {
              s.parse(chunk)
            } catch (e) {
              s.child.stdout.destroy()
              reject(e instanceof Error ? e : new Error(String(e)))
            }
          })
          s.child.stdout.once('end', () => resolve())
          s.child.stdout.once('close', () => resolve())
          s.child.stdin.end(s.ids)
        }),
    ),
  )
  for (const s of streams) if (s.done < s.total) throw await s.stoppedEarly()
}
