import { createHash, type Hash } from 'node:crypto'
import { RelsealError } from '../errors.js'
import { runGit, spawnGit } from '../git/git.js'
import { decodePathName, MODE_OF_KIND, type TreeEntry } from './entry.js'
import { splitNul } from './git-repo.js'
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

function streamBlobs(
  dir: string,
  blobs: readonly TreeRecord[],
  onProgress?: (p: { files: number; bytes: number }) => void,
): Promise<BlobDigest[]> {
  const results: BlobDigest[] = []
  if (blobs.length === 0) return Promise.resolve(results)
  const child = spawnGit(['cat-file', '--batch'], { cwd: dir, ambientConfig: true })
  // cat-file --batch answers each id with "<oid> blob <size>\n", the bytes, then "\n".
  let state: 'header' | 'body' | 'newline' = 'header'
  let header: Buffer[] = []
  let remaining = 0
  let size = 0
  let bytes = 0
  let hash: Hash = createHash('sha256')
  let keep: Buffer[] | undefined
  let stderr = ''
  return new Promise<BlobDigest[]>((resolve, reject) => {
    let failed = false
    const fail = (e: Error): void => {
      if (failed) return
      failed = true
      child.kill('SIGKILL')
      reject(e)
    }
    const startBlob = (line: string): void => {
      const [oid, type, len] = line.split(' ')
      const blob = blobs[results.length]
      if (type !== 'blob' || blob === undefined || len === undefined) {
        return fail(
          new RelsealError(
            'E_GIT',
            `object ${oid} (${JSON.stringify(blob?.path)}) is missing from the object store; fetch the commit again`,
          ),
        )
      }
      size = remaining = Number(len)
      hash = createHash('sha256')
      keep = blob.mode === '120000' ? [] : undefined
      state = remaining === 0 ? 'newline' : 'body'
    }
    const finishBlob = (): void => {
      bytes += size
      results.push({ sha256: hash.digest('hex'), size, ...(keep ? { content: Buffer.concat(keep) } : {}) })
      if (results.length % 512 === 0 || results.length === blobs.length)
        onProgress?.({ files: results.length, bytes })
      state = 'header'
    }
    child.stdout.on('data', (chunk: Buffer) => {
      let pos = 0
      while (pos < chunk.length && !failed) {
        if (state === 'header') {
          const nl = chunk.indexOf(0x0a, pos)
          header.push(chunk.subarray(pos, nl < 0 ? chunk.length : nl))
          if (nl < 0) return
          pos = nl + 1
          const line = Buffer.concat(header).toString('latin1')
          header = []
          startBlob(line)
        } else if (state === 'body') {
          const take = Math.min(remaining, chunk.length - pos)
          const part = chunk.subarray(pos, pos + take)
          hash.update(part)
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
      if (results.length === blobs.length) resolve(results)
      else
        fail(
          new RelsealError(
            'E_GIT',
            `git cat-file stopped after ${results.length} of ${blobs.length} objects: ${stderr.trim()}`,
          ),
        )
    })
    child.stdin.on('error', () => {
      /* reported through close */
    })
    child.stdin.end(blobs.map((b) => b.oid).join('\n') + '\n')
  })
}
