import { statSync } from 'node:fs'
import { resolve } from 'node:path'
import { RelsealError } from '../errors.js'
import { codeHashOf } from './code-hash.js'
import { MODE_OF_KIND, sortEntries, type TreeEntry } from './entry.js'
import { fileManifestHashOf, fileManifestOf } from './file-manifest.js'
import { listDirectory } from './from-directory.js'
import { listGitIndex } from './from-git-index.js'
import { hashCommitTree } from './from-git-rev.js'
import { probeRepo, resolveCommit } from './git-repo.js'
import { pathFilter } from './glob.js'
import { hashFiles, startHashThreads, type HashThreads, type PoolOptions } from './hash-pool.js'
import type { RawTree } from './raw-tree.js'
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
  /** Number of entries. */
  files: number
  /** Bytes hashed. */
  bytes: number
  /** The commit hashed, when `rev` was given. */
  commit?: string
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

async function hashRaw(
  raw: RawTree,
  options: HashTreeOptions,
  threads: HashThreads | undefined,
): Promise<TreeEntry[]> {
  const digests = await hashFiles(
    raw.files.map((f) => f.job),
    {
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(threads ? { threads } : {}),
    },
  )
  const entries: TreeEntry[] = raw.files.map((f, i) => {
    const d = digests[i]!
    const kind = f.kind ?? (d.executable ? 'executable' : 'file')
    return { path: f.path, kind, mode: MODE_OF_KIND[kind], size: d.size, sha256: d.sha256 }
  })
  for (const x of raw.fixed) {
    if (x.kind === 'submodule')
      entries.push({ path: x.path, kind: 'submodule', mode: '160000', size: 0, sha256: x.commit })
    else {
      const sha256 = createHash('sha256').update(x.content).digest('hex')
      entries.push({ path: x.path, kind: 'symlink', mode: '120000', size: x.content.length, sha256 })
    }
  }
  return entries
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
  try {
    return await hashTreeWith(dir, options, threads)
  } finally {
    threads?.close()
  }
}

async function hashTreeWith(
  dir: string,
  options: HashTreeOptions,
  threads: HashThreads | undefined,
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
            pathFilter(options.include, options.exclude),
            probe.then((r) => r?.places),
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
  let entries: TreeEntry[]
  let commit: string | undefined
  if (options.rev !== undefined) {
    commit = await resolving!
    entries = await hashCommitTree(
      dir,
      commit,
      repo!.prefix,
      pathFilter(options.include, options.exclude),
      options.onProgress,
    )
  } else if (repo !== undefined) {
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
    entries = hashed.value
  } else {
    entries = await hashRaw(
      listDirectory(dir, options.include ?? [], options.exclude ?? []),
      options,
      threads,
    )
  }
  const sorted = sortEntries(entries)
  const fileManifest = fileManifestOf(sorted)
  return {
    entries: sorted,
    codeHash: codeHashOf(sorted),
    fileManifest,
    fileManifestHash: fileManifestHashOf(fileManifest),
    files: sorted.length,
    bytes: sorted.reduce((n, e) => n + e.size, 0),
    ...(commit === undefined ? {} : { commit }),
  }
}
