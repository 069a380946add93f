import { resolve } from 'node:path'
import {
  parseTagPrefix,
  readManifestFile,
  stageOpensAt,
  verifyArtifacts,
  verifyManifest,
  verifyTree,
  type Rollout,
} from '../../manifest/index.js'
import { readBoundedFile } from '../../manifest/read-bounded.js'
import { hashTree } from '../../tree/index.js'
import { expectPositionals, parseCommandArgs, parseIntegerFlag } from '../args.js'
import { TAG_PREFIX_OPTION } from '../common-options.js'
import type { Command } from '../io.js'
import { loadPublicKey } from '../key-input.js'

const USAGE =
  'relseal verify MANIFEST --pubkey KEY... [--threshold N] [--repository OWNER/NAME] [--dir DIR] [--files release_files.sha256] ' +
  '[--artifact FILE]... [--min-version V] [--tag-prefix P] [--allow-expired] [--json]'

/** release_files.sha256 lists every file of a tree: far more than a manifest, but still bounded. */
const MAX_FILE_LIST_BYTES = 256 * 1024 * 1024

/** When each stage of a signed phased rollout opens: `10% from 2026-05-01T12:00:00.000Z, …`. */
const rolloutText = (r: Rollout): string =>
  r.stages.map((s, i) => `${s.percent}% from ${new Date(stageOpensAt(r, i)).toISOString()}`).join(', ')

/** `relseal verify`: exit 0 verified, 1 refused, 2 usage or unreadable input. */
export const run: Command = async (args, io) => {
  const { values, positionals, help } = parseCommandArgs(
    args,
    {
      pubkey: {
        type: 'string',
        multiple: true,
        required: true,
        value: 'KEY',
        description: 'a trusted public key: file, env:NAME, or inline base64 / ssh-ed25519 line',
      },
      threshold: {
        type: 'string',
        value: 'N',
        description: 'how many distinct trusted keys must have signed',
        defaultText: '1',
      },
      repository: {
        type: 'string',
        value: 'OWNER/NAME',
        description: 'refuse a manifest for another repository',
        defaultText: 'any repository',
      },
      ...TAG_PREFIX_OPTION,
      dir: {
        type: 'string',
        value: 'DIR',
        description: "re-hash this checkout and compare it with the manifest's code hash",
        defaultText: 'no tree check',
      },
      files: {
        type: 'string',
        value: 'FILE',
        description:
          'the release_files.sha256, to name the paths that differ (with --dir; used only when its hash is the signed one)',
      },
      artifact: {
        type: 'string',
        multiple: true,
        value: 'FILE',
        description: "check a downloaded artifact against the manifest's digest",
      },
      'min-version': { type: 'string', value: 'V', description: 'refuse a version below V (strict SemVer)' },
      'allow-expired': { type: 'boolean', description: 'accept a manifest past its expires_at' },
      json: { type: 'boolean', description: 'print the result as JSON' },
    },
    USAGE,
  )
  if (help !== undefined) {
    io.stdout.write(help)
    return 0
  }
  expectPositionals(positionals, ['MANIFEST'], USAGE)
  const keys = values.pubkey.map((k) => loadPublicKey(k, io))
  const verified = verifyManifest(await readManifestFile(resolve(io.cwd, positionals[0]!)), {
    keys,
    threshold: parseIntegerFlag(values.threshold, '--threshold', 1, 1),
    enforceExpiry: !values['allow-expired'],
    ...(values.repository ? { repository: values.repository } : {}),
    ...(values['tag-prefix'] ? { tagPrefix: parseTagPrefix(values['tag-prefix'], '--tag-prefix') } : {}),
    ...(values['min-version'] ? { minVersion: values['min-version'] } : {}),
  })
  const p = verified.payload
  const checked = ['signature']
  if (values.dir !== undefined) {
    const tree = await hashTree({ dir: resolve(io.cwd, values.dir) })
    const files =
      values.files === undefined
        ? undefined
        : await readBoundedFile(resolve(io.cwd, values.files), MAX_FILE_LIST_BYTES, '--files')
    verifyTree(p, tree, files)
    checked.push('tree')
  }
  if (values.artifact) {
    await verifyArtifacts(
      p,
      values.artifact.map((a) => resolve(io.cwd, a)),
    )
    checked.push('artifacts')
  }
  if (values.json) {
    const out = {
      verified: true,
      checked,
      repository: p.repository,
      tag: p.tag,
      version: p.version,
      commit: p.commit,
      code_hash: p.code_hash,
      keyids: verified.keyIds,
      manifest_digest: verified.digest,
      ...(p.rollout ? { rollout: p.rollout } : {}),
    }
    io.stdout.write(`${JSON.stringify(out, null, 2)}\n`)
  } else {
    io.stdout.write(
      `verified: ${p.repository} ${p.tag} (version ${p.version})\ncommit:    ${p.commit}\ncode hash: ${p.code_hash}\n` +
        `key ids:   ${verified.keyIds.join(', ')}\nchecked:   ${checked.join(', ')}\n` +
        (p.rollout ? `rollout:   ${rolloutText(p.rollout)}\n` : ''),
    )
  }
  return 0
}
