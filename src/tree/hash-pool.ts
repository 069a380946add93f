import { existsSync, lstatSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { RelsealError, type RelsealErrorCode } from '../errors.js'
import {
  CONTROL_SLOTS,
  FILES_DONE,
  hashBatch,
  HASH_WORKER_TAG,
  NEXT_BATCH,
  STOP,
  type BatchContext,
  type WorkerJob,
  type WorkerResponse,
} from './hash-worker.js'
import { allocDigests, hashFileInto, READ_CHUNK_BYTES, type Digests } from './read-file.js'

export interface PoolOptions {
  /** Hashing threads; 1 hashes on the calling thread. Default: the machine's parallelism, at most 4. */
  concurrency?: number
  onProgress?: (done: { files: number; bytes: number }) => void
  /** Threads started ahead (startHashThreads), used instead of starting new ones; the caller closes them. */
  threads?: HashThreads
  /**
   * Told, on the calling thread and while other threads hash, that the digests of the first
   * `ready` files are final (`ready` only grows; `digests` is the object hashFiles returns).
   */
  onReady?: (digests: Digests, ready: number) => void
}

/** Below these, starting threads costs more than it saves. */
const INLINE_MAX_FILES = 256
const INLINE_MAX_BYTES = 32 * 1024 * 1024
/**
 * Files per batch; fewer when there are few files, so a handful of large files still spread.
 * Threads take batches from a shared counter, so a batch costs no message and batches can be small.
 */
const MAX_BATCH_FILES = 64
const BATCHES_PER_THREAD = 16
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

function totalSize(base: string, paths: readonly string[]): number {
  let sum = 0
  for (const p of paths) {
    try {
      sum += lstatSync(base + p).size
    } catch {
      /* the hasher reports the real error */
    }
  }
  return sum
}

function hashInline(base: string, paths: readonly string[], options: PoolOptions): Digests {
  const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES)
  const out = allocDigests(paths.length, false)
  let bytes = 0
  for (let i = 0; i < paths.length; i++) {
    hashFileInto(base + paths[i]!, paths[i]!, buffer, Number.POSITIVE_INFINITY, out, i)
    bytes += out.sizes[i]!
    if (options.onProgress && (i % 512 === 511 || i === paths.length - 1))
      options.onProgress({ files: i + 1, bytes })
  }
  return out
}

/**
 * Hashes the files `base + path` for each of `paths` (errors name a file by its path) in parallel
 * threads (each streams its files) and returns their digests in the order of `paths`, whatever the
 * thread count, so results are deterministic. `base` is '' (paths relative to the process's
 * directory) or a directory ending in `/`.
 */
export async function hashFiles(
  base: string,
  paths: readonly string[],
  options: PoolOptions = {},
): Promise<Digests> {
  const given = options.threads?.workers.length
  const threads = Math.min(
    options.concurrency ?? (given === undefined ? defaultThreads() : given + 1),
    paths.length,
  )
  if (threads <= 1 || (given === undefined && !canUseHashThreads())) return hashInline(base, paths, options)
  const small = paths.length < INLINE_MAX_FILES && totalSize(base, paths) < INLINE_MAX_BYTES
  if (options.concurrency === undefined && small) return hashInline(base, paths, options)
  const workers: Worker[] = options.threads ? options.threads.workers.slice(0, threads - 1) : []
  const own: Worker[] = []
  while (workers.length < threads - 1) {
    const w = startWorker()
    own.push(w)
    workers.push(w)
  }
  try {
    return await hashInThreads(base, paths, workers, own, options)
  } finally {
    for (const w of own) void w.terminate()
  }
}

/**
 * The calling thread and `workers` take batches from a shared counter; the calling thread hashes
 * one batch per turn of the event loop, so that messages and signals are handled between two.
 */
function hashInThreads(
  base: string,
  paths: readonly string[],
  workers: readonly Worker[],
  own: Worker[],
  options: PoolOptions,
): Promise<Digests> {
  const n = paths.length
  const out = allocDigests(n, true)
  const control = new Int32Array(new SharedArrayBuffer(CONTROL_SLOTS * 4))
  // One slot per thread: the calling thread, the workers, and one that may take its place.
  const bytes = new Float64Array(new SharedArrayBuffer((workers.length + 2) * 8))
  const batchFiles = Math.max(
    1,
    Math.min(MAX_BATCH_FILES, Math.ceil(n / ((workers.length + 1) * BATCHES_PER_THREAD))),
  )
  const batches = Math.ceil(n / batchFiles)
  // A thread sets a batch's flag once its digests are written: batches done in a row from the first
  // are final for onReady.
  const batchDone = new Int32Array(new SharedArrayBuffer(batches * 4))
  let prefix = 0
  const tellReady = (): void => {
    const before = prefix
    while (prefix < batches && Atomics.load(batchDone, prefix) === 1) prefix++
    if (prefix > before) options.onReady?.(out, Math.min(prefix * batchFiles, n))
  }
  const job = {
    base,
    paths: `${paths.join('\0')}\0`,
    batchFiles,
    control: control.buffer,
    bytes: bytes.buffer,
    batchDone: batchDone.buffer,
    hex: out.hex.buffer as SharedArrayBuffer,
    sizes: out.sizes.buffer as SharedArrayBuffer,
    executable: out.executable.buffer as SharedArrayBuffer,
  }
  const progress = (): void =>
    options.onProgress?.({
      files: Atomics.load(control, FILES_DONE),
      bytes: bytes.reduce((a, b) => a + b, 0),
    })
  return new Promise<Digests>((resolve, reject) => {
    let settled = false
    let working = 0
    let hereDone = false
    const detach: (() => void)[] = []
    const busy: Worker[] = []
    // Workers report nothing until they are done: progress is read from the shared counters.
    const timer = options.onProgress ? setInterval(progress, 100) : undefined
    const settle = (): void => {
      settled = true
      clearInterval(timer)
      for (const off of detach) off()
      for (const w of busy) w.unref()
    }
    const fail = (err: Error): void => {
      if (settled) return
      Atomics.store(control, STOP, 1)
      settle()
      // A thread may still be reading; ending it stops the rest of the work at once.
      for (const w of busy) void w.terminate()
      reject(err)
    }
    const finishIfDone = (): void => {
      if (settled || !hereDone || working > 0) return
      settle()
      progress()
      resolve(out)
    }
    const stopped = (code: number): void =>
      fail(new RelsealError('E_UNREADABLE', `a hashing thread stopped early (exit ${code}); hash again`))
    const use = (w: Worker, slot: number, first?: number): void => {
      const message = (res: WorkerResponse): void => {
        if (settled) return
        if ('error' in res)
          return fail(new RelsealError(res.error.code as RelsealErrorCode, res.error.message))
        working--
        finishIfDone()
      }
      w.on('message', message).on('error', fail).on('exit', stopped)
      detach.push(() => w.off('message', message).off('error', fail).off('exit', stopped))
      busy.push(w)
      // A working thread keeps the process alive until its answer is in.
      w.ref()
      working++
      w.postMessage({ ...job, slot, ...(first === undefined ? {} : { first }) } satisfies WorkerJob)
    }
    const here: BatchContext = {
      count: n,
      pathOf: (i) => paths[i]!,
      base,
      batchFiles,
      control,
      bytes,
      slot: 0,
      batchDone,
      out,
      buffer: Buffer.allocUnsafe(READ_CHUNK_BYTES),
    }
    const hashHere = (): void => {
      if (settled) return
      const b = Atomics.add(control, NEXT_BATCH, 1)
      if (b >= batches) {
        hereDone = true
        return finishIfDone()
      }
      try {
        if (!hashBatch(here, b, CALLING_THREAD_MAX_FILE_BYTES)) {
          // Too large to read here: one more worker takes this batch, and the calling thread's place.
          const w = startWorker()
          own.push(w)
          hereDone = true
          return use(w, workers.length + 1, b)
        }
      } catch (e) {
        return fail(e as Error)
      }
      if (options.onReady) {
        try {
          tellReady()
        } catch (e) {
          return fail(e as Error)
        }
      }
      setImmediate(hashHere)
    }
    workers.forEach((w, k) => use(w, k + 1))
    setImmediate(hashHere)
  })
}
