import { isAscii } from 'node:buffer'
import { closeSync, constants, lstatSync, openSync, readlinkSync, readSync, realpathSync } from 'node:fs'
import { delimiter, dirname, join } from 'node:path'
import { RelsealError } from '../errors.js'
import { runGit } from '../git/git.js'
import { decodePathName } from './entry.js'
import type { AttributePlaces } from './git-repo.js'
import {
  RAW_EXECUTABLE,
  RAW_FILE,
  RAW_REGULAR,
  RAW_SUBMODULE,
  RAW_SYMLINK,
  type RawTree,
} from './raw-tree.js'
import { assertLinksStayInside, linkTooLong, MAX_LINK_TARGET_BYTES, type TreeLink } from './symlink-rule.js'

/** Index modes, one byte per record. */
export const MODE_FILE = 0
export const MODE_EXECUTABLE = 1
export const MODE_SYMLINK = 2
export const MODE_SUBMODULE = 3
/** Any other mode git may list: hashed as a regular file, never converted. */
export const MODE_OTHER = 4

/** `git ls-files --stage` kept flat: a string per path, a byte per mode, object ids on demand. */
export interface StageListing {
  paths: string[]
  /** MODE_* per path (may be longer than `paths`). */
  modes: Uint8Array
  oid(i: number): string
}

function conflict(path: string): RelsealError {
  return new RelsealError(
    'E_BAD_INPUT',
    `${JSON.stringify(path)} has an unresolved merge conflict; resolve it and stage the result`,
  )
}

function modeOf(text: string, start: number, end: number): number {
  if (end - start !== 6) return MODE_OTHER
  if (text.startsWith('100644', start)) return MODE_FILE
  if (text.startsWith('100755', start)) return MODE_EXECUTABLE
  if (text.startsWith('120000', start)) return MODE_SYMLINK
  if (text.startsWith('160000', start)) return MODE_SUBMODULE
  return MODE_OTHER
}

/**
 * Parses `git ls-files --stage -z` output (`<mode> <oid> <stage>\t<path>\0` records) chunk by
 * chunk, as git writes it: on a tree of tens of thousands of files, the listing is parsed while git
 * is still printing it. A chunk's complete records are read as one latin1 string (field separators
 * are ASCII, and no byte of a multi-byte UTF-8 sequence is); paths in a chunk that is all ASCII
 * are slices of it, others are decoded strictly as UTF-8.
 */
export class StageListingParser {
  readonly paths: string[] = []
  modes = new Uint8Array(1024)
  private oidAt = new Int32Array(1024)
  private oidEnd = new Int32Array(1024)
  private chunkOf = new Int32Array(1024)
  private readonly texts: string[] = []
  private carry: Buffer | undefined
  /** The first error met; later chunks are ignored (a stream's listener must not throw). */
  error: Error | undefined

  constructor(private readonly where: string) {}

  feed(chunk: Buffer): void {
    if (this.error !== undefined) return
    try {
      this.parse(chunk)
    } catch (e) {
      this.error = e as Error
    }
  }

  /** The listing, once every chunk was fed; bytes after the last NUL are ignored, as git ends every record with one. */
  done(): StageListing {
    if (this.error !== undefined) throw this.error
    const { texts, chunkOf, oidAt, oidEnd } = this
    return {
      paths: this.paths,
      modes: this.modes,
      oid: (i) => texts[chunkOf[i]!]!.slice(oidAt[i], oidEnd[i]),
    }
  }

  private grow(): void {
    const twice = <T extends Uint8Array | Int32Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(a.length * 2)
      b.set(a)
      return b
    }
    this.modes = twice(this.modes)
    this.oidAt = twice(this.oidAt)
    this.oidEnd = twice(this.oidEnd)
    this.chunkOf = twice(this.chunkOf)
  }

  private parse(chunk: Buffer): void {
    const buf = this.carry === undefined ? chunk : Buffer.concat([this.carry, chunk])
    const last = buf.lastIndexOf(0)
    if (last < 0) {
      this.carry = Buffer.from(buf)
      return
    }
    this.carry = last + 1 < buf.length ? Buffer.from(buf.subarray(last + 1)) : undefined
    const ascii = isAscii(buf.subarray(0, last + 1))
    const text = buf.toString('latin1', 0, last + 1)
    const t = this.texts.push(text) - 1
    const where = this.where
    const pathOf = (from: number, to: number): string =>
      ascii ? text.slice(from, to) : decodePathName(buf.subarray(from, to), where)
    for (let start = 0; start < text.length;) {
      // Nearly every record is `<6-digit mode> <id> 0\t<path>\0`: the tab ends the stage (no field
      // before it holds one), the path ends at the next NUL. Anything else is parsed field by field.
      let tab = text.indexOf('\t', start)
      let end = tab < 0 ? -1 : text.indexOf('\0', tab)
      let sp1 = start + 6
      let sp2 = tab - 2
      if (
        end < 0 ||
        text.charCodeAt(sp1) !== 0x20 ||
        text.charCodeAt(sp2) !== 0x20 ||
        text.charCodeAt(tab - 1) !== 0x30 ||
        (tab - start !== 49 && tab - start !== 73)
      ) {
        end = text.indexOf('\0', start)
        tab = text.indexOf('\t', start)
        sp1 = text.indexOf(' ', start)
        sp2 = text.indexOf(' ', sp1 + 1)
        if (tab < 0 || tab > end || sp1 < 0 || sp2 < 0 || sp2 > tab) throw badListing(where)
        if (tab !== sp2 + 2 || text.charCodeAt(sp2 + 1) !== 0x30) throw conflict(pathOf(tab + 1, end))
      }
      const i = this.paths.length
      if (i === this.modes.length) this.grow()
      this.modes[i] = modeOf(text, start, sp1)
      this.oidAt[i] = sp1 + 1
      this.oidEnd[i] = sp2
      this.chunkOf[i] = t
      this.paths.push(pathOf(tab + 1, end))
      start = end + 1
    }
  }
}

/** Parses a whole `git ls-files --stage -z` output (see StageListingParser). */
export function parseStageListing(out: Buffer, where: string): StageListing {
  const parser = new StageListingParser(where)
  parser.feed(out)
  return parser.done()
}

function badListing(where: string): RelsealError {
  return new RelsealError(
    'E_GIT',
    `git ls-files in ${where} printed a record without a tab; check the git installation`,
  )
}

async function readIndex(dir: string): Promise<StageListing> {
  const parser = new StageListingParser(dir)
  await runGit(['ls-files', '--stage', '-z'], {
    cwd: dir,
    ambientConfig: true,
    onStdout: (chunk) => parser.feed(chunk),
  })
  return parser.done()
}

/** Symlinks are not followed and a FIFO does not block the open (read-file.ts opens files alike). */
const LINK_FILE_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK

/**
 * A tracked symlink's target as text; without symlink support git writes it as a plain file, read
 * here with the same cap as a link's target (one byte more than it, so a longer one is refused
 * without being held whole).
 */
function readLinkText(abs: string, path: string): Buffer {
  const missing = (): RelsealError =>
    new RelsealError(
      'E_NOT_FOUND',
      `${JSON.stringify(path)} is tracked by git but missing from the working tree; restore it (git checkout -- <path>) or commit its removal`,
    )
  let st
  try {
    st = lstatSync(abs)
    if (st.isSymbolicLink()) return readlinkSync(abs, { encoding: 'buffer' })
  } catch {
    throw missing()
  }
  if (!st.isFile()) {
    throw new RelsealError(
      'E_BAD_INPUT',
      `${JSON.stringify(path)} is tracked as a symlink but is neither a symlink nor a file in the working tree; restore it (git checkout -- <path>)`,
    )
  }
  let fd
  try {
    fd = openSync(abs, LINK_FILE_FLAGS)
  } catch {
    throw missing()
  }
  try {
    const buf = Buffer.allocUnsafe(MAX_LINK_TARGET_BYTES + 1)
    let got = 0
    for (let n; got < buf.length && (n = readSync(fd, buf, got, buf.length - got, null)) > 0;) got += n
    if (got > MAX_LINK_TARGET_BYTES) throw linkTooLong(path)
    return Buffer.from(buf.subarray(0, got))
  } finally {
    closeSync(fd)
  }
}

/**
 * Lists the files git tracks in a working tree (the index, never stray files) that `keep` accepts
 * (all without it), reading their bytes from disk. Files that git converts on checkout are
 * compared with their blobs first. Paths are opened as `base + path`: `base` is `dir/`, or ''
 * when `dir` is the process's directory.
 */
export async function listGitIndex(
  dir: string,
  keep: ((path: string) => boolean) | undefined,
  attributePlaces: Promise<AttributePlaces | undefined>,
  base?: string,
): Promise<RawTree> {
  // Git's paths are already normal (no `.`, `..` or doubled `/`), so joining is concatenating.
  const absBase = dir.endsWith('/') ? dir : `${dir}/`
  const [listing, config, places] = await Promise.all([readIndex(dir), readCoreConfig(dir), attributePlaces])
  // The conversion check asks git about every path (unless no attribute file can exist); it runs
  // while the files are being hashed, and starts once the hashing threads have their work (looking
  // for attribute files takes the calling thread a while on a large tree).
  const pending = new Promise<void>((started) => setImmediate(started)).then(() =>
    refuseConvertedFiles(dir, listing, config, places),
  )
  pending.catch(() => {
    /* awaited by hashTree; this only keeps an early rejection from being reported as unhandled */
  })
  const all = listing.paths
  // Without a filter the listing's own array is the tree's.
  const paths = keep === undefined ? all : []
  const kinds = new Uint8Array(all.length)
  const fixed = new Map<number, Buffer | string>()
  const links: TreeLink[] = []
  // With core.fileMode=false git ignores the file's bits and keeps the index's mode (a checkout on
  // a file system without execute bits, or one that sets them all); so does the hash.
  const indexModes = config.fileMode === false
  for (let i = 0, k = 0; i < all.length; i++) {
    const path = all[i]!
    if (keep !== undefined) {
      if (!keep(path)) continue
      paths.push(path)
    }
    const mode = listing.modes[i]!
    if (mode === MODE_SUBMODULE) {
      kinds[k] = RAW_SUBMODULE
      fixed.set(k, listing.oid(i))
    } else if (mode === MODE_SYMLINK) {
      const content = readLinkText(absBase + path, path)
      links.push({ path, target: decodePathName(content, path) })
      kinds[k] = RAW_SYMLINK
      fixed.set(k, content)
    }
    // Regular files are opened with O_NOFOLLOW by the hasher, which reports a missing file itself.
    else kinds[k] = !indexModes ? RAW_REGULAR : mode === MODE_EXECUTABLE ? RAW_EXECUTABLE : RAW_FILE
    k++
  }
  assertLinksStayInside(links)
  return { base: base ?? absBase, paths, kinds, fixed, pending }
}

const CONVERTING_ATTRS = ['text', 'eol', 'filter', 'ident', 'working-tree-encoding'] as const

/**
 * Which settings rewrite a blob's bytes when git checks it out (the smudge direction): CRLF line
 * endings (eol=crlf, or text with core.autocrlf=true / core.eol=crlf), `ident`, a filter driver and
 * a working-tree encoding. `eol=lf`, `autocrlf=input` and `text=auto` on LF platforms only act when
 * files are added, so a clean checkout still holds the committed bytes.
 */
function checkoutConversion(
  attrs: Map<string, string>,
  autocrlf: string,
  coreEol: string,
): string | undefined {
  const found: string[] = []
  const text = attrs.get('text')
  const eol = attrs.get('eol')
  const textual = text !== 'unset' && text !== 'unspecified' && text !== undefined
  if (eol === 'crlf') found.push('eol=crlf')
  else if (text !== 'unset' && eol !== 'lf' && autocrlf === 'true') found.push('core.autocrlf=true')
  else if (textual && eol !== 'lf' && coreEol === 'crlf') found.push(`text=${text}, core.eol=crlf`)
  for (const attr of ['ident', 'filter', 'working-tree-encoding']) {
    const v = attrs.get(attr)
    if (v !== undefined && v !== 'unspecified' && v !== 'unset') found.push(`${attr}=${v}`)
  }
  return found.length > 0 ? found.join(', ') : undefined
}

const NO_ATTRS = new Map<string, string>()

const UNSPECIFIED = Buffer.from('unspecified')
const EOL = Buffer.from('eol')
const CRLF = Buffer.from('crlf')

/** True when the NUL-delimited field between offsets `b` and `c` of `buf` is `value` (no string is made). */
const fieldIs = (buf: Buffer, b: number, c: number, value: Buffer) =>
  c - b - 1 === value.length && buf.compare(value, 0, value.length, b + 1, c) === 0

/**
 * Streams `git check-attr -z --stdin` over `paths`, parsing its (path, attribute, value) records as
 * they arrive: on a large tree the whole output is tens of MB, and almost every record is skipped.
 */
async function readCheckAttr(
  dir: string,
  paths: readonly string[],
  attrs: readonly string[],
  skip: (buf: Buffer, a: number, b: number, c: number) => boolean,
): Promise<Map<string, Map<string, string>>> {
  const found = new Map<string, Map<string, string>>()
  let carry = Buffer.alloc(0)
  const onStdout = (chunk: Buffer): void => {
    const buf = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk
    let pos = 0
    for (;;) {
      const a = buf.indexOf(0, pos)
      const b = a < 0 ? -1 : buf.indexOf(0, a + 1)
      const c = b < 0 ? -1 : buf.indexOf(0, b + 1)
      if (c < 0) break
      if (!skip(buf, a, b, c)) {
        const path = buf.toString('utf8', pos, a)
        const map = found.get(path) ?? new Map<string, string>()
        map.set(buf.toString('utf8', a + 1, b), buf.toString('utf8', b + 1, c))
        found.set(path, map)
      }
      pos = c + 1
    }
    carry = Buffer.from(buf.subarray(pos))
  }
  await runGit(['check-attr', '-z', '--stdin', ...attrs], {
    cwd: dir,
    ambientConfig: true,
    input: `${paths.join('\0')}\0`,
    onStdout,
  })
  return found
}

interface CoreConfig {
  /** core.attributesFile or attr.tree is set (each names a source of attributes). */
  attributeSource: boolean
  /** core.fileMode as git reads a boolean, or undefined when unset. */
  fileMode: boolean | undefined
  /** core.autocrlf and core.eol as written ('' when unset or given without a value). */
  autocrlf: string
  eol: string
}

/**
 * A boolean setting as git reads it (git_parse_maybe_bool, then an integer with an optional k/m/g
 * unit): `true`/`yes`/`on`, `false`/`no`/`off`, a key without a value is true, an empty one false.
 */
export function parseGitBool(key: string, value: string | undefined): boolean {
  if (value === undefined) return true
  const v = value.toLowerCase()
  if (v === '') return false
  if (v === 'true' || v === 'yes' || v === 'on') return true
  if (v === 'false' || v === 'no' || v === 'off') return false
  const n = /^([+-]?)(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)([kmg]?)$/.exec(v)
  if (n) return /[1-9a-f]/.test(n[2]!.replace(/^0x/, ''))
  throw new RelsealError(
    'E_GIT',
    `git's configuration sets ${key} to ${JSON.stringify(value)}, which is not a boolean; set it to true or false`,
  )
}

/** core.fileMode, core.autocrlf, core.eol and the attribute sources with one git call (each spawn costs milliseconds). */
async function readCoreConfig(dir: string): Promise<CoreConfig> {
  const r = await runGit(
    ['config', '-z', '--get-regexp', '^(core\\.(filemode|autocrlf|eol|attributesfile)|attr\\.tree)$'],
    {
      cwd: dir,
      ambientConfig: true,
      okCodes: [0, 1],
    },
  )
  // Records are `key\nvalue\0`, or `key\0` for a key without a value; the last one of a key wins.
  const found = new Map<string, string | undefined>()
  for (const rec of r.stdout.toString('utf8').split('\0')) {
    if (rec === '') continue
    const nl = rec.indexOf('\n')
    found.set(nl < 0 ? rec : rec.slice(0, nl), nl < 0 ? undefined : rec.slice(nl + 1))
  }
  return {
    attributeSource: found.has('core.attributesfile') || found.has('attr.tree'),
    fileMode: found.has('core.filemode')
      ? parseGitBool('core.fileMode', found.get('core.filemode'))
      : undefined,
    autocrlf: (found.get('core.autocrlf') ?? '').trim(),
    eol: (found.get('core.eol') ?? '').trim(),
  }
}

/**
 * core.autocrlf, eol and clean/smudge filters can make working-tree bytes differ from the committed
 * ones, which would make a working tree and `--rev` hash differently. For every file whose checkout
 * such a setting rewrites, the raw working-tree bytes must still be the committed blob; otherwise
 * refuse, naming the file and the setting (issue: "never differ silently").
 */
async function refuseConvertedFiles(
  dir: string,
  listing: StageListing,
  config: CoreConfig,
  places: AttributePlaces | undefined,
): Promise<void> {
  const { autocrlf, eol: coreEol } = config
  // The files, listed only when there is something to ask about them (a list per tree costs).
  const regularFiles = (): number[] => {
    const files: number[] = []
    for (let i = 0; i < listing.paths.length; i++) {
      const mode = listing.modes[i]
      if (mode === MODE_FILE || mode === MODE_EXECUTABLE) files.push(i)
    }
    return files
  }
  if (!attributeFilesMayApply(dir, listing.paths, config, places)) {
    // Every attribute is unspecified, so only core.autocrlf=true can convert, and it converts all.
    const setting = checkoutConversion(NO_ATTRS, autocrlf, coreEol)
    return setting === undefined
      ? undefined
      : refuseIfRewritten(
          dir,
          listing,
          regularFiles().map((i) => ({ i, setting })),
        )
  }
  const files = regularFiles()
  if (files.length === 0) return
  // Without autocrlf=true or core.eol=crlf, `text` converts nothing and only eol=crlf does: ask for
  // less and keep only values that can convert, so a big tree with `* text=auto eol=lf` costs little.
  const textMatters = autocrlf === 'true' || coreEol === 'crlf'
  const asked = textMatters ? CONVERTING_ATTRS : CONVERTING_ATTRS.filter((a) => a !== 'text')
  const attrsOf = await readCheckAttr(
    dir,
    files.map((i) => listing.paths[i]!),
    asked,
    // Skipped without making a string: unspecified values, and (when text converts nothing) any
    // eol but crlf.
    (buf, a, b, c) =>
      fieldIs(buf, b, c, UNSPECIFIED) ||
      (!textMatters && fieldIs(buf, a, b, EOL) && !fieldIs(buf, b, c, CRLF)),
  )
  const suspects = files
    .map((i) => ({
      i,
      setting: checkoutConversion(attrsOf.get(listing.paths[i]!) ?? NO_ATTRS, autocrlf, coreEol),
    }))
    .filter((x): x is { i: number; setting: string } => x.setting !== undefined)
  return refuseIfRewritten(dir, listing, suspects)
}

/** Refuses the first file whose working-tree bytes are not its committed blob. */
async function refuseIfRewritten(
  dir: string,
  listing: StageListing,
  suspects: readonly { i: number; setting: string }[],
): Promise<void> {
  if (suspects.length === 0) return
  const oids = (
    await runGit(['hash-object', '--no-filters', '--stdin-paths'], {
      cwd: dir,
      ambientConfig: true,
      // Absolute: git reads --stdin-paths from the top of the work tree, not from `dir`.
      input: suspects.map((x) => join(dir, listing.paths[x.i]!)).join('\n') + '\n',
    })
  ).stdout
    .toString('utf8')
    .split('\n')
  suspects.forEach(({ i, setting }, k) => {
    if (oids[k] === listing.oid(i)) return
    const path = listing.paths[i]!
    throw new RelsealError(
      'E_GIT_FILTER',
      `${JSON.stringify(path)} differs from its committed bytes and git rewrites it on checkout (${setting}); ` +
        `hash the commit with --rev HEAD, or turn the conversion off for release checkouts and check out again`,
      { details: { path, setting } },
    )
  })
}

/** False only when the path surely does not exist; any doubt (e.g. no permission) counts as there. */
function mayExist(path: string): boolean {
  try {
    return lstatSync(path, { throwIfNoEntry: false }) !== undefined
  } catch {
    return true
  }
}

/**
 * The system-wide attributes file is `$(prefix)/etc/gitattributes` of git's build, which git 2.39
 * does not tell; every usual place is looked at, and the ones beside the `git` on PATH.
 */
function systemAttributeFiles(): string[] {
  const found = ['/etc/gitattributes', '/usr/etc/gitattributes', '/usr/local/etc/gitattributes']
  for (const d of (process.env.PATH ?? '').split(delimiter)) {
    if (d === '' || !mayExist(join(d, 'git'))) continue
    found.push(join(dirname(d), 'etc/gitattributes'))
    try {
      found.push(join(dirname(dirname(realpathSync(join(d, 'git')))), 'etc/gitattributes'))
    } catch {
      /* a dangling link: the plain place above is enough */
    }
  }
  return found
}

/**
 * Whether any source of gitattributes can apply to the listed paths: a `.gitattributes` in the
 * index, or on disk in `dir`, its parents up to the top or any directory holding a listed path;
 * $GIT_DIR/info/attributes; core.attributesFile (or its default under XDG_CONFIG_HOME or HOME);
 * attr.tree or GIT_ATTR_SOURCE; the system file. When none can, `git check-attr` (a process reading
 * every path and printing tens of MB while the files are hashed) would only answer "unspecified".
 * Any doubt answers true.
 */
function attributeFilesMayApply(
  dir: string,
  paths: readonly string[],
  config: CoreConfig,
  places: AttributePlaces | undefined,
): boolean {
  const env = process.env
  if (places === undefined || config.attributeSource || env.GIT_ATTR_SOURCE !== undefined) return true
  if (mayExist(places.infoAttributes)) return true
  const xdg = env.XDG_CONFIG_HOME ? env.XDG_CONFIG_HOME : env.HOME ? join(env.HOME, '.config') : undefined
  if (xdg === undefined || mayExist(join(xdg, 'git/attributes'))) return true
  if (systemAttributeFiles().some(mayExist)) return true
  const base = dir.endsWith('/') ? dir : `${dir}/`
  for (let k = 0, up = base; k <= places.depth; k++, up += '../') {
    if (mayExist(`${up}.gitattributes`)) return true
  }
  const seen = new Set<string>()
  let last = ''
  for (const path of paths) {
    const slash = path.lastIndexOf('/')
    if (path.endsWith('.gitattributes') && (slash < 0 ? path : path.slice(slash + 1)) === '.gitattributes')
      return true
    // A listing holds a directory's files together: the directory of the path before is skipped
    // without making a string.
    if (slash === last.length && path.startsWith(last)) continue
    last = path.slice(0, Math.max(slash, 0))
    // Each directory once; its parents were looked at with it.
    for (let d = last; d !== '' && !seen.has(d);) {
      seen.add(d)
      if (mayExist(`${base}${d}/.gitattributes`)) return true
      const up = d.lastIndexOf('/')
      d = up < 0 ? '' : d.slice(0, up)
    }
  }
  return false
}
