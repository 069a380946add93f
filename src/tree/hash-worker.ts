/**
 * Worker-thread side of the hash pool: receives batches of files, hashes them with the same
 * `hashFileSync` the main thread uses, and answers with digests or the first error.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads'
import { RelsealError } from '../errors.js'
import { hashFileSync, READ_CHUNK_BYTES, type FileDigest } from './read-file.js'

export const HASH_WORKER_TAG = 'relseal-hash-worker'

export interface WorkerRequest {
  batch: number
  files: { abs: string; where: string }[]
}
export type WorkerResponse =
  { batch: number; digests: FileDigest[] } | { batch: number; error: { code: string; message: string } }

if (!isMainThread && workerData === HASH_WORKER_TAG && parentPort) {
  const port = parentPort
  const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES)
  port.on('message', (req: WorkerRequest) => {
    try {
      const digests = req.files.map((f) => hashFileSync(f.abs, f.where, buffer))
      port.postMessage({ batch: req.batch, digests } satisfies WorkerResponse)
    } catch (e) {
      const code = e instanceof RelsealError ? e.code : 'E_UNREADABLE'
      port.postMessage({
        batch: req.batch,
        error: { code, message: (e as Error).message },
      } satisfies WorkerResponse)
    }
  })
}
