// The simplest fast path, for comparison only (issue 20): `git ls-files -z` once, then per file
// openSync, readSync into one reused 1 MiB buffer until EOF, closeSync and a one-shot SHA-256;
// no modes, links, attributes or checks. With `--threads 2` a second thread takes every other
// path. Prints nothing; the bench times it. Usage: node bench/prototype-loop.mjs DIR [--threads N]
import { execFileSync } from 'node:child_process'
import * as crypto from 'node:crypto'
import { closeSync, openSync, readSync } from 'node:fs'
import { Worker, isMainThread, workerData } from 'node:worker_threads'

function hashAll(dir, paths, step, offset) {
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
  const paths = execFileSync('git', ['ls-files', '-z'], { cwd: dir, maxBuffer: 1 << 28 })
    .toString()
    .split('\0')
  paths.pop()
  const others = Array.from(
    { length: threads - 1 },
    (_, k) =>
      new Promise((resolve, reject) =>
        new Worker(new URL(import.meta.url), { workerData: { dir, paths, step: threads, offset: k + 1 } })
          .on('exit', resolve)
          .on('error', reject),
      ),
  )
  hashAll(dir, paths, threads, 0)
  await Promise.all(others)
} else hashAll(workerData.dir, workerData.paths, workerData.step, workerData.offset)
