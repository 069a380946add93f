import { createHash } from 'node:crypto'
import { RelsealError } from '../errors.js'
import type { TreeEntry } from './entry.js'

/**
 * coreutils (9.x) escapes `\`, newline and carriage return in names and then starts the line
 * with a backslash, so that `sha256sum -c` can read the names back.
 */
const NEEDS_ESCAPE = /[\\\n\r]/

function escapeName(name: string): string {
  return name.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
}

function unescapeName(escaped: string, lineNo: number): string {
  return escaped.replace(/\\(.?)/g, (_m, c: string) => {
    if (c === '\\') return '\\'
    if (c === 'n') return '\n'
    if (c === 'r') return '\r'
    throw new RelsealError(
      'E_BAD_INPUT',
      `file manifest line ${lineNo}: unknown escape "\\${c}" in a file name`,
    )
  })
}

/** One line of the file manifest: what sha256sum prints for `path` with digest `sha256`. */
export function manifestLine(sha256: string, path: string): string {
  if (!NEEDS_ESCAPE.test(path)) return `${sha256}  ${path}\n`
  return `\\${sha256}  ${escapeName(path)}\n`
}

/**
 * The file manifest: exactly what `sha256sum` prints for the tree's regular and executable
 * files, in byte order of path, so `sha256sum -c` run in the tree passes.
 */
export function fileManifestOf(entries: readonly TreeEntry[]): string {
  let text = ''
  for (const e of entries) {
    if (e.kind !== 'file' && e.kind !== 'executable') continue
    text += manifestLine(e.sha256, e.path)
  }
  return text
}

/** `sha256:<hex>` of the manifest text's UTF-8 bytes: the file-manifest hash. */
export function fileManifestHashOf(text: string): string {
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`
}

// dotAll: a name may hold U+2028/U+2029, which sha256sum writes as they are and `.` would not match.
const LINE = /^(\\?)([0-9a-f]{64}) [ *](.+)$/s

/**
 * Parses sha256sum-format text (as written by `fileManifestOf` or `sha256sum`) into
 * path → hex digest. Malformed lines and duplicate paths are refused with E_BAD_INPUT.
 */
export function parseFileManifest(text: string): Map<string, string> {
  const out = new Map<string, string>()
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  lines.forEach((line, i) => {
    const m = LINE.exec(line)
    if (!m) {
      throw new RelsealError(
        'E_BAD_INPUT',
        `file manifest line ${i + 1} is not "<64 hex digits>  <name>" (sha256sum format); regenerate it with relseal hash --files`,
      )
    }
    const path = m[1] ? unescapeName(m[3]!, i + 1) : m[3]!
    if (out.has(path))
      throw new RelsealError('E_BAD_INPUT', `file manifest lists ${JSON.stringify(path)} twice`)
    out.set(path, m[2]!)
  })
  return out
}

/** Paths whose digest differs, or that only one of two file manifests lists, in sorted order. */
export function diffFileManifests(expected: string, actual: string): string[] {
  const want = parseFileManifest(expected)
  const got = parseFileManifest(actual)
  const differing = new Set<string>()
  for (const [path, digest] of want) if (got.get(path) !== digest) differing.add(path)
  for (const path of got.keys()) if (!want.has(path)) differing.add(path)
  return [...differing].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
}
