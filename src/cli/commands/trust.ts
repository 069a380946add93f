import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { RelsealError } from '../../errors.js'
import { parseDuration } from '../../manifest/duration.js'
import {
  parseTrustRoot,
  readTrustRootFile,
  signTrustRootWith,
  trustRootKeyOf,
  TRUST_ROOT_SCHEMA,
  unsignedTrustRoot,
  verifyTrustRootChain,
  type TrustRootPayload,
} from '../../trust/trust-root.js'
import { writeFileAtomic } from '../../update/atomic-file.js'
import {
  expectPositionals,
  formatHelp,
  parseCommandArgs,
  parseIntegerFlag,
  type OptionSpec,
} from '../args.js'
import type { CliIO, Command } from '../io.js'
import { loadPublicKey, loadSignerFromOptions, SIGNER_KEY_OPTIONS } from '../key-input.js'

const USAGE = {
  init:
    'relseal trust init --key PUB... --threshold N --root-threshold M --repository OWNER/NAME ' +
    '[--expires-in 365d] --out trust-root.1.json',
  next:
    'relseal trust next PREV [--add-key PUB]... [--remove-key KEYID]... [--threshold N] [--root-threshold M] ' +
    '[--expires-in 365d] --out trust-root.2.json',
  sign: 'relseal trust sign FILE --key KEY [--signer-pubkey KEY] [--pkcs11-module PATH] [--signer-timeout S]',
  verify: 'relseal trust verify ROOT1 [ROOT2]...',
}
const TOP_USAGE =
  'relseal trust init|next|sign|verify ...\n' +
  '  init    write trust root version 1, unsigned\n' +
  '  next    write the next version from the previous one, unsigned\n' +
  '  sign    add one signature to a trust root, in place\n' +
  '  verify  verify a chain of trust roots, oldest first\n' +
  "run 'relseal trust SUB --help' for a sub-command's options"

const EXPIRES_IN = {
  type: 'string',
  value: 'DURATION',
  description: 'the new root expires this long from now (s, m, h, d or w)',
  defaultText: '365d',
} as const satisfies OptionSpec
const OUT = (name: string) =>
  ({
    type: 'string',
    value: 'FILE',
    required: true,
    description: `where to write the unsigned trust root (${name}); refused if it exists`,
  }) as const satisfies OptionSpec

function expiresAt(text: string | undefined): string {
  const seconds = parseDuration(text ?? '365d', '--expires-in')
  return new Date(Date.now() + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

function thresholdWithin(value: number, keys: number, flag: string): number {
  if (value > keys)
    throw new RelsealError(
      'E_USAGE',
      `${flag} ${value} is more than the ${keys} key(s) the root lists; lower it or add keys`,
    )
  return value
}

function writeNew(io: CliIO, out: string, root: TrustRootPayload): void {
  const path = resolve(io.cwd, out)
  if (existsSync(path))
    throw new RelsealError('E_EXISTS', `${out} already exists; choose another --out or remove it first`)
  writeFileAtomic(path, unsignedTrustRoot(root))
  io.stdout.write(
    `wrote ${out}: trust root version ${root.version} for ${root.repository}, ${root.keys.length} key(s), ` +
      `threshold ${root.threshold}, root threshold ${root.root_threshold}, unsigned; ` +
      `sign it with relseal trust sign ${out} --key KEY\n`,
  )
}

const init: Command = (args, io) => {
  const { values, positionals, help } = parseCommandArgs(
    args,
    {
      key: {
        type: 'string',
        multiple: true,
        required: true,
        value: 'PUB',
        description: 'a public key the root lists: file, env:NAME, or inline base64 / ssh-ed25519 line',
      },
      threshold: {
        type: 'string',
        value: 'N',
        required: true,
        description: 'distinct listed keys that must sign a release manifest',
      },
      'root-threshold': {
        type: 'string',
        value: 'M',
        required: true,
        description: 'distinct listed keys that must sign the next trust root (and this one)',
      },
      repository: {
        type: 'string',
        value: 'OWNER/NAME',
        required: true,
        description: 'the repository whose releases the root vouches for',
      },
      'expires-in': EXPIRES_IN,
      out: OUT('trust-root.1.json'),
    },
    USAGE.init,
    false,
  )
  if (help !== undefined) {
    io.stdout.write(help)
    return Promise.resolve(0)
  }
  expectPositionals(positionals, [], USAGE.init)
  const keys = [...new Map(values.key.map((k) => loadPublicKey(k, io)).map((k) => [k.keyId, k])).values()]
  writeNew(io, values.out, {
    schema: TRUST_ROOT_SCHEMA,
    repository: values.repository,
    version: 1,
    keys: keys.map((k) => trustRootKeyOf(k)),
    threshold: thresholdWithin(
      parseIntegerFlag(values.threshold, '--threshold', 1, 1),
      keys.length,
      '--threshold',
    ),
    root_threshold: thresholdWithin(
      parseIntegerFlag(values['root-threshold'], '--root-threshold', 1, 1),
      keys.length,
      '--root-threshold',
    ),
    expires_at: expiresAt(values['expires-in']),
  })
  return Promise.resolve(0)
}

const next: Command = async (args, io) => {
  const { values, positionals, help } = parseCommandArgs(
    args,
    {
      'add-key': {
        type: 'string',
        multiple: true,
        value: 'PUB',
        description: 'a public key to add: file, env:NAME, or inline base64 / ssh-ed25519 line',
      },
      'remove-key': {
        type: 'string',
        multiple: true,
        value: 'KEYID',
        description: 'the key id (hex) of a key to remove (revoke)',
      },
      threshold: {
        type: 'string',
        value: 'N',
        description: 'distinct listed keys that must sign a release manifest',
        defaultText: "PREV's",
      },
      'root-threshold': {
        type: 'string',
        value: 'M',
        description: 'distinct listed keys that must sign the next trust root (and this one)',
        defaultText: "PREV's",
      },
      'expires-in': EXPIRES_IN,
      out: OUT('trust-root.<N+1>.json'),
    },
    USAGE.next,
  )
  if (help !== undefined) {
    io.stdout.write(help)
    return 0
  }
  expectPositionals(positionals, ['PREV'], USAGE.next)
  const prev = parseTrustRoot(await readTrustRootFile(resolve(io.cwd, positionals[0]!))).untrustedPayload
  const removed = new Set(values['remove-key'] ?? [])
  for (const id of removed)
    if (!prev.keys.some((k) => k.keyid === id))
      throw new RelsealError(
        'E_USAGE',
        `--remove-key ${JSON.stringify(id)} is not a key id of ${positionals[0]}`,
      )
  const keys = prev.keys.filter((k) => !removed.has(k.keyid))
  for (const spec of values['add-key'] ?? []) {
    const key = loadPublicKey(spec, io)
    if (!keys.some((k) => k.keyid === key.keyId)) keys.push(trustRootKeyOf(key))
  }
  if (keys.length === 0)
    throw new RelsealError('E_USAGE', 'the new root would list no key; add one with --add-key')
  writeNew(io, values.out, {
    ...prev,
    version: prev.version + 1,
    keys,
    threshold: thresholdWithin(
      parseIntegerFlag(values.threshold, '--threshold', 1, prev.threshold),
      keys.length,
      '--threshold',
    ),
    root_threshold: thresholdWithin(
      parseIntegerFlag(values['root-threshold'], '--root-threshold', 1, prev.root_threshold),
      keys.length,
      '--root-threshold',
    ),
    expires_at: expiresAt(values['expires-in']),
  })
  return 0
}

const sign: Command = async (args, io) => {
  const { values, positionals, help } = parseCommandArgs(
    args,
    {
      ...SIGNER_KEY_OPTIONS,
    },
    USAGE.sign,
  )
  if (help !== undefined) {
    io.stdout.write(help)
    return 0
  }
  expectPositionals(positionals, ['FILE'], USAGE.sign)
  const path = resolve(io.cwd, positionals[0]!)
  const key = await loadSignerFromOptions(values, io)
  const signed = await signTrustRootWith(await readTrustRootFile(path), key)
  writeFileAtomic(path, signed)
  const { env, untrustedPayload } = parseTrustRoot(signed)
  io.stdout.write(
    `added a signature by key ${key.keyId} to ${positionals[0]} (trust root version ${untrustedPayload.version}, ` +
      `${env.signatures.length} signature(s))\n`,
  )
  return 0
}

const verify: Command = async (args, io) => {
  const { positionals, help } = parseCommandArgs(args, {}, USAGE.verify)
  if (help !== undefined) {
    io.stdout.write(help)
    return 0
  }
  if (positionals.length === 0) throw new RelsealError('E_USAGE', `missing ROOT1\nusage: ${USAGE.verify}`)
  const roots = await Promise.all(positionals.map((p) => readTrustRootFile(resolve(io.cwd, p))))
  const steps = verifyTrustRootChain(roots)
  for (const [i, s] of steps.entries()) {
    const p = s.payload
    io.stdout.write(
      `${positionals[i]}: version ${p.version} for ${p.repository}, valid until ${p.expires_at}\n` +
        (i > 0 ? `  signed by version ${p.version - 1}'s keys: ${s.previousSigners.join(', ')}\n` : '') +
        `  signed by its own keys: ${s.signers.join(', ')}\n`,
    )
  }
  const last = steps.at(-1)!.payload
  io.stdout.write(
    `verified: trust root version ${last.version}; releases need ${last.threshold} of ${last.keys.map((k) => k.keyid).join(', ')}\n`,
  )
  return 0
}

const SUBCOMMANDS: Record<string, Command> = { init, next, sign, verify }

/** `relseal trust`: make, sign and verify trust roots (docs/trust-root.md). */
export const run: Command = async (args, io) => {
  const [sub, ...rest] = args
  const command = sub !== undefined && Object.hasOwn(SUBCOMMANDS, sub) ? SUBCOMMANDS[sub] : undefined
  if (command !== undefined) return command(rest, io)
  if (sub === '--help' || sub === '-h') {
    io.stdout.write(formatHelp(TOP_USAGE, {}))
    return 0
  }
  throw new RelsealError(
    'E_USAGE',
    `${sub === undefined ? 'missing sub-command' : `unknown sub-command ${JSON.stringify(sub)}`}\nusage: ${TOP_USAGE}`,
  )
}
