/**
 * Worker-thread side of the hash pool: takes one job (the list of files, and shared memory for the
 * results), hashes batches of it with the same code the calling thread uses until none is left,
 * and answers once: done, or the first error.
 *
 * Nothing travels per batch, because on a tree of small files passing messages costs as much as
 * hashing: the paths come once as one NUL-joined string; every thread takes the next batch from a
 * shared counter and writes digests, sizes and executable flags in place.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads'
import { RelsealError } from '../errors.js'
import { hashFileInto, READ_CHUNK_BYTES, type Digests } from './read-file.js'

export const HASH_WORKER_TAG = 'relseal-hash-worker'

/** Slots of the shared control array (Int32Array). */
export const NEXT_BATCH = 0
export const STOP = 1
export const FILES_DONE = 2
export const CONTROL_SLOTS = 3

export interface WorkerJob {
  /** Prefix of every path when opening it: '' (relative to the process's directory) or `dir/`. */
  base: string
  /** Tree-relative paths, each ended by a NUL (no path holds one); errors name files by them. */
  paths: string
  /** Files per batch: batch b is paths [b × batchFiles, (b + 1) × batchFiles). */
  batchFiles: number
  /** Int32Array: next batch to take, stop flag, files done. */
  control: SharedArrayBuffer
  /** Float64Array: bytes hashed, one slot per thread. */
  bytes: SharedArrayBuffer
  /** Int32Array: 1 once a batch's digests are written. */
  batchDone: SharedArrayBuffer
  slot: number
  hex: SharedArrayBuffer
  sizes: SharedArrayBuffer
  executable: SharedArrayBuffer
  /** A batch to hash before taking others (one the calling thread handed over). */
  first?: number
}
export type WorkerResponse = { done: true } | { error: { code: string; message: string } }

/** What one thread needs to hash batches of a job: the files, the shared results and counters. */
export interface BatchContext {
  count: number
  pathOf: (i: number) => string
  base: string
  batchFiles: number
  control: Int32Array
  /** Bytes hashed, one slot per thread; this thread adds to `bytes[slot]`. */
  bytes: Float64Array
  slot: number
  batchDone: Int32Array
  out: Digests
  buffer: Buffer
}

/**
 * Hashes batch `b` and marks it done (its bytes, the files-done counter, then its flag, which
 * tells readers its digests are final). False, with the batch left unmarked, when a file is larger
 * than `maxBytes` (the calling thread hands such a batch to a worker).
 */
export function hashBatch(ctx: BatchContext, b: number, maxBytes: number): boolean {
  const { out } = ctx
  const start = b * ctx.batchFiles
  const end = Math.min(start + ctx.batchFiles, ctx.count)
  let sum = 0
  for (let i = start; i < end; i++) {
    const path = ctx.pathOf(i)
    if (!hashFileInto(ctx.base + path, path, ctx.buffer, maxBytes, out, i)) return false
    sum += out.sizes[i]!
  }
  ctx.bytes[ctx.slot] = ctx.bytes[ctx.slot]! + sum
  Atomics.add(ctx.control, FILES_DONE, end - start)
  Atomics.store(ctx.batchDone, b, 1)
  return true
}

/** Hashes batches (`first`, then from the shared counter) until none is left or another thread has failed. */
function hashBatches(ctx: BatchContext, first?: number): void {
  const batches = Math.ceil(ctx.count / ctx.batchFiles)
  for (
    let b = first ?? Atomics.add(ctx.control, NEXT_BATCH, 1);
    b < batches && Atomics.load(ctx.control, STOP) === 0;
    b = Atomics.add(ctx.control, NEXT_BATCH, 1)
  )
    hashBatch(ctx, b, Number.POSITIVE_INFINITY)
}

/**
 * Where each path of a NUL-terminated list starts. Paths are sliced from the list when opened,
 * not split up front: tens of thousands of strings alive for the whole job made the garbage
 * collector copy them from one generation to the next.
 */
function pathStarts(list: string): Int32Array {
  let count = 0
  for (let p = list.indexOf('\0'); p >= 0; p = list.indexOf('\0', p + 1)) count++
  const starts = new Int32Array(count + 1)
  for (let i = 0, p = 0; i < count; i++) {
    starts[i] = p
    p = list.indexOf('\0', p) + 1
  }
  starts[count] = list.length
  return starts
}

if (!isMainThread && workerData === HASH_WORKER_TAG && parentPort) {
  const port = parentPort
  const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES)
  port.on('message', (job: WorkerJob) => {
    const control = new Int32Array(job.control)
    try {
      const list = job.paths
      const starts = pathStarts(list)
      hashBatches(
        {
          count: starts.length - 1,
          pathOf: (i) => list.slice(starts[i], starts[i + 1]! - 1),
          base: job.base,
          batchFiles: job.batchFiles,
          control,
          bytes: new Float64Array(job.bytes),
          slot: job.slot,
          batchDone: new Int32Array(job.batchDone),
          out: {
            hex: Buffer.from(job.hex),
            sizes: new Float64Array(job.sizes),
            executable: new Uint8Array(job.executable),
          },
          buffer,
        },
        job.first,
      )
      port.postMessage({ done: true } satisfies WorkerResponse)
    } catch (e) {
      Atomics.store(control, STOP, 1)
      const code = e instanceof RelsealError ? e.code : 'E_UNREADABLE'
      port.postMessage({ error: { code, message: (e as Error).message } } satisfies WorkerResponse)
    }
  })
}
