import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'

let counter = 0

/** A temp name beside `path`, unique to this process and call. */
export function tempNameFor(path: string): string {
  return `${path}.tmp-${process.pid}-${Date.now()}-${counter++}`
}

/** Writes `data` to a temp file, fsyncs it and renames it over `path`: readers see old or new, never half. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = tempNameFor(path)
  const fd = openSync(tmp, 'wx', 0o644)
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  try {
    renameSync(tmp, path)
  } catch (e) {
    rmSync(tmp, { force: true })
    throw e
  }
  syncDir(dirname(path))
}

/** fsync a directory so a rename in it survives a crash. */
export function syncDir(dir: string): void {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}
