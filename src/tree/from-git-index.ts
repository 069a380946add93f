import { lstatSync, readFileSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'
import { RelsealError } from '../errors.js'
import { runGit } from '../git/git.js'
import { decodePathName } from './entry.js'
import { assertSymlinkInside } from './glob.js'
import { splitNul } from './git-repo.js'
import type { RawTree } from './raw-tree.js'

interface IndexRecord {
  mode: string
  oid: string
  path: string
}

async function readIndex(dir: string): Promise<IndexRecord[]> {
  const out = (await runGit(['ls-files', '--stage', '-z'], { cwd: dir })).stdout
  return splitNul(out).map((rec) => {
    const tab = rec.indexOf(0x09)
    const [mode = '', oid = '', stage = ''] = rec.subarray(0, tab).toString('latin1').split(' ')
    const path = decodePathName(rec.subarray(tab + 1), dir)
    if (stage !== '0') {
      throw new RelsealError(
        'E_BAD_INPUT',
        `${JSON.stringify(path)} has an unresolved merge conflict; resolve it and stage the result`,
      )
    }
    return { mode, oid, path }
  })
}

/**
 * Lists the files git tracks in a working tree (the index, never stray files), reading their
 * bytes from disk. Files that git converts on checkout are compared with their blobs first.
 */
export async function listGitIndex(dir: string): Promise<RawTree> {
  const records = await readIndex(dir)
  await refuseConvertedFiles(dir, records)
  const out: RawTree = { files: [], fixed: [] }
  for (const r of records) {
    const abs = join(dir, r.path)
    if (r.mode === '160000') {
      out.fixed.push({ path: r.path, kind: 'submodule', commit: r.oid })
      continue
    }
    let st
    try {
      st = lstatSync(abs)
    } catch {
      throw new RelsealError(
        'E_NOT_FOUND',
        `${JSON.stringify(r.path)} is tracked by git but missing from the working tree; restore it (git checkout -- <path>) or commit its removal`,
      )
    }
    if (st.isSymbolicLink() || r.mode === '120000') {
      // Without symlink support git writes the target as a plain file; either way it is text.
      const target = st.isSymbolicLink() ? readlinkSync(abs, { encoding: 'buffer' }) : readFileSync(abs)
      assertSymlinkInside(r.path, decodePathName(target, r.path))
      out.fixed.push({ path: r.path, kind: 'symlink', content: target })
    } else out.files.push({ path: r.path, job: { abs, where: r.path } })
  }
  return out
}

const CONVERTING_ATTRS = ['text', 'eol', 'filter', 'ident', 'working-tree-encoding'] as const

/**
 * core.autocrlf, eol and clean/smudge filters make working-tree bytes differ from the committed
 * ones, which would make a working tree and `--rev` hash differently. For every file such a
 * setting touches, the raw working-tree bytes must still be the committed blob; otherwise refuse,
 * naming the file and the setting (issue: "never differ silently").
 */
async function refuseConvertedFiles(dir: string, records: readonly IndexRecord[]): Promise<void> {
  const files = records.filter((r) => r.mode === '100644' || r.mode === '100755')
  if (files.length === 0) return
  const autocrlf = (await runGit(['config', '--get', 'core.autocrlf'], { cwd: dir, okCodes: [0, 1] })).stdout
    .toString('utf8')
    .trim()
  const attrOut = await runGit(['check-attr', '-z', '--stdin', ...CONVERTING_ATTRS], {
    cwd: dir,
    input: Buffer.concat(files.map((f) => Buffer.from(`${f.path}\0`, 'utf8'))),
  })
  const fields = splitNul(attrOut.stdout).map((b) => b.toString('utf8'))
  const settings = new Map<string, string[]>()
  for (let i = 0; i + 2 < fields.length + 1; i += 3) {
    const [path, attr, value] = [fields[i]!, fields[i + 1], fields[i + 2]]
    if (value === undefined || value === 'unspecified' || value === 'unset') continue
    settings.set(path, [...(settings.get(path) ?? []), `${attr}=${value}`])
  }
  const autocrlfOn = autocrlf === 'true' || autocrlf === 'input'
  const suspects = files.filter((f) => settings.has(f.path) || autocrlfOn)
  if (suspects.length === 0) return
  const oids = (
    await runGit(['hash-object', '--no-filters', '--stdin-paths'], {
      cwd: dir,
      input: suspects.map((f) => f.path).join('\n') + '\n',
    })
  ).stdout
    .toString('utf8')
    .split('\n')
  suspects.forEach((f, i) => {
    if (oids[i] === f.oid) return
    const setting = [
      ...(settings.get(f.path) ?? []),
      ...(autocrlfOn ? [`core.autocrlf=${autocrlf}`] : []),
    ].join(', ')
    throw new RelsealError(
      'E_GIT_FILTER',
      `${JSON.stringify(f.path)} differs from its committed bytes and git converts it on checkout (${setting}); ` +
        `hash the commit with --rev HEAD, or turn the conversion off for release checkouts and check out again`,
      { details: { path: f.path, setting } },
    )
  })
}
