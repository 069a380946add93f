/**
 * Worker-thread side of the hash pool: receives batches of files, hashes them with the same
 * `tryHashFileSync` the calling thread uses, and answers with digests or the first error.
 *
 * Messages are kept flat, because on a tree of small files the cost of passing them is of the order
 * of the cost of hashing: a batch's paths travel as one NUL-joined string, and its answer as one
 * string of hex digests plus two transferred typed arrays (sizes, executable flags).
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads'
import { RelsealError } from '../errors.js'
import { hashFileSync, READ_CHUNK_BYTES } from './read-file.js'

export const HASH_WORKER_TAG = 'relseal-hash-worker'

export interface WorkerRequest {
  batch: number
  /** Absolute paths joined by NUL (no path holds a NUL). */
  abs: string
  /** How errors name each file, joined by NUL. */
  where: string
}
export type WorkerResponse =
  | {
      batch: number
      /** 64 hex digits a file, in request order. */
      hex: string
      sizes: Float64Array
      executable: Uint8Array
    }
  | { batch: number; error: { code: string; message: string } }

if (!isMainThread && workerData === HASH_WORKER_TAG && parentPort) {
  const port = parentPort
  const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES)
  port.on('message', (req: WorkerRequest) => {
    const abs = req.abs.split('\0')
    const where = req.where.split('\0')
    const sizes = new Float64Array(abs.length)
    const executable = new Uint8Array(abs.length)
    let hex = ''
    try {
      for (let i = 0; i < abs.length; i++) {
        const d = hashFileSync(abs[i]!, where[i]!, buffer)
        hex += d.sha256
        sizes[i] = d.size
        executable[i] = d.executable ? 1 : 0
      }
      port.postMessage({ batch: req.batch, hex, sizes, executable } satisfies WorkerResponse, [
        sizes.buffer,
        executable.buffer,
      ])
    } catch (e) {
      const code = e instanceof RelsealError ? e.code : 'E_UNREADABLE'
      port.postMessage({
        batch: req.batch,
        error: { code, message: (e as Error).message },
      } satisfies WorkerResponse)
    }
  })
}
