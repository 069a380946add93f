/**
 * Extraction of a verified `.tar.gz` release into a fresh folder (issue 17, item 2). The archive's
 * digest has matched its signed entry before this runs; the archive is still read as hostile:
 * every entry is checked in a first pass, before anything is written, and extraction runs only
 * when all passed (zip-slip: absolute paths, `..`, links that leave the folder, entries through
 * a link, device files, FIFOs and hard links are refused; entry count and size are capped).
 */
import { mkdirSync, readdirSync } from 'node:fs'
import { posix } from 'node:path'
import { list, extract, type ReadEntry } from 'tar'
import { RelsealError } from '../errors.js'
import { escapeUntrusted } from '../text/escape.js'

/** Entries a release archive may hold. */
export const MAX_TARBALL_ENTRIES = 200_000
/** Bytes its files may add up to once extracted. */
export const MAX_TARBALL_BYTES = 4 * 1024 * 1024 * 1024

export interface TarballCaps {
  maxEntries?: number
  maxBytes?: number
}

const ALLOWED = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink'])

/** Why an entry was refused, in `details.reason` for callers and tests. */
export type TarballRefusal =
  'absolute' | 'dot-dot' | 'root' | 'type' | 'link-outside' | 'through-link' | 'twice'

function refuse(path: string, why: string, reason: TarballRefusal): RelsealError {
  return new RelsealError(
    'E_BAD_INPUT',
    `the release archive's entry "${escapeUntrusted(path)}" ${why}; the archive is refused and nothing was extracted`,
    { details: { entry: path, reason } },
  )
}

/** The entry's path, relative and normalised ('' for the root folder), or a refusal (absolute, `..`). */
function safePath(raw: string, type: string): string {
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw) || raw.includes('\\') || raw.includes('\0'))
    throw refuse(raw, 'is an absolute path or uses backslashes', 'absolute')
  const parts = raw.split('/').filter((s) => s !== '' && s !== '.')
  if (parts.includes('..')) throw refuse(raw, 'contains ".."', 'dot-dot')
  if (parts.length === 0 && type !== 'Directory') throw refuse(raw, 'names the archive root', 'root')
  return parts.join('/')
}

/** Walks a link target from the link's folder: it must stay inside and not pass through another link. */
function checkLinkTarget(path: string, target: string, links: Set<string>): void {
  if (target.startsWith('/') || target === '')
    throw refuse(path, `links to "${escapeUntrusted(target)}", outside the release`, 'link-outside')
  const at = posix.dirname(path) === '.' ? [] : posix.dirname(path).split('/')
  const steps = target.split('/').filter((s) => s !== '' && s !== '.')
  for (const [i, s] of steps.entries()) {
    if (s === '..') {
      if (at.length === 0)
        throw refuse(path, `links to "${escapeUntrusted(target)}", outside the release`, 'link-outside')
      at.pop()
    } else at.push(s)
    // A link named on the way (not as the last step) could lead anywhere: refused.
    if (i < steps.length - 1 && links.has(at.join('/')))
      throw refuse(path, `links through another link (${escapeUntrusted(at.join('/'))})`, 'through-link')
  }
}

interface Listed {
  path: string
  type: string
  linkpath?: string
}

/** Pass 1: every entry checked, nothing written. */
async function checkEntries(archive: string, caps: Required<TarballCaps>): Promise<number> {
  const entries: Listed[] = []
  let bytes = 0
  let problem: RelsealError | undefined
  await list({
    file: archive,
    strict: true,
    onReadEntry: (e: ReadEntry) => {
      if (problem) return
      try {
        if (!ALLOWED.has(e.type))
          throw refuse(
            e.path,
            `is a ${e.type} entry; a release holds files, folders and symlinks only`,
            'type',
          )
        const path = safePath(e.path, e.type)
        // `./` itself (tar -C dir .) is the release folder, made anyway
        if (path !== '') entries.push({ path, type: e.type, ...(e.linkpath ? { linkpath: e.linkpath } : {}) })
        bytes += e.size ?? 0
        if (entries.length > caps.maxEntries)
          throw new RelsealError(
            'E_TOO_LARGE',
            `the release archive has more than ${caps.maxEntries} entries; refused`,
          )
        if (bytes > caps.maxBytes)
          throw new RelsealError(
            'E_TOO_LARGE',
            `the release archive holds more than ${caps.maxBytes} bytes; refused`,
          )
      } catch (err) {
        problem = err as RelsealError
      }
    },
  }).catch((e: unknown) => {
    throw new RelsealError('E_BAD_INPUT', `the release archive cannot be read: ${(e as Error).message}`, {
      cause: e,
    })
  })
  if (problem) throw problem
  const links = new Set(entries.filter((e) => e.type === 'SymbolicLink').map((e) => e.path))
  const seen = new Set<string>()
  for (const e of entries) {
    if (seen.has(e.path)) throw refuse(e.path, 'appears twice', 'twice')
    seen.add(e.path)
    const parts = e.path.split('/')
    for (let i = 1; i < parts.length; i++)
      if (links.has(parts.slice(0, i).join('/')))
        throw refuse(e.path, `goes through the link ${parts.slice(0, i).join('/')}`, 'through-link')
    if (e.type === 'SymbolicLink') checkLinkTarget(e.path, e.linkpath ?? '', links)
  }
  return entries.length
}

/**
 * Extracts a verified `.tar.gz` into `dest`, which must not exist or be empty. Refuses
 * (E_BAD_INPUT, E_TOO_LARGE) before writing anything when any entry is unsafe. Owners are never
 * taken from the archive; modes are, minus set-id bits (node-tar's defaults with the umask).
 *
 * @example await extractTarball('/tmp/app-1.2.3.tar.gz', '/srv/app/releases/1.2.3')
 */
export async function extractTarball(
  archive: string,
  dest: string,
  caps: TarballCaps = {},
): Promise<{ entries: number }> {
  const entries = await checkEntries(archive, {
    maxEntries: caps.maxEntries ?? MAX_TARBALL_ENTRIES,
    maxBytes: caps.maxBytes ?? MAX_TARBALL_BYTES,
  })
  mkdirSync(dest, { recursive: true })
  if (readdirSync(dest).length > 0)
    throw new RelsealError(
      'E_EXISTS',
      `${dest} is not empty; a release is extracted into a fresh folder only`,
    )
  await extract({
    file: archive,
    cwd: dest,
    strict: true,
    preserveOwner: false,
    // node-tar's own guards stay on as a second line: no absolute paths, no `..`, no links to follow
    preservePaths: false,
    unlink: false,
  })
  return { entries }
}
