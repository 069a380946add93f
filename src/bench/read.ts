import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { RelsealError } from '../errors.js'
import { escapeUntrusted } from '../text/escape.js'
import { MAX_BENCHMARK_REPORT_BYTES } from './report.js'

/**
 * The bytes of a report file, reading at most one byte past MAX_BENCHMARK_REPORT_BYTES, so a huge
 * file is refused by parseBenchmarkReport without being read whole. `what` names it in errors
 * (`--baseline bench.json`, `benchmark-report reports/bench.json`).
 */
export function readBenchmarkReportBytes(file: string, what: string): Buffer {
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT'
    throw new RelsealError(
      missing ? 'E_NOT_FOUND' : 'E_UNREADABLE',
      `${escapeUntrusted(what)} ${missing ? 'does not exist' : `cannot be read (${(e as Error).message})`}; give the benchmark report's path`,
      { cause: e },
    )
  }
  try {
    if (!fstatSync(fd).isFile())
      throw new RelsealError(
        'E_BAD_INPUT',
        `${escapeUntrusted(what)} is not a regular file; give the benchmark report's path`,
      )
    const buf = Buffer.alloc(MAX_BENCHMARK_REPORT_BYTES + 1)
    let n = 0
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null)
    return buf.subarray(0, n)
  } finally {
    closeSync(fd)
  }
}
