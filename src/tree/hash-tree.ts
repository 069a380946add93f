import { realpathSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { RelsealError } from '../errors.js'
import { ByteWriter } from './byte-writer.js'
import { CODE_HASH_DOMAIN } from './code-hash.js'
import { byteOrder, KIND_OF_MODE, type EntryMode, type TreeEntry } from './entry.js'
import { manifestLine } from './file-manifest.js'
import { listDirectory } from './from-directory.js'
import { listGitIndex } from './from-git-index.js'
import { hashCommitTree } from './from-git-rev.js'
import { probeRepo, resolveCommit } from './git-repo.js'
import { pathFilter } from './glob.js'
import { hashFiles, startHashThreads, type HashThreads, type PoolOptions } from './hash-pool.js'
import { RAW_EXECUTABLE, RAW_REGULAR, RAW_SUBMODULE, RAW_SYMLINK, type RawTree } from './raw-tree.js'
import { digestHex, sha256Hex, type Digests } from './read-file.js'
import { createHash } from 'node:crypto'

export interface HashTreeOptions {
  /** A git working tree, a repository (with `rev`), or a plain directory. */
  dir: string
  /** Hash this commit from the object store; nothing is checked out. */
  rev?: string
  /** `auto` (default): the git index when `dir` is in a work tree, else a plain directory. */
  source?: 'auto' | 'git' | 'plain'
  /** Globs a path must match (any) and must not match (all); see compileGlob. */
  include?: string[]
  exclude?: string[]
  onProgress?: PoolOptions['onProgress']
  /** Hashing threads for working trees and directories (default: up to 4). */
  concurrency?: number
}

export interface TreeHash {
  entries: TreeEntry[]
  /** `sha256:<hex>` over the canonical listing (docs/code-hash.md). */
  codeHash: string
  /** sha256sum-format text of the regular and executable files. */
  fileManifest: string
  /** `sha256:<hex>` of `fileManifest`. */
  fileManifestHash: string
  /**
   * `fileManifest` as the UTF-8 bytes it was written as: what a signer saves and uploads, without
   * the text being made (a 30,000-file tree's manifest is 2.4 MB) and encoded back.
   */
  fileManifestBytes: Uint8Array
  /** Number of entries. */
  files: number
  /** Bytes hashed. */
  bytes: number
  /** The commit hashed, when `rev` was given. */
  commit?: string
}

/** True when `dir` (absolute) is the process's working directory `cwd`, by name or through symlinks. */
function isProcessDirectory(dir: string, cwd: string): boolean {
  if (dir === cwd) return true
  try {
    return realpathSync(dir) === cwd
  } catch {
    return false
  }
}

function assertDirectory(dir: string): void {
  let st
  try {
    st = statSync(dir)
  } catch {
    throw new RelsealError('E_NOT_FOUND', `${dir} does not exist; pass the path of a checkout or a directory`)
  }
  if (!st.isDirectory())
    throw new RelsealError('E_BAD_INPUT', `${dir} is not a directory; pass the directory that holds the tree`)
}

/**
 * Writes a tree's canonical listing (hashed in chunks, docs/code-hash.md) and file manifest from its
 * flat listing and digests, without an object per path. `advance` writes the entries whose digests
 * are ready, in order, while the files are still being hashed; `finish` writes the rest.
 */
function treeWriter(raw: RawTree, fileOf: Int32Array | undefined, order: Uint32Array | undefined) {
  const { paths, kinds, fixed } = raw
  const n = paths.length
  const at = (k: number): number => (order === undefined ? k : order[k]!)
  let digests: Digests
  // mode, digest and size of path i
  let mode: EntryMode = '100644'
  let sha256 = ''
  let size = 0
  /** A regular file's mode bit: fixed by its kind, or (RAW_REGULAR) its owner execute bit as read. */
  const executable = (kind: number, f: number): boolean =>
    kind === RAW_EXECUTABLE || (kind === RAW_REGULAR && digests.executable[f] === 1)
  const describe = (i: number): void => {
    const kind = kinds[i]!
    if (kind === RAW_SUBMODULE) {
      mode = '160000'
      sha256 = fixed.get(i) as string
      size = 0
    } else if (kind === RAW_SYMLINK) {
      const content = fixed.get(i) as Buffer
      mode = '120000'
      sha256 = sha256Hex(content)
      size = content.length
    } else {
      const f = fileOf === undefined ? i : fileOf[i]!
      mode = executable(kind, f) ? '100755' : '100644'
      sha256 = digestHex(digests, f)
      size = digests.sizes[f]!
    }
  }
  const code = createHash('sha256')
  const listing = new ByteWriter(1 << 16, (chunk) => code.update(chunk))
  const manifest = new ByteWriter(n * 100, undefined)
  listing.text(CODE_HASH_DOMAIN)
  let bytes = 0
  let k = 0
  /** Writes the next entries, up to the first file whose index is `ready` or more. */
  const advance = (from: Digests, ready: number): void => {
    digests = from
    const hex = digests.hex
    for (; k < n; k++) {
      const i = at(k)
      const kind = kinds[i]!
      const f = kind >= RAW_SYMLINK ? -1 : fileOf === undefined ? i : fileOf[i]!
      if (f >= ready) return
      const path = paths[i]!
      // `<mode> <sha256> <size> <path>\0`, and for a file `<sha256>  <path>\n`
      listing.room(6 + 1 + 64 + 1 + 20 + 1 + 3 * path.length + 1)
      if (f < 0) {
        describe(i)
        listing.text(mode)
        listing.byte(0x20)
        listing.text(sha256)
      } else {
        listing.text(executable(kind, f) ? '100755' : '100644')
        listing.byte(0x20)
        listing.bytes(hex, f * 64, f * 64 + 64)
        size = digests.sizes[f]!
      }
      listing.byte(0x20)
      listing.decimal(size)
      listing.byte(0x20)
      const start = listing.pos
      listing.text(path)
      const end = listing.pos
      listing.byte(0)
      bytes += size
      if (f < 0) continue
      manifest.room(1 + 64 + 2 + 2 * (end - start) + 1)
      if (needsEscape(listing.buf, start, end)) {
        manifest.text(manifestLine(digestHex(digests, f), path))
        continue
      }
      manifest.bytes(hex, f * 64, f * 64 + 64)
      manifest.byte(0x20)
      manifest.byte(0x20)
      manifest.bytes(listing.buf, start, end)
      manifest.byte(0x0a)
    }
  }
  const finish = (from: Digests): Omit<TreeHash, 'commit'> => {
    advance(from, Number.POSITIVE_INFINITY)
    code.update(listing.written())
    const manifestBytes = manifest.written()
    let entries: TreeEntry[] | undefined
    let fileManifest: string | undefined
    const lazy = { enumerable: true, configurable: true }
    const value = { enumerable: true, configurable: true, writable: true }
    // The entries and the manifest's text are made when asked for (`relseal hash` asks for
    // neither); the properties are in the order of TreeHash, as a plain object's would be.
    return Object.defineProperties({} as Omit<TreeHash, 'commit'>, {
      entries: {
        ...lazy,
        get(): TreeEntry[] {
          if (entries === undefined) {
            entries = new Array<TreeEntry>(n)
            for (let e = 0; e < n; e++) {
              const i = at(e)
              describe(i)
              entries[e] = { path: paths[i]!, kind: KIND_OF_MODE[mode], mode, size, sha256 }
            }
          }
          return entries
        },
      },
      codeHash: { ...value, value: `sha256:${code.digest('hex')}` },
      fileManifest: { ...lazy, get: (): string => (fileManifest ??= manifestBytes.toString('utf8')) },
      fileManifestHash: { ...value, value: `sha256:${sha256Hex(manifestBytes)}` },
      fileManifestBytes: { ...value, value: manifestBytes },
      files: { ...value, value: n },
      bytes: { ...value, value: bytes },
    })
  }
  return { advance, finish }
}

/** True when the bytes hold a backslash, newline or carriage return (sha256sum escapes them). */
function needsEscape(b: Buffer, from: number, to: number): boolean {
  for (let j = from; j < to; j++) {
    const c = b[j]!
    if (c === 0x5c || c === 0x0a || c === 0x0d) return true
  }
  return false
}

async function hashRaw(
  raw: RawTree,
  options: HashTreeOptions,
  threads: HashThreads | undefined,
): Promise<Omit<TreeHash, 'commit'>> {
  const { paths, kinds } = raw
  let count = 0
  for (let i = 0; i < paths.length; i++) if (kinds[i]! < RAW_SYMLINK) count++
  // Only regular files go to the hasher; fileOf maps a path's index to its file's (when they differ).
  let files: readonly string[] = paths
  let fileOf: Int32Array | undefined
  if (count < paths.length) {
    const some: string[] = []
    fileOf = new Int32Array(paths.length).fill(-1)
    for (let i = 0; i < paths.length; i++) {
      if (kinds[i]! >= RAW_SYMLINK) continue
      fileOf[i] = some.length
      some.push(paths[i]!)
    }
    files = some
  }
  // In byte order already (a git index always is), the listing is written while files are hashed.
  const order = byteOrder(paths)
  const writer = treeWriter(raw, fileOf, order)
  const digests = await hashFiles(raw.base, files, {
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(threads ? { threads } : {}),
    ...(order === undefined ? { onReady: writer.advance } : {}),
  })
  return writer.finish(digests)
}

/**
 * Hashes a tree: its entries, the code hash and the file manifest. Deterministic whatever the
 * OS, locale, file-system order or thread count; memory stays flat (files are streamed).
 *
 * @example
 * const { codeHash, fileManifest } = await hashTree({ dir: '.', rev: 'HEAD' })
 */
export async function hashTree(options: HashTreeOptions): Promise<TreeHash> {
  const dir = resolve(options.dir)
  assertDirectory(dir)
  // Files are read by threads started now, so that their start-up overlaps listing the tree.
  const threads = options.rev === undefined ? startHashThreads(options.concurrency) : undefined
  // The kernel looks up every component of a path it opens: when the tree is the process's
  // directory, its files are opened by their short relative paths. Should the process change
  // directory meanwhile, the tree is hashed again by absolute paths.
  const cwd = process.cwd()
  const relative = options.rev === undefined && isProcessDirectory(dir, cwd)
  try {
    const tree = await hashTreeWith(dir, options, threads, relative ? '' : undefined)
    return relative && process.cwd() !== cwd ? await hashTreeWith(dir, options, threads, undefined) : tree
  } finally {
    threads?.close()
  }
}

/** The path filter of `include`/`exclude`, or undefined when neither is given (every path is kept). */
const filterOf = (options: HashTreeOptions): ((path: string) => boolean) | undefined =>
  options.include?.length || options.exclude?.length
    ? pathFilter(options.include, options.exclude)
    : undefined

async function hashTreeWith(
  dir: string,
  options: HashTreeOptions,
  threads: HashThreads | undefined,
  base: string | undefined,
): Promise<TreeHash> {
  const source = options.source ?? 'auto'
  // A working tree's listing starts with the probe (git processes at once, not one after another);
  // when `dir` turns out to be no work tree, it is dropped unread.
  const probe = source === 'plain' ? Promise.resolve(undefined) : probeRepo(dir, options.rev === undefined)
  const listing =
    source === 'plain' || options.rev !== undefined
      ? undefined
      : (async () =>
          listGitIndex(
            dir,
            filterOf(options),
            probe.then((r) => r?.places),
            base,
          ))()
  // Likewise the commit is resolved while the repository is probed; a missing repository still
  // wins over a bad revision, as the probe's answer is looked at first.
  const resolving =
    source === 'plain' || options.rev === undefined ? undefined : resolveCommit(dir, options.rev)
  for (const early of [listing, resolving]) {
    early?.catch(() => {
      /* awaited below when it matters; otherwise its failure means nothing */
    })
  }
  const repo = await probe
  if (repo === undefined && (source === 'git' || options.rev !== undefined)) {
    throw new RelsealError(
      'E_NOT_A_REPO',
      `${dir} is not a git repository; run it in a clone, or hash it as a plain directory without --rev`,
    )
  }
  if (options.rev !== undefined) {
    const commit = await resolving!
    const tree = await hashCommitTree(dir, commit, repo!.prefix, filterOf(options), options.onProgress)
    // The same flat finish as a working tree's (its lazy getters are kept: Object.assign adds to
    // the result, it does not copy it). ls-tree lists in byte order, so the order is only checked.
    const writer = treeWriter(tree.raw, tree.fileOf, byteOrder(tree.raw.paths))
    return Object.assign(writer.finish(tree.digests), { commit })
  }
  if (repo !== undefined) {
    if (!repo.workTree) {
      throw new RelsealError(
        'E_BAD_INPUT',
        `${dir} is a bare repository with no working tree; pass --rev to hash a commit`,
      )
    }
    const raw = await listing!
    // A conversion refusal wins over any error from hashing the converted bytes.
    const [hashed, checked] = await Promise.allSettled([hashRaw(raw, options, threads), raw.pending])
    if (checked.status === 'rejected') throw checked.reason
    if (hashed.status === 'rejected') throw hashed.reason
    return hashed.value
  }
  return hashRaw(listDirectory(dir, options.include ?? [], options.exclude ?? [], base), options, threads)
}
