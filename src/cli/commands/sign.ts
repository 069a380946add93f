import { writeFileSync, renameSync } from 'node:fs'
import { basename, resolve } from 'node:path'
import { RelsealError } from '../../errors.js'
import {
  cosignManifest,
  MANIFEST_SCHEMA,
  parseTagPrefix,
  readManifestFile,
  resolveRelease,
  signManifest,
  type ManifestPayload,
} from '../../manifest/index.js'
import { hashFile, hashTree } from '../../tree/index.js'
import { parseCommandArgs } from '../args.js'
import { parseDuration } from '../../manifest/duration.js'
import type { Command } from '../io.js'
import { loadPublicKey, loadSigningKey } from '../key-input.js'

const USAGE =
  'relseal sign --key KEY [--tag T] [--version V] [--tag-prefix P] [--commit SHA] [--repository OWNER/NAME] [--dir DIR] ' +
  '[--artifact FILE]... [--expires-in DURATION] [--out release_manifest.json] [--files-out release_files.sha256]\n' +
  '       relseal sign --append --key KEY --pubkey KEY... [--dir DIR] [--artifact FILE]... [--repository OWNER/NAME] ' +
  '[--tag-prefix P] [--out release_manifest.json]'

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
      'tag-prefix': { type: 'string' },
      pubkey: { type: 'string', multiple: true },
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
  const dir = resolve(io.cwd, values.dir ?? '.')
  const tagPrefix = parseTagPrefix(values['tag-prefix'] ?? '', '--tag-prefix')
  const artifactPaths = (values.artifact ?? []).map((a) => resolve(io.cwd, a))
  if (values.append) {
    if (!values.pubkey)
      throw new RelsealError(
        'E_USAGE',
        'sign --append needs --pubkey with the public key of every existing signer: a co-signer verifies ' +
          `their signatures before adding its own, so it never vouches for a broken or unknown manifest\nusage: ${USAGE}`,
      )
    const told = (['tag', 'version', 'commit', 'expires-in', 'files-out'] as const).filter(
      (f) => values[f] !== undefined,
    )
    if (told.length > 0)
      throw new RelsealError(
        'E_USAGE',
        `--${told.join(', --')} cannot be combined with --append: a co-signer takes every fact from the manifest and ` +
          `checks it against its own repository (--dir)\nusage: ${USAGE}`,
      )
    const { envelope, payload } = await cosignManifest({
      envelope: await readManifestFile(out),
      key,
      existingSigners: values.pubkey.map((k) => loadPublicKey(k, io)),
      dir,
      artifacts: artifactPaths,
      tagPrefix,
      ...(values.repository !== undefined ? { repository: values.repository } : {}),
    })
    writeFileAtomic(out, envelope)
    io.stdout.write(
      `re-derived ${payload.repository} ${payload.tag} (${payload.version}) at ${payload.commit}: every fact matches\n` +
        `added a signature by key ${key.keyId} to ${out}\n`,
    )
    return 0
  }
  if (values.pubkey)
    throw new RelsealError(
      'E_USAGE',
      `--pubkey belongs to --append (the keys of the existing signers)\nusage: ${USAGE}`,
    )
  // The tag decides the commit, never HEAD; its version and the repository are checked before signing.
  const facts = await resolveRelease({
    dir,
    tagPrefix,
    ...(values.tag !== undefined ? { tag: values.tag } : {}),
    ...(values.commit !== undefined ? { commit: values.commit } : {}),
    ...(values.version !== undefined ? { version: values.version } : {}),
    ...(values.repository !== undefined ? { repository: values.repository } : {}),
  })
  const { repository, tag, version, commit } = facts
  const tree = await hashTree({ dir, rev: commit })
  const artifacts = []
  for (const a of artifactPaths) {
    const { sha256, size } = await hashFile(a)
    artifacts.push({ name: basename(a), size, sha256 })
  }
  const now = new Date()
  const payload: ManifestPayload = {
    schema: MANIFEST_SCHEMA,
    repository,
    tag,
    version,
    commit,
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
