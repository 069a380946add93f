import { existsSync, lstatSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { RelsealError, type RelsealErrorCode } from '../errors.js'
import { HASH_WORKER_TAG, type WorkerRequest, type WorkerResponse } from './hash-worker.js'
import { hashFileSync, READ_CHUNK_BYTES, tryHashFileSync, type FileDigest } from './read-file.js'

export interface FileJob {
  /** Absolute path to read. */
  abs: string
  /** How errors name the file (its tree-relative path). */
  where: string
}

export interface PoolOptions {
  /** Hashing threads; 1 hashes on the calling thread. Default: the machine's parallelism, at most 4. */
  concurrency?: number
  onProgress?: (done: { files: number; bytes: number }) => void
}

/** Below these, starting threads costs more than it saves. */
const INLINE_MAX_FILES = 256
const INLINE_MAX_BYTES = 32 * 1024 * 1024
/** Files per message to a thread; fewer when there are few files, so a handful of large files still spread. */
const MAX_BATCH_FILES = 64
const BATCHES_PER_THREAD = 8
/**
 * The calling thread reads no file larger than this: one read of a multi-GB file would keep it
 * from handling SIGINT/SIGTERM for seconds (issue 23: signals end work promptly). A batch holding
 * a larger file goes to one more worker, which takes the calling thread's place.
 */
const CALLING_THREAD_MAX_FILE_BYTES = 64 * 1024 * 1024

// The compiled worker sits beside this module in build/; when running from TypeScript sources
// (tests) or from an action bundle, it is absent and hashing stays on the calling thread. The name
// is built at run time so bundlers do not relocate the TypeScript source as an asset.
const WORKER_NAME = ['hash-worker', 'js'].join('.')
const workerFile = fileURLToPath(new URL(`./${WORKER_NAME}`, import.meta.url))

/** True when hashing threads can be started from this build. */
export function canUseHashThreads(): boolean {
  return existsSync(workerFile)
}

function totalSize(jobs: readonly FileJob[]): number {
  let sum = 0
  for (const j of jobs) {
    try {
      sum += lstatSync(j.abs).size
    } catch {
      /* the hasher reports the real error */
    }
  }
  return sum
}

function hashInline(jobs: readonly FileJob[], options: PoolOptions): FileDigest[] {
  const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES)
  let bytes = 0
  return jobs.map((j, i) => {
    const d = hashFileSync(j.abs, j.where, buffer)
    bytes += d.size
    if (options.onProgress && (i % 512 === 511 || i === jobs.length - 1))
      options.onProgress({ files: i + 1, bytes })
    return d
  })
}

/**
 * Hashes files in parallel threads (each streams its files) and returns digests in the order of
 * `jobs`, whatever the thread count, so results are deterministic.
 */
export async function hashFiles(jobs: readonly FileJob[], options: PoolOptions = {}): Promise<FileDigest[]> {
  const threads = Math.max(
    1,
    Math.min(options.concurrency ?? Math.min(availableParallelism(), 4), jobs.length),
  )
  const small = jobs.length < INLINE_MAX_FILES && totalSize(jobs) < INLINE_MAX_BYTES
  if (threads === 1 || !canUseHashThreads() || (options.concurrency === undefined && small)) {
    return hashInline(jobs, options)
  }
  return hashInThreads(jobs, threads, options)
}

function hashInThreads(
  jobs: readonly FileJob[],
  threads: number,
  options: PoolOptions,
): Promise<FileDigest[]> {
  const results = new Array<FileDigest>(jobs.length)
  const size = Math.max(1, Math.min(MAX_BATCH_FILES, Math.ceil(jobs.length / (threads * BATCHES_PER_THREAD))))
  const batches: number[] = []
  for (let start = 0; start < jobs.length; start += size) batches.push(start)
  let next = 0
  let finished = 0
  let done = { files: 0, bytes: 0 }
  const workers: Worker[] = []
  return new Promise<FileDigest[]>((resolve, reject) => {
    let failed = false
    const fail = (err: Error): void => {
      failed = true
      for (const w of workers) void w.terminate()
      reject(err)
    }
    const record = (batch: number, digests: FileDigest[]): void => {
      digests.forEach((d, k) => {
        results[batch + k] = d
        done = { files: done.files + 1, bytes: done.bytes + d.size }
      })
      options.onProgress?.(done)
      finished++
      if (finished === batches.length) {
        for (const x of workers) void x.terminate()
        resolve(results)
      }
    }
    const feed = (w: Worker): void => {
      if (next >= batches.length) return
      const start = batches[next++]!
      const req: WorkerRequest = { batch: start, files: jobs.slice(start, start + size) }
      w.postMessage(req)
    }
    const startWorker = (first?: WorkerRequest): void => {
      const w = new Worker(workerFile, { workerData: HASH_WORKER_TAG, execArgv: [] })
      workers.push(w)
      w.on('error', fail)
      w.on('message', (res: WorkerResponse) => {
        if ('error' in res)
          return fail(new RelsealError(res.error.code as RelsealErrorCode, res.error.message))
        record(res.batch, res.digests)
        feed(w)
      })
      if (first) w.postMessage(first)
      // Two batches in flight: the worker never waits while this thread is busy hashing.
      feed(w)
      if (!first) feed(w)
    }
    // The calling thread hashes too, one batch per turn of the event loop, so `threads` threads
    // need one worker fewer (a worker costs an isolate: tens of MB).
    const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES)
    const hashHere = (): void => {
      if (failed || next >= batches.length) return
      const start = batches[next++]!
      const files = jobs.slice(start, start + size)
      const digests: FileDigest[] = []
      try {
        for (const j of files) {
          const d = tryHashFileSync(j.abs, j.where, buffer, CALLING_THREAD_MAX_FILE_BYTES)
          if (d === undefined) return startWorker({ batch: start, files })
          digests.push(d)
        }
      } catch (e) {
        return fail(e as Error)
      }
      record(start, digests)
      setImmediate(hashHere)
    }
    for (let i = 0; i < threads - 1; i++) startWorker()
    setImmediate(hashHere)
  })
}
