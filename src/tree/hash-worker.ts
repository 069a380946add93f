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
  /** Tree-relative paths joined by NUL (no path holds a NUL); errors name files by them. */
  paths: string
  /** Files per batch: batch b is paths [b × batchFiles, (b + 1) × batchFiles). */
  batchFiles: number
  /** Int32Array: next batch to take, stop flag, files done. */
  control: SharedArrayBuffer
  /** Float64Array: bytes hashed, one slot per thread. */
  bytes: SharedArrayBuffer
  slot: number
  hex: SharedArrayBuffer
  sizes: SharedArrayBuffer
  executable: SharedArrayBuffer
  /** A batch to hash before taking others (one the calling thread handed over). */
  first?: number
}
export type WorkerResponse = { done: true } | { error: { code: string; message: string } }

/** Hashes batches of `paths` until none is left or another thread has failed. */
export function hashBatches(
  paths: readonly string[],
  base: string,
  batchFiles: number,
  control: Int32Array,
  bytes: Float64Array,
  slot: number,
  out: Digests,
  buffer: Buffer,
  first?: number,
): void {
  const batches = Math.ceil(paths.length / batchFiles)
  for (
    let b = first ?? Atomics.add(control, NEXT_BATCH, 1);
    b < batches && Atomics.load(control, STOP) === 0;
    b = Atomics.add(control, NEXT_BATCH, 1)
  ) {
    const start = b * batchFiles
    const end = Math.min(start + batchFiles, paths.length)
    let sum = 0
    for (let i = start; i < end; i++) {
      const path = paths[i]!
      hashFileInto(base + path, path, buffer, Number.POSITIVE_INFINITY, out, i)
      sum += out.sizes[i]!
    }
    bytes[slot] = bytes[slot]! + sum
    Atomics.add(control, FILES_DONE, end - start)
  }
}

if (!isMainThread && workerData === HASH_WORKER_TAG && parentPort) {
  const port = parentPort
  const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES)
  port.on('message', (job: WorkerJob) => {
    const control = new Int32Array(job.control)
    try {
      const out: Digests = {
        hex: Buffer.from(job.hex),
        sizes: new Float64Array(job.sizes),
        executable: new Uint8Array(job.executable),
      }
      const bytes = new Float64Array(job.bytes)
      hashBatches(
        job.paths.split('\0'),
        job.base,
        job.batchFiles,
        control,
        bytes,
        job.slot,
        out,
        buffer,
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
