import { createHash } from 'node:crypto'
import { basename } from 'node:path'
import { RelsealError } from '../errors.js'
import { escapeUntrusted } from '../text/escape.js'
import { diffFileManifests, hashFile, type TreeHash } from '../tree/index.js'
import type { ManifestPayload } from './payload.js'

const MAX_PATHS_SHOWN = 10

/**
 * Checks a hashed tree against a verified payload. With the release's file manifest at hand the
 * error names the first differing paths, but only once the file manifest's sha256 equals the
 * signed file_manifest_hash: an unsigned list must not decide which paths are reported.
 */
export function verifyTree(payload: ManifestPayload, tree: TreeHash, files?: string | Uint8Array): void {
  if (tree.codeHash === payload.code_hash && tree.fileManifestHash === payload.file_manifest_hash) return
  let where = ''
  const bytes = typeof files === 'string' ? Buffer.from(files, 'utf8') : files
  const signed =
    bytes !== undefined &&
    `sha256:${createHash('sha256').update(bytes).digest('hex')}` === payload.file_manifest_hash
  if (bytes !== undefined && !signed) {
    where =
      '; the file list given is not the one the manifest signs (its sha256 differs from file_manifest_hash), ' +
      `so differing paths cannot be named: use release_files.sha256 of release ${payload.version}`
  } else if (bytes !== undefined) {
    const paths = diffFileManifests(Buffer.from(bytes).toString('utf8'), tree.fileManifest)
    if (paths.length > 0)
      where = `; differing paths: ${paths
        .slice(0, MAX_PATHS_SHOWN)
        .map((p) => escapeUntrusted(p))
        .join(', ')}${paths.length > MAX_PATHS_SHOWN ? ', …' : ''}`
    else where = '; every file matches, so a mode, symlink or submodule differs'
  }
  throw new RelsealError(
    'E_TREE_MISMATCH',
    `the tree's code hash is ${tree.codeHash}, but the manifest for ${payload.version} pins ${payload.code_hash}${where}; ` +
      `check out commit ${payload.commit} unmodified`,
    { details: { expected: payload.code_hash, actual: tree.codeHash } },
  )
}

/** Checks artifact files (matched to the manifest by file name) against their sizes and digests. */
export async function verifyArtifacts(payload: ManifestPayload, paths: string[]): Promise<void> {
  const listed = new Map(payload.artifacts.map((a) => [a.name, a]))
  for (const path of paths) {
    const want = listed.get(basename(path))
    if (!want) {
      throw new RelsealError(
        'E_TREE_MISMATCH',
        `artifact ${basename(path)} is not listed in the manifest for ${payload.version}; do not install it`,
      )
    }
    const got = await hashFile(path)
    if (got.sha256 !== want.sha256 || got.size !== want.size) {
      throw new RelsealError(
        'E_TREE_MISMATCH',
        `artifact ${want.name} has sha256 ${got.sha256} (${got.size} bytes), but the manifest pins ${want.sha256} (${want.size} bytes); download it again`,
      )
    }
  }
}
