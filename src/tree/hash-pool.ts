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
  /** Threads started ahead (startHashThreads), used instead of starting new ones; the caller closes them. */
  threads?: HashThreads
}

/** Below these, starting threads costs more than it saves. */
const INLINE_MAX_FILES = 256
const INLINE_MAX_BYTES = 32 * 1024 * 1024
/** Files per batch; fewer when there are few files, so a handful of large files still spread. */
const MAX_BATCH_FILES = 256
const BATCHES_PER_THREAD = 8
/** Batches a worker holds at once: it never waits for the calling thread between two. */
const BATCHES_IN_FLIGHT = 2
/**
 * The calling thread reads no file larger than this: one read of a multi-GB file would keep it
 * from handling SIGINT/SIGTERM for seconds (issue 23: signals end work promptly). A batch holding
 * a larger file goes to one more worker, which takes the calling thread's place.
 */
export const CALLING_THREAD_MAX_FILE_BYTES = 64 * 1024 * 1024

// The compiled worker sits beside this module in build/; when running from TypeScript sources
// (tests) or from an action bundle, it is absent and hashing stays on the calling thread. The name
// is built at run time so bundlers do not relocate the TypeScript source as an asset.
const WORKER_NAME = ['hash-worker', 'js'].join('.')
const workerFile = fileURLToPath(new URL(`./${WORKER_NAME}`, import.meta.url))

/** True when hashing threads can be started from this build. */
export function canUseHashThreads(): boolean {
  return existsSync(workerFile)
}

function defaultThreads(): number {
  return Math.min(availableParallelism(), 4)
}

function startWorker(): Worker {
  const w = new Worker(workerFile, { workerData: HASH_WORKER_TAG, execArgv: [] })
  // An idle thread never keeps the process alive; errors surface when it is given work.
  w.unref()
  w.on('error', () => {})
  return w
}

/** Worker threads started ahead of need, so that their start-up overlaps other work (listing a tree). */
export interface HashThreads {
  readonly workers: readonly Worker[]
  /** Ends the threads; safe to call more than once. */
  close(): void
}

/**
 * Starts the worker threads that hashing with `concurrency` threads uses (the calling thread is one
 * of them; default: the machine's parallelism, at most 4), or returns undefined when this build has
 * none or one thread is asked for.
 */
export function startHashThreads(concurrency?: number): HashThreads | undefined {
  const count = (concurrency ?? defaultThreads()) - 1
  if (count < 1 || !canUseHashThreads()) return undefined
  const workers = Array.from({ length: count }, startWorker)
  let closed = false
  return {
    workers,
    close: () => {
      if (closed) return
      closed = true
      for (const w of workers) void w.terminate()
    },
  }
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
  const given = options.threads?.workers.length
  const threads = Math.min(
    options.concurrency ?? (given === undefined ? defaultThreads() : given + 1),
    jobs.length,
  )
  if (threads <= 1 || (given === undefined && !canUseHashThreads())) return hashInline(jobs, options)
  const small = jobs.length < INLINE_MAX_FILES && totalSize(jobs) < INLINE_MAX_BYTES
  if (options.concurrency === undefined && small) return hashInline(jobs, options)
  const workers: Worker[] = options.threads ? options.threads.workers.slice(0, threads - 1) : []
  const own: Worker[] = []
  while (workers.length < threads - 1) {
    const w = startWorker()
    own.push(w)
    workers.push(w)
  }
  try {
    return await hashInThreads(jobs, workers, own, options)
  } finally {
    for (const w of own) void w.terminate()
  }
}

/**
 * The calling thread and `workers` take batches in turn; the calling thread hashes one batch per
 * turn of the event loop, so messages and signals are handled between two.
 */
function hashInThreads(
  jobs: readonly FileJob[],
  workers: readonly Worker[],
  own: Worker[],
  options: PoolOptions,
): Promise<FileDigest[]> {
  const results = new Array<FileDigest>(jobs.length)
  const size = Math.max(
    1,
    Math.min(MAX_BATCH_FILES, Math.ceil(jobs.length / ((workers.length + 1) * BATCHES_PER_THREAD))),
  )
  const batches = Math.ceil(jobs.length / size)
  let next = 0
  let finished = 0
  const done = { files: 0, bytes: 0 }
  return new Promise<FileDigest[]>((resolve, reject) => {
    let settled = false
    const detach: (() => void)[] = []
    const busy: Worker[] = []
    const settle = (): void => {
      settled = true
      for (const off of detach) off()
      for (const w of busy) w.unref()
    }
    const fail = (err: Error): void => {
      if (settled) return
      settle()
      // A thread may still be reading; ending it stops the rest of the work at once.
      for (const w of busy) void w.terminate()
      reject(err)
    }
    const finish = (): void => {
      options.onProgress?.({ ...done })
      if (++finished === batches) {
        settle()
        resolve(results)
      }
    }
    const send = (w: Worker, start: number): void => {
      const end = Math.min(start + size, jobs.length)
      let abs = jobs[start]!.abs
      let where = jobs[start]!.where
      for (let i = start + 1; i < end; i++) {
        abs += `\0${jobs[i]!.abs}`
        where += `\0${jobs[i]!.where}`
      }
      w.postMessage({ batch: start, abs, where } satisfies WorkerRequest)
    }
    const feed = (w: Worker): void => {
      if (next < batches) send(w, next++ * size)
    }
    const stopped = (code: number): void =>
      fail(new RelsealError('E_UNREADABLE', `a hashing thread stopped early (exit ${code}); hash again`))
    const use = (w: Worker, first?: number): void => {
      const message = (res: WorkerResponse): void => {
        if (settled) return
        if ('error' in res)
          return fail(new RelsealError(res.error.code as RelsealErrorCode, res.error.message))
        const { batch, hex, sizes, executable } = res
        for (let k = 0; k < sizes.length; k++) {
          results[batch + k] = {
            sha256: hex.slice(k * 64, k * 64 + 64),
            size: sizes[k]!,
            executable: executable[k] === 1,
          }
          done.bytes += sizes[k]!
        }
        done.files += sizes.length
        finish()
        if (!settled) feed(w)
      }
      w.on('message', message).on('error', fail).on('exit', stopped)
      detach.push(() => w.off('message', message).off('error', fail).off('exit', stopped))
      busy.push(w)
      // A working thread keeps the process alive until its answer is in.
      w.ref()
      if (first !== undefined) send(w, first)
      for (let k = first === undefined ? 0 : 1; k < BATCHES_IN_FLIGHT; k++) feed(w)
    }
    const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES)
    const hashHere = (): void => {
      if (settled || next >= batches) return
      const start = next++ * size
      const end = Math.min(start + size, jobs.length)
      let bytes = 0
      try {
        for (let i = start; i < end; i++) {
          const d = tryHashFileSync(jobs[i]!.abs, jobs[i]!.where, buffer, CALLING_THREAD_MAX_FILE_BYTES)
          if (d === undefined) {
            // Too large to read here: one more worker takes this batch, and the calling thread's place.
            const w = startWorker()
            own.push(w)
            return use(w, start)
          }
          results[i] = d
          bytes += d.size
        }
      } catch (e) {
        return fail(e as Error)
      }
      done.files += end - start
      done.bytes += bytes
      finish()
      setImmediate(hashHere)
    }
    for (const w of workers) use(w)
    setImmediate(hashHere)
  })
}
