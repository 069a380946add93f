import { RelsealError, type RelsealErrorCode } from '../errors.js'

/**
 * What an ordinary file-system mistake means to the person who typed the command. A raw Node error
 * with one of these codes reaching the CLI is a wrong path, not a bug, so it is reported as a
 * RelsealError (exit 2) naming the path, never as "internal error" with a stack trace.
 */
const MISTAKES: Record<string, { code: RelsealErrorCode; says: (path: string) => string }> = {
  ENOENT: { code: 'E_NOT_FOUND', says: (p) => `no such file or folder: ${p}; check the path` },
  ENOTDIR: { code: 'E_NOT_FOUND', says: (p) => `a part of ${p} is a file, not a folder; check the path` },
  EISDIR: { code: 'E_BAD_INPUT', says: (p) => `${p} is a folder; pass a file` },
  EACCES: { code: 'E_IO', says: (p) => `permission denied: ${p}; check its owner and mode` },
  EPERM: { code: 'E_IO', says: (p) => `operation not permitted on ${p}; check its owner and mode` },
  EROFS: { code: 'E_IO', says: (p) => `${p} is on a read-only file system` },
  ENOSPC: { code: 'E_IO', says: (p) => `no space left on the device holding ${p}` },
  EEXIST: { code: 'E_EXISTS', says: (p) => `${p} already exists` },
}

/** The RelsealError for a Node file-system error, or undefined when `e` is something else. */
export function fromFileSystemError(e: unknown): RelsealError | undefined {
  if (!(e instanceof Error)) return undefined
  const { code, path } = e as NodeJS.ErrnoException
  const mistake = code === undefined || !Object.hasOwn(MISTAKES, code) ? undefined : MISTAKES[code]
  if (mistake === undefined) return undefined
  return new RelsealError(mistake.code, mistake.says(path ?? 'a path given'), { cause: e })
}
