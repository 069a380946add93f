import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { isRelsealError, RelsealError } from '../errors.js'
import type { TrustPolicy } from '../trust/policy.js'
import {
  execSigner,
  fileSigner,
  parseExecCommand,
  parsePkcs11Uri,
  pkcs11Signer,
  parsePublicKey,
  parseSigningKey,
  sshAgentSigner,
  type PublicKeyInfo,
  type Signer,
  type SigningKey,
} from '../keys/index.js'
import { parseIntegerFlag, type OptionSpec } from './args.js'
import type { CliIO } from './io.js'

/**
 * Where a key comes from: `env:NAME` reads the environment variable NAME; anything else is a
 * file path. Public keys may also be given inline (base64 or an `ssh-ed25519 …` line); private
 * keys never are, so they do not show up in process listings or shell history.
 */
function readKeySource(spec: string, io: CliIO, allowInline: boolean): { text: string; source: string } {
  if (spec.startsWith('env:')) {
    const name = spec.slice(4)
    const text = io.env[name]
    if (text === undefined || text.trim() === '') {
      throw new RelsealError(
        'E_BAD_KEY',
        `environment variable ${name} is not set or empty; export the key into it, or pass a key file`,
      )
    }
    return { text, source: `environment variable ${name}` }
  }
  const path = resolve(io.cwd, spec)
  if (existsSync(path)) {
    try {
      return { text: readFileSync(path, 'utf8'), source: spec }
    } catch (e) {
      throw new RelsealError('E_UNREADABLE', `key file ${spec} cannot be read: ${(e as Error).message}`, {
        cause: e,
      })
    }
  }
  if (allowInline) return { text: spec, source: 'the command line' }
  // The value is not repeated: someone may have pasted the key itself.
  throw new RelsealError(
    'E_BAD_KEY',
    'the signing key argument is not an existing file (its value is not shown, in case it is key material); ' +
      'pass a key file path or env:NAME: a private key is never taken inline',
  )
}

/** The passphrase of an encrypted key: RELSEAL_KEY_PASSPHRASE, else asked on the terminal. */
export async function keyPassphrase(io: CliIO, prompt: string): Promise<string> {
  const fromEnv = io.env.RELSEAL_KEY_PASSPHRASE
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv
  if (io.readPassphrase === undefined) {
    throw new RelsealError(
      'E_BAD_KEY',
      'the key is passphrase-encrypted and there is no terminal to ask on; set RELSEAL_KEY_PASSPHRASE',
    )
  }
  return io.readPassphrase(prompt)
}

export async function loadSigningKey(spec: string, io: CliIO): Promise<SigningKey> {
  const { text, source } = readKeySource(spec, io, false)
  const passphrase = text.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----')
    ? await keyPassphrase(io, `passphrase for ${source}: `)
    : undefined
  return parseSigningKey(text, source, passphrase)
}

/**
 * A public key from a file, env:NAME or inline. A value that is neither an existing file nor a
 * public key is reported as a missing file (the usual case: a mistyped path), not as a bad key.
 */
export function loadPublicKey(spec: string, io: CliIO): PublicKeyInfo {
  const { text, source } = readKeySource(spec, io, true)
  try {
    return parsePublicKey(text, source)
  } catch (e) {
    if (source !== 'the command line' || !isRelsealError(e, 'E_BAD_KEY') || e.details?.private === true)
      throw e
    throw new RelsealError(
      'E_NOT_FOUND',
      `no such file: ${spec}; --pubkey takes a file, env:NAME, or an inline public key ` +
        '(base64 of 32 bytes or an ssh-ed25519 line)',
      { cause: e },
    )
  }
}

export interface SignerOptions {
  /** --signer-pubkey: the public key an exec: command signs for. */
  signerPubkey?: string
  /** --signer-timeout in milliseconds, for exec:, ssh-agent: and pkcs11:. */
  timeoutMs?: number
  /** --pkcs11-module: the PKCS#11 module for a pkcs11: URI. */
  pkcs11Module?: string
}

/**
 * A key reference, wherever a private key is accepted (docs/signers.md):
 * - a file path or `env:NAME`: a private key, as before;
 * - `ssh-agent:SHA256:…` or `ssh-agent:COMMENT`: a key in the agent at SSH_AUTH_SOCK;
 * - `pkcs11:…` (RFC 7512): a key on a PKCS#11 token, through pkcs11-tool; PIN in RELSEAL_PKCS11_PIN;
 * - `exec:COMMAND ARGS`: a command that reads the bytes on stdin and prints the signature
 *   (split at spaces, no shell); needs --signer-pubkey, since the key id is written before signing.
 */
export async function loadSigner(spec: string, io: CliIO, o: SignerOptions = {}): Promise<Signer> {
  const timeout = o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}
  if (spec.startsWith('exec:')) {
    if (o.signerPubkey === undefined)
      throw new RelsealError(
        'E_USAGE',
        '--key exec:… needs --signer-pubkey with the public key the command signs for ' +
          '(relseal checks every signature against it)',
      )
    return execSigner({
      argv: parseExecCommand(spec.slice(5)),
      publicKey: loadPublicKey(o.signerPubkey, io),
      cwd: io.cwd,
      env: io.env,
      ...timeout,
    })
  }
  if (o.signerPubkey !== undefined)
    throw new RelsealError(
      'E_USAGE',
      '--signer-pubkey belongs to --key exec:…; a key file or an ssh-agent key brings its own public key',
    )
  if (spec.startsWith('pkcs11:')) {
    const pin = io.env.RELSEAL_PKCS11_PIN
    return pkcs11Signer({
      uri: parsePkcs11Uri(spec),
      env: io.env,
      ...(o.pkcs11Module !== undefined ? { modulePath: o.pkcs11Module } : {}),
      ...(pin !== undefined && pin !== '' ? { pin } : {}),
      ...timeout,
    })
  }
  if (o.pkcs11Module !== undefined)
    throw new RelsealError('E_USAGE', '--pkcs11-module belongs to --key pkcs11:…')
  if (spec.startsWith('ssh-agent:')) {
    const socket = io.env.SSH_AUTH_SOCK
    if (socket === undefined || socket === '')
      throw new RelsealError(
        'E_SIGNER_FAILED',
        'SSH_AUTH_SOCK is not set, so there is no ssh-agent to sign with; start one (eval "$(ssh-agent)") and ssh-add the key',
      )
    return sshAgentSigner({ socket, select: spec.slice('ssh-agent:'.length), ...timeout })
  }
  return fileSigner(
    await loadSigningKey(spec, io),
    `the key from ${spec.startsWith('env:') ? spec : 'the key file'}`,
  )
}

/** The options that pick and configure a signer, shared by every command that signs. */
export const SIGNER_KEY_OPTIONS = {
  key: {
    type: 'string',
    value: 'KEY',
    required: true,
    description:
      'the signing key: a file or env:NAME (never inline; PKCS#8, encrypted too, OpenSSH or base64), ' +
      'ssh-agent:SHA256:FINGERPRINT (or :COMMENT), pkcs11:URI, or exec:COMMAND (see docs/signers.md)',
  },
  'pkcs11-module': {
    type: 'string',
    value: 'PATH',
    description: 'with --key pkcs11:…: the PKCS#11 module (.so); the PIN comes from RELSEAL_PKCS11_PIN',
    defaultText: "the URI's module-path",
  },
  'signer-pubkey': {
    type: 'string',
    value: 'KEY',
    description:
      'with --key exec:…: the public key the command signs for; every signature is checked against it',
  },
  'signer-timeout': {
    type: 'string',
    value: 'SECONDS',
    description: 'how long an exec: command, ssh-agent or PKCS#11 token may take to sign',
    defaultText: '60 for exec:, 120 for ssh-agent: and pkcs11:',
  },
} as const satisfies Record<string, OptionSpec>

/** The signer that the SIGNER_KEY_OPTIONS values name. */
export function loadSignerFromOptions(
  values: { key: string; 'pkcs11-module'?: string; 'signer-pubkey'?: string; 'signer-timeout'?: string },
  io: CliIO,
): Promise<Signer> {
  return loadSigner(values.key, io, {
    ...(values['signer-pubkey'] !== undefined ? { signerPubkey: values['signer-pubkey'] } : {}),
    ...(values['pkcs11-module'] !== undefined ? { pkcs11Module: values['pkcs11-module'] } : {}),
    ...(values['signer-timeout'] !== undefined
      ? { timeoutMs: parseIntegerFlag(values['signer-timeout'], '--signer-timeout', 1, 0) * 1000 }
      : {}),
  })
}

/**
 * The trust policy that --pubkey, --threshold and --repository give `update` and `rollback`
 * (no keys when the app root's trust root supplies them; the updater decides).
 */
export function policyFromFlags(
  values: { pubkey?: string[]; threshold?: string; repository?: string },
  io: CliIO,
): TrustPolicy {
  return {
    keys: (values.pubkey ?? []).map((k) => loadPublicKey(k, io)),
    ...(values.threshold === undefined
      ? {}
      : { threshold: parseIntegerFlag(values.threshold, '--threshold', 1, 1) }),
    ...(values.repository ? { repository: values.repository } : {}),
  }
}
