// The two-core SHA-256 limit as a process the bench can time beside relseal: two threads each hash
// half of BYTES from memory (one reused 1 MiB buffer, 1 MiB updates); no file is read.
// Usage: node bench/sha-limit.mjs BYTES
import { createHash } from 'node:crypto'
import { Worker, isMainThread, workerData } from 'node:worker_threads'

function hashBytes(bytes) {
  const buffer = Buffer.alloc(1 << 20, 7)
  const h = createHash('sha256')
  for (let done = 0; done < bytes; done += buffer.length) h.update(buffer)
  h.digest('hex')
}

if (isMainThread) {
  const half = Number(process.argv[2]) / 2
  const other = new Promise((resolve, reject) =>
    new Worker(new URL(import.meta.url), { workerData: half }).on('exit', resolve).on('error', reject),
  )
  hashBytes(half)
  await other
} else hashBytes(workerData)
