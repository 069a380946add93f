// The simplest fast path, for comparison only (issue 20): `git ls-files -z` once, then per file
// openSync, readSync into one reused 1 MiB buffer until EOF, closeSync and a one-shot SHA-256;
// no modes, links, attributes or checks. With `--threads 2` a second thread takes every other
// path. Prints nothing; the bench times it.
// With --lean, the cheapest form of what relseal must do per file: paths relative to the tree
// (the process runs in it), a one-shot crypto.hash, and the fstat that gives the file type, the
// execute bit and the size check; still no listing checks, modes, links or attributes.
// Usage: node bench/prototype-loop.mjs DIR [--threads N] [--lean]
import { execFileSync } from 'node:child_process'
import * as crypto from 'node:crypto'
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs'
import { Worker, isMainThread, workerData } from 'node:worker_threads'

const FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK

function hashLean(paths, step, offset) {
  const buffer = Buffer.allocUnsafe(1 << 20)
  let hex = ''
  for (let i = offset; i < paths.length; i += step) {
    const fd = openSync(paths[i], FLAGS)
    const n = readSync(fd, buffer, 0, buffer.length, null)
    const st = fstatSync(fd)
    closeSync(fd)
    if (!st.isFile() || st.size !== n) throw new Error(`${paths[i]}: not a small regular file`)
    hex += crypto.hash('sha256', buffer.subarray(0, n), 'hex')
  }
  return hex.length
}

function hashAll(dir, paths, step, offset, lean) {
  if (lean) return hashLean(paths, step, offset)
  const buffer = Buffer.allocUnsafe(1 << 20)
  for (let i = offset; i < paths.length; i += step) {
    const fd = openSync(`${dir}/${paths[i]}`, 'r')
    const h = crypto.createHash('sha256')
    for (let n; (n = readSync(fd, buffer, 0, buffer.length, null)) > 0;) h.update(buffer.subarray(0, n))
    closeSync(fd)
    h.digest('hex')
  }
}

if (isMainThread) {
  const dir = process.argv[2]
  const i = process.argv.indexOf('--threads')
  const threads = i > 0 ? Number(process.argv[i + 1]) : 1
  const lean = process.argv.includes('--lean')
  if (lean) process.chdir(dir)
  const paths = execFileSync('git', ['ls-files', '-z'], { cwd: dir, maxBuffer: 1 << 28 })
    .toString()
    .split('\0')
  paths.pop()
  const others = Array.from(
    { length: threads - 1 },
    (_, k) =>
      new Promise((resolve, reject) =>
        new Worker(new URL(import.meta.url), {
          workerData: { dir, paths, step: threads, offset: k + 1, lean },
        })
          .on('exit', resolve)
          .on('error', reject),
      ),
  )
  hashAll(dir, paths, threads, 0, lean)
  await Promise.all(others)
} else hashAll(workerData.dir, workerData.paths, workerData.step, workerData.offset, workerData.lean)
