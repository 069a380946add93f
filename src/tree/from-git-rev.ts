import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { createHash, type Hash } from 'node:crypto'
import { RelsealError } from '../errors.js'
import { runGit, spawnGit } from '../git/git.js'
import { decodePathName, MODE_OF_KIND, type TreeEntry } from './entry.js'
import { splitNul } from './git-repo.js'
import { sha256Hex } from './read-file.js'
import { assertLinksStayInside, type TreeLink } from './symlink-rule.js'

interface TreeRecord {
  mode: string
  oid: string
  path: string
}

async function listCommitTree(dir: string, commit: string, prefix: string): Promise<TreeRecord[]> {
  const args = ['ls-tree', '-r', '-z', '--full-tree', commit]
  if (prefix !== '') args.push('--', prefix)
  const out = (await runGit(args, { cwd: dir, ambientConfig: true })).stdout
  return splitNul(out).map((rec) => {
    const tab = rec.indexOf(0x09)
    const [mode = '', , oid = ''] = rec.subarray(0, tab).toString('latin1').split(' ')
    const full = decodePathName(rec.subarray(tab + 1), commit)
    return { mode, oid, path: full.slice(prefix.length) }
  })
}

/**
 * Hashes a commit's tree straight from the object store: one `git cat-file --batch` process
 * streams every blob once, hashed chunk by chunk as it arrives; nothing is checked out.
 */
export async function hashCommitTree(
  dir: string,
  commit: string,
  prefix: string,
  keep: (path: string) => boolean,
  onProgress?: (p: { files: number; bytes: number }) => void,
): Promise<TreeEntry[]> {
  const records = (await listCommitTree(dir, commit, prefix)).filter((r) => keep(r.path))
  const entries: TreeEntry[] = []
  const blobs: TreeRecord[] = []
  for (const r of records) {
    if (r.mode === '160000')
      entries.push({ path: r.path, kind: 'submodule', mode: '160000', size: 0, sha256: r.oid })
    else blobs.push(r)
  }
  const digests = await streamBlobs(dir, blobs, onProgress)
  const links: TreeLink[] = []
  blobs.forEach((r, i) => {
    const d = digests[i]!
    const kind = r.mode === '120000' ? 'symlink' : r.mode === '100755' ? 'executable' : 'file'
    if (kind === 'symlink')
      links.push({ path: r.path, target: decodePathName(d.content ?? Buffer.alloc(0), r.path) })
    entries.push({ path: r.path, kind, mode: MODE_OF_KIND[kind], size: d.size, sha256: d.sha256 })
  })
  assertLinksStayInside(links)
  return entries
}

interface BlobDigest {
  sha256: string
  size: number
  content?: Buffer
}

/**
 * `git cat-file --batch` processes that share a commit's blobs: git's side (finding and inflating
 * each object) costs more than hashing it, so on two cores two processes each do half.
 */
const CAT_FILE_PROCESSES = 2
/**
 * git maps pack files whole (windows of 1 GiB on 64-bit systems), so reading every blob of a
 * 240 MB pack made the cat-file process 260 MB resident; smaller windows keep it near 70 MB.
 */
const PACK_WINDOW = 'core.packedGitWindowSize=16m'
const PACK_LIMIT = 'core.packedGitLimit=64m'
/** Blobs handed out at a time, in turn, so that both processes get a like share of large and small. */
const BLOBS_PER_SHARE = 64
const EMPTY_SHA256 = createHash('sha256').digest('hex')

async function streamBlobs(
  dir: string,
  blobs: readonly TreeRecord[],
  onProgress?: (p: { files: number; bytes: number }) => void,
): Promise<BlobDigest[]> {
  const results = new Array<BlobDigest>(blobs.length)
  if (blobs.length === 0) return results
  const processes = Math.min(CAT_FILE_PROCESSES, Math.ceil(blobs.length / BLOBS_PER_SHARE))
  const shares: number[][] = Array.from({ length: processes }, () => [])
  for (let i = 0; i < blobs.length; i++) shares[Math.floor(i / BLOBS_PER_SHARE) % processes]!.push(i)
  const progress = { files: 0, bytes: 0 }
  const children: ChildProcessWithoutNullStreams[] = []
  const report = (size: number): void => {
    progress.bytes += size
    if (++progress.files % 512 === 0 || progress.files === blobs.length) onProgress?.({ ...progress })
  }
  try {
    await Promise.all(shares.map((share) => catFile(dir, blobs, share, results, report, children)))
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
  }
  return results
}

/** Streams the blobs `share` lists (indices into `blobs`) through one `git cat-file --batch`. */
function catFile(
  dir: string,
  blobs: readonly TreeRecord[],
  share: readonly number[],
  results: BlobDigest[],
  report: (size: number) => void,
  children: ChildProcessWithoutNullStreams[],
): Promise<void> {
  const child = spawnGit(['-c', PACK_WINDOW, '-c', PACK_LIMIT, 'cat-file', '--batch'], {
    cwd: dir,
    ambientConfig: true,
  })
  children.push(child)
  // cat-file --batch answers each id with "<oid> blob <size>\n", the bytes, then "\n".
  let state: 'header' | 'body' | 'newline' = 'header'
  let header: Buffer[] = []
  let remaining = 0
  let size = 0
  let done = 0
  // A blob whose bytes all came in one chunk (most of a source tree) is hashed in one call, with
  // no Hash object; a larger one is streamed.
  let hash: Hash | undefined
  let digest = ''
  let keep: Buffer[] | undefined
  let stderr = ''
  return new Promise<void>((resolve, reject) => {
    let failed = false
    const fail = (e: Error): void => {
      if (failed) return
      failed = true
      child.kill('SIGKILL')
      reject(e)
    }
    const startBlob = (line: string): void => {
      const [oid, type, len] = line.split(' ')
      const blob = blobs[share[done]!]
      if (type !== 'blob' || blob === undefined || len === undefined) {
        return fail(
          new RelsealError(
            'E_GIT',
            `object ${oid} (${JSON.stringify(blob?.path)}) is missing from the object store; fetch the commit again`,
          ),
        )
      }
      size = remaining = Number(len)
      hash = undefined
      digest = remaining === 0 ? EMPTY_SHA256 : ''
      keep = blob.mode === '120000' ? [] : undefined
      state = remaining === 0 ? 'newline' : 'body'
    }
    const finishBlob = (): void => {
      results[share[done++]!] = {
        sha256: hash === undefined ? digest : hash.digest('hex'),
        size,
        ...(keep ? { content: Buffer.concat(keep) } : {}),
      }
      report(size)
      state = 'header'
    }
    child.stdout.on('data', (chunk: Buffer) => {
      let pos = 0
      while (pos < chunk.length && !failed) {
        if (state === 'header') {
          const nl = chunk.indexOf(0x0a, pos)
          if (nl < 0) {
            header.push(chunk.subarray(pos))
            return
          }
          const line =
            header.length === 0
              ? chunk.toString('latin1', pos, nl)
              : Buffer.concat([...header, chunk.subarray(pos, nl)]).toString('latin1')
          header = []
          pos = nl + 1
          startBlob(line)
        } else if (state === 'body') {
          const take = Math.min(remaining, chunk.length - pos)
          const part = take === chunk.length ? chunk : chunk.subarray(pos, pos + take)
          if (hash === undefined && take === remaining) digest = sha256Hex(part)
          else (hash ??= createHash('sha256')).update(part)
          keep?.push(Buffer.from(part))
          remaining -= take
          pos += take
          if (remaining === 0) state = 'newline'
        } else {
          pos += 1
          finishBlob()
        }
      }
    })
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')))
    child.on('error', (e) =>
      fail(new RelsealError('E_GIT', `could not start git cat-file: ${e.message}`, { cause: e })),
    )
    child.on('close', () => {
      if (done === share.length) resolve()
      else
        fail(
          new RelsealError(
            'E_GIT',
            `git cat-file stopped after ${done} of ${share.length} objects: ${stderr.trim()}`,
          ),
        )
    })
    child.stdin.on('error', () => {
      /* reported through close */
    })
    let ids = ''
    for (const i of share) ids += `${blobs[i]!.oid}\n`
    child.stdin.end(ids)
  })
}
