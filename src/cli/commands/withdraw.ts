import { statSync } from 'node:fs'
import { resolve } from 'node:path'
import { isRelsealError, RelsealError } from '../../errors.js'
import {
  appendWithdrawalSignature,
  isStrictSemver,
  isWithdrawalReason,
  MAX_REASON_BYTES,
  parseEnvelope,
  parseTagPrefix,
  parseWithdrawalPayload,
  readWithdrawalFile,
  signWithdrawal,
  WITHDRAWAL_ASSET,
  type WithdrawalPayload,
} from '../../manifest/index.js'
import { repoDefaults, resolveTagCommit } from '../../manifest/git-defaults.js'
import { isCommitId } from '../../manifest/grammar.js'
import { escapeUntrusted, jsonForTerminal } from '../../text/escape.js'
import { parseCommandArgs } from '../args.js'
import { TAG_PREFIX_OPTION } from '../common-options.js'
import type { CliIO, Command } from '../io.js'
import { loadPublicKey, loadSignerFromOptions, SIGNER_KEY_OPTIONS } from '../key-input.js'
import { writeFileAtomic } from './sign.js'

const USAGE =
  'relseal withdraw --version V --reason TEXT --key KEY [--commit SHA] [--repository OWNER/NAME] [--dir DIR] ' +
  `[--tag-prefix P] [--out ${WITHDRAWAL_ASSET}] [--json]\n` +
  `       relseal withdraw --append --version V --key KEY --pubkey KEY... [--out ${WITHDRAWAL_ASSET}] [--json]`

/** The commit of the version's release tag in `dir`: `<prefix><V>`, or `v<V>` then `<V>`. */
async function commitOfVersion(dir: string, version: string, prefix: string): Promise<string> {
  const tags = prefix === '' ? [`v${version}`, version] : [`${prefix}${version}`]
  let missing: unknown
  for (const tag of tags) {
    try {
      return await resolveTagCommit(dir, tag)
    } catch (e) {
      if (!isRelsealError(e, 'E_UNKNOWN_REV')) throw e
      missing = e
    }
  }
  throw new RelsealError(
    'E_USAGE',
    `the commit of ${version} is unknown: ${dir} has no tag ${tags.join(' or ')}; pass --commit SHA ` +
      `(the full commit id the release pins) or --dir with the release's repository`,
    { cause: missing },
  )
}

const isDirectory = (path: string): boolean =>
  statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false

const describe = (p: WithdrawalPayload): string =>
  `${p.repository} ${p.version} (commit ${p.commit}), reason: ${escapeUntrusted(p.reason)}`

/** `relseal withdraw`: signs (or co-signs) a withdrawal statement for one released version. */
export const run: Command = async (args, io) => {
  const { values, help } = parseCommandArgs(
    args,
    {
      ...SIGNER_KEY_OPTIONS,
      version: {
        type: 'string',
        value: 'V',
        required: true,
        description: 'the released version to withdraw (with --append: must be the statement’s version)',
      },
      reason: {
        type: 'string',
        value: 'TEXT',
        description: `why, one line of at most ${MAX_REASON_BYTES} bytes, shown to every host that refuses it`,
        defaultText: 'required unless --append',
      },
      commit: {
        type: 'string',
        value: 'SHA',
        description: 'the full commit id the withdrawn release pins',
        defaultText: 'the commit of tag v<version>, else <version>, in --dir',
      },
      repository: {
        type: 'string',
        value: 'OWNER/NAME',
        description: 'the GitHub repository the release belongs to',
        defaultText: 'from the origin remote of --dir',
      },
      dir: {
        type: 'string',
        value: 'DIR',
        description: 'the git repository the commit and repository defaults come from',
        defaultText: '.',
      },
      ...TAG_PREFIX_OPTION,
      pubkey: {
        type: 'string',
        multiple: true,
        value: 'KEY',
        description: 'with --append: the public key of every existing signer, whose signatures must verify',
      },
      append: {
        type: 'boolean',
        description:
          "co-sign: verify the statement at --out, then add this key's signature (for a threshold)",
      },
      out: {
        type: 'string',
        value: 'FILE',
        description: 'where to write the statement (publish it beside the manifest under this name)',
        defaultText: WITHDRAWAL_ASSET,
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
  if (!isStrictSemver(values.version))
    throw new RelsealError(
      'E_USAGE',
      `--version must be a strict SemVer version such as 1.2.3\nusage: ${USAGE}`,
    )
  const out = resolve(io.cwd, values.out ?? WITHDRAWAL_ASSET)
  if (values.append) return appendRun(values, out, io)
  if (values.pubkey !== undefined)
    throw new RelsealError(
      'E_USAGE',
      `--pubkey belongs to --append (the keys of the existing signers)\nusage: ${USAGE}`,
    )
  if (values.reason === undefined || !isWithdrawalReason(values.reason))
    throw new RelsealError(
      'E_USAGE',
      `--reason is required, as one line of 1 to ${MAX_REASON_BYTES} bytes without control characters ` +
        `(every host that refuses the version shows it)\nusage: ${USAGE}`,
    )
  if (values.commit !== undefined && !isCommitId(values.commit))
    throw new RelsealError('E_USAGE', '--commit must be a full lower-case hex commit id (40 or 64 digits)')
  const dir = resolve(io.cwd, values.dir ?? '.')
  const prefix = parseTagPrefix(values['tag-prefix'] ?? '', '--tag-prefix')
  if ((values.repository === undefined || values.commit === undefined) && !isDirectory(dir))
    throw new RelsealError(
      'E_NOT_A_REPO',
      `${dir} is not a folder; pass --dir with the release's repository, or --repository and --commit`,
    )
  const repository = values.repository ?? (await repoDefaults(dir)).repository
  if (repository === undefined)
    throw new RelsealError(
      'E_USAGE',
      `the repository is unknown: ${dir} has no GitHub origin remote; pass --repository OWNER/NAME`,
    )
  const key = await loadSignerFromOptions(values, io)
  const payload: WithdrawalPayload = {
    repository,
    version: values.version,
    commit: values.commit ?? (await commitOfVersion(dir, values.version, prefix)),
    reason: values.reason,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  }
  writeFileAtomic(out, await signWithdrawal(payload, [key]))
  io.stdout.write(
    values.json
      ? `${jsonForTerminal({ ...payload, keyid: key.keyId, statement: out })}\n`
      : `withdrew ${describe(payload)}\nkey id:    ${key.keyId}\nstatement: ${out}\n` +
          `publish it as ${WITHDRAWAL_ASSET} beside the manifest hosts update from (docs/updater.md)\n`,
  )
  return 0
}

type AppendValues = Parameters<typeof loadSignerFromOptions>[0] &
  Partial<Record<'reason' | 'commit' | 'repository' | 'dir' | 'tag-prefix', string>> & {
    version: string
    pubkey?: string[]
    json?: boolean
  }

async function appendRun(values: AppendValues, out: string, io: CliIO): Promise<number> {
  const told = (['reason', 'commit', 'repository', 'dir', 'tag-prefix'] as const).filter(
    (f) => values[f] !== undefined,
  )
  if (told.length > 0)
    throw new RelsealError(
      'E_USAGE',
      `--${told.join(', --')} cannot be combined with --append: a co-signer adds a signature to the statement as it is\nusage: ${USAGE}`,
    )
  if (!values.pubkey)
    throw new RelsealError(
      'E_USAGE',
      'withdraw --append needs --pubkey with the public key of every existing signer: a co-signer verifies ' +
        `their signatures before adding its own\nusage: ${USAGE}`,
    )
  const existing = values.pubkey.map((k) => loadPublicKey(k, io))
  const bytes = await readWithdrawalFile(out)
  // Checked before any signer is asked (a token may want a touch); the payload is verified below.
  const untrusted = parseWithdrawalPayload(parseEnvelope(bytes).untrustedPayload)
  if (untrusted.version !== values.version)
    throw new RelsealError(
      'E_USAGE',
      `${out} withdraws ${escapeUntrusted(untrusted.version)}, not ${values.version}; nothing was signed: ` +
        `check which release you mean to withdraw`,
    )
  const key = await loadSignerFromOptions(values, io)
  const { envelope, payload } = await appendWithdrawalSignature(bytes, key, existing)
  writeFileAtomic(out, envelope)
  io.stdout.write(
    values.json
      ? `${jsonForTerminal({ appended: true, ...payload, keyid: key.keyId, statement: out })}\n`
      : `added a signature by key ${key.keyId} to the withdrawal of ${describe(payload)}\nstatement: ${out}\n`,
  )
  return 0
}
