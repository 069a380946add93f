import { writeFileSync, renameSync } from 'node:fs'
import { basename, resolve } from 'node:path'
import { RelsealError } from '../../errors.js'
import {
  cosignManifest,
  MANIFEST_SCHEMA,
  MANIFEST_SCHEMA_V2,
  parseRolloutPlan,
  parseTagPrefix,
  readManifestFile,
  resolveRelease,
  signManifestWith,
  type ManifestPayload,
} from '../../manifest/index.js'
import { hashFile, hashTree } from '../../tree/index.js'
import { parseCommandArgs } from '../args.js'
import { TAG_PREFIX_OPTION } from '../common-options.js'
import { parseDuration } from '../../manifest/duration.js'
import type { Command } from '../io.js'
import { loadPublicKey, loadSignerFromOptions, SIGNER_KEY_OPTIONS } from '../key-input.js'

const USAGE =
  'relseal sign --key KEY [--signer-pubkey KEY] [--tag T] [--version V] [--tag-prefix P] [--commit SHA] [--repository OWNER/NAME] [--dir DIR] ' +
  '[--artifact FILE]... [--expires-in DURATION] [--rollout PLAN [--rollout-start TIME]] [--out release_manifest.json] [--files-out release_files.sha256] [--json]\n' +
  '       relseal sign --append --key KEY --pubkey KEY... [--dir DIR] [--artifact FILE]... [--repository OWNER/NAME] ' +
  '[--tag-prefix P] [--out release_manifest.json] [--json]'

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

/** `relseal sign`: hashes the commit's tree, builds payload v1 and signs it. */
export const run: Command = async (args, io) => {
  const { values, help } = parseCommandArgs(
    args,
    {
      ...SIGNER_KEY_OPTIONS,
      version: {
        type: 'string',
        value: 'V',
        description: 'the release version; the tag must name it (v<version>, <version>, or --tag-prefix)',
        defaultText: 'the version the tag names',
      },
      tag: {
        type: 'string',
        value: 'T',
        description: "the release tag; its commit (peeled) is signed, never HEAD's",
        defaultText: 'the tag at --commit, else at HEAD',
      },
      ...TAG_PREFIX_OPTION,
      pubkey: {
        type: 'string',
        multiple: true,
        value: 'KEY',
        description: 'with --append: the public key of every existing signer, whose signatures must verify',
      },
      commit: {
        type: 'string',
        value: 'SHA',
        description: 'the commit to pin; --tag must point at it',
        defaultText: "the tag's commit",
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
        description: 'the git repository to hash (with --append: where the co-signer re-derives every fact)',
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
      rollout: {
        type: 'string',
        value: 'PLAN',
        description:
          'a signed phased rollout, PERCENT%@AFTER stages such as 10%@0m,50%@30m,100%@2h (writes schema v2)',
        defaultText: 'every host at once, schema v1',
      },
      'rollout-start': {
        type: 'string',
        value: 'TIME',
        description:
          'when the rollout starts, an RFC 3339 UTC time such as 2026-05-01T12:00:00Z; only with --rollout',
        defaultText: 'the signing time',
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
      append: {
        type: 'boolean',
        description:
          "co-sign: re-derive every fact of the manifest at --out in --dir, then add this key's signature",
      },
      json: { type: 'boolean', description: 'print the result as JSON' },
    },
    USAGE,
    false,
  )
  if (help !== undefined) {
    io.stdout.write(help)
    return 0
  }
  const key = await loadSignerFromOptions(values, io)
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
    const told = (
      ['tag', 'version', 'commit', 'expires-in', 'files-out', 'rollout', 'rollout-start'] as const
    ).filter((f) => values[f] !== undefined)
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
      values.json
        ? `${JSON.stringify({ appended: true, rederived: true, keyid: key.keyId, manifest: out }, null, 2)}\n`
        : `re-derived ${payload.repository} ${payload.tag} (${payload.version}) at ${payload.commit}: every fact matches\n` +
            `added a signature by key ${key.keyId} to ${out}\n`,
    )
    return 0
  }
  if (values.pubkey)
    throw new RelsealError(
      'E_USAGE',
      `--pubkey belongs to --append (the keys of the existing signers)\nusage: ${USAGE}`,
    )
  if (values['rollout-start'] !== undefined && values.rollout === undefined)
    throw new RelsealError(
      'E_USAGE',
      `--rollout-start needs --rollout, the stages it starts\nusage: ${USAGE}`,
    )
  const now = new Date()
  const createdAt = now.toISOString().replace(/\.\d{3}Z$/, 'Z')
  const rollout =
    values.rollout === undefined
      ? undefined
      : parseRolloutPlan(values.rollout, values['rollout-start'] ?? createdAt, '--rollout', '--rollout-start')
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
  const payload: ManifestPayload = {
    schema: rollout ? MANIFEST_SCHEMA_V2 : MANIFEST_SCHEMA,
    repository,
    tag,
    version,
    commit,
    code_hash: tree.codeHash,
    file_manifest_hash: tree.fileManifestHash,
    file_count: tree.files,
    artifacts,
    created_at: createdAt,
  }
  if (values['expires-in'] !== undefined) {
    const expires = new Date(now.getTime() + parseDuration(values['expires-in'], '--expires-in') * 1000)
    payload.expires_at = expires.toISOString().replace(/\.\d{3}Z$/, 'Z')
  }
  if (rollout) payload.rollout = rollout
  const envelope = await signManifestWith(payload, [key])
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
