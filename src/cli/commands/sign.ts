import { writeFileSync, renameSync } from 'node:fs'
import { basename, resolve } from 'node:path'
import { RelsealError } from '../../errors.js'
import { repoDefaults, type RepoDefaults } from '../../manifest/git-defaults.js'
import {
  appendSignature,
  MANIFEST_SCHEMA,
  readManifestFile,
  signManifest,
  type ManifestPayload,
} from '../../manifest/index.js'
import { hashFile, hashTree } from '../../tree/index.js'
import { parseCommandArgs } from '../args.js'
import { parseDuration } from '../../manifest/duration.js'
import type { Command } from '../io.js'
import { loadSigningKey } from '../key-input.js'

const USAGE =
  'relseal sign --key KEY --version V [--tag T] [--commit SHA] [--repository OWNER/NAME] [--dir DIR] ' +
  '[--artifact FILE]... [--expires-in DURATION] [--out release_manifest.json] [--files-out release_files.sha256] [--json]\n' +
  '       relseal sign --append --key KEY [--out release_manifest.json] [--json]'

/** Writes a file through a temp name and a rename, so a reader never sees half of it. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`
  try {
    writeFileSync(tmp, data)
  } catch (e) {
    // Name the file the user asked for, not the temp name, in the CLI's error.
    ;(e as NodeJS.ErrnoException).path = path
    throw e
  }
  renameSync(tmp, path)
}

function required(value: string | undefined, what: string, hint: string): string {
  if (value === undefined) throw new RelsealError('E_USAGE', `${what} is unknown; ${hint}\nusage: ${USAGE}`)
  return value
}

/** `relseal sign`: hashes the commit's tree, builds payload v1 and signs it. */
export const run: Command = async (args, io) => {
  const { values, help } = parseCommandArgs(
    args,
    {
      key: {
        type: 'string',
        value: 'KEY',
        required: true,
        description:
          'the signing key: a file or env:NAME (never inline); PKCS#8 (encrypted too), OpenSSH or base64',
      },
      version: {
        type: 'string',
        value: 'V',
        description: 'the release version',
        defaultText: 'the tag without its v',
      },
      tag: { type: 'string', value: 'T', description: 'the release tag', defaultText: 'the tag at HEAD' },
      commit: {
        type: 'string',
        value: 'SHA',
        description: 'the commit to pin',
        defaultText: 'HEAD of --dir',
      },
      repository: {
        type: 'string',
        value: 'OWNER/NAME',
        description: 'the GitHub repository the release belongs to',
        defaultText: 'from the origin remote',
      },
      dir: {
        type: 'string',
        value: 'DIR',
        description: 'the repository (or plain folder) to hash',
        defaultText: '.',
      },
      artifact: {
        type: 'string',
        multiple: true,
        value: 'FILE',
        description: 'list a file in the manifest with its size and SHA-256',
      },
      'expires-in': {
        type: 'string',
        value: 'DURATION',
        description: 'how long the manifest stays valid, e.g. 90d, 12h (units s, m, h, d, w)',
        defaultText: 'no expiry',
      },
      out: {
        type: 'string',
        value: 'FILE',
        description: 'where to write the manifest',
        defaultText: 'release_manifest.json',
      },
      'files-out': {
        type: 'string',
        value: 'FILE',
        description: 'where to write the file manifest',
        defaultText: 'release_files.sha256 beside --out',
      },
      append: { type: 'boolean', description: "add this key's signature to the existing manifest at --out" },
      json: { type: 'boolean', description: 'print the result as JSON' },
    },
    USAGE,
    false,
  )
  if (help !== undefined) {
    io.stdout.write(help)
    return 0
  }
  const key = await loadSigningKey(values.key, io)
  const out = resolve(io.cwd, values.out ?? 'release_manifest.json')
  if (values.append) {
    writeFileAtomic(out, appendSignature(await readManifestFile(out), key))
    io.stdout.write(
      values.json
        ? `${JSON.stringify({ appended: true, keyid: key.keyId, manifest: out }, null, 2)}\n`
        : `added a signature by key ${key.keyId} to ${out}\n`,
    )
    return 0
  }
  const dir = resolve(io.cwd, values.dir ?? '.')
  const defaults: RepoDefaults = await repoDefaults(dir).catch((): RepoDefaults => ({}))
  const commit = required(
    values.commit ?? defaults.commit,
    'the commit',
    'pass --commit SHA (DIR is not a git repository)',
  )
  const tag = required(values.tag ?? defaults.tag, 'the tag', 'pass --tag (no tag points at HEAD)')
  const version = required(values.version ?? tag.replace(/^v/, ''), 'the version', 'pass --version')
  const repository = required(
    values.repository ?? defaults.repository,
    'the repository',
    'pass --repository OWNER/NAME (no GitHub origin remote)',
  )
  // Hash the committed bytes when DIR is a repository; a plain directory is hashed as it is.
  const tree = defaults.commit !== undefined ? await hashTree({ dir, rev: commit }) : await hashTree({ dir })
  const artifacts = []
  for (const a of values.artifact ?? []) {
    const { sha256, size } = await hashFile(resolve(io.cwd, a))
    artifacts.push({ name: basename(a), size, sha256 })
  }
  const now = new Date()
  const payload: ManifestPayload = {
    schema: MANIFEST_SCHEMA,
    repository,
    tag,
    version,
    commit: tree.commit ?? commit,
    code_hash: tree.codeHash,
    file_manifest_hash: tree.fileManifestHash,
    file_count: tree.files,
    artifacts,
    created_at: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  }
  if (values['expires-in'] !== undefined) {
    const expires = new Date(now.getTime() + parseDuration(values['expires-in'], '--expires-in') * 1000)
    payload.expires_at = expires.toISOString().replace(/\.\d{3}Z$/, 'Z')
  }
  const envelope = signManifest(payload, [key])
  writeFileAtomic(out, envelope)
  const filesOut = resolve(io.cwd, values['files-out'] ?? `${out.replace(/[^/]*$/, '')}release_files.sha256`)
  writeFileAtomic(filesOut, tree.fileManifest)
  if (values.json) {
    const summary = { ...payload, keyid: key.keyId, manifest: out, files: filesOut }
    io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`)
    return 0
  }
  io.stdout.write(
    `signed ${repository} ${tag} (${version}) at ${payload.commit}\n` +
      `code hash: ${tree.codeHash}\nkey id:    ${key.keyId}\nmanifest:  ${out}\nfiles:     ${filesOut}\n`,
  )
  return 0
}
