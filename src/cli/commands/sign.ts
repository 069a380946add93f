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
  '[--artifact FILE]... [--expires-in DURATION] [--out release_manifest.json] [--files-out release_files.sha256]\n' +
  '       relseal sign --append --key KEY [--out release_manifest.json]'

/** Writes a file through a temp name and a rename, so a reader never sees half of it. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, data)
  renameSync(tmp, path)
}

function required(value: string | undefined, what: string, hint: string): string {
  if (value === undefined) throw new RelsealError('E_USAGE', `${what} is unknown; ${hint}\nusage: ${USAGE}`)
  return value
}

/** `relseal sign`: hashes the commit's tree, builds payload v1 and signs it. */
export const run: Command = async (args, io) => {
  const { values } = parseCommandArgs(
    args,
    {
      key: { type: 'string' },
      version: { type: 'string' },
      tag: { type: 'string' },
      commit: { type: 'string' },
      repository: { type: 'string' },
      dir: { type: 'string' },
      artifact: { type: 'string', multiple: true },
      'expires-in': { type: 'string' },
      out: { type: 'string' },
      'files-out': { type: 'string' },
      append: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
    false,
  )
  if (values.help) {
    io.stdout.write(`usage: ${USAGE}\n`)
    return 0
  }
  const key = loadSigningKey(required(values.key, 'the signing key', 'pass --key FILE or --key env:NAME'), io)
  const out = resolve(io.cwd, values.out ?? 'release_manifest.json')
  if (values.append) {
    writeFileAtomic(out, appendSignature(await readManifestFile(out), key))
    io.stdout.write(`added a signature by key ${key.keyId} to ${out}\n`)
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
  io.stdout.write(
    `signed ${repository} ${tag} (${version}) at ${payload.commit}\n` +
      `code hash: ${tree.codeHash}\nkey id:    ${key.keyId}\nmanifest:  ${out}\nfiles:     ${filesOut}\n`,
  )
  return 0
}
