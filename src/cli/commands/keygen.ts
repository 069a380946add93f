import { createPrivateKey, createPublicKey } from 'node:crypto'
import { existsSync, statSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { RelsealError } from '../../errors.js'
import { generateKeyPair, keyIdOf } from '../../keys/index.js'
import { parseCommandArgs } from '../args.js'
import type { CliIO, Command } from '../io.js'
import { keyPassphrase } from '../key-input.js'

const USAGE = 'relseal keygen --out PREFIX [--encrypt] [--json]'

/** Refuses an --out whose folder is missing or not a folder, before any key exists. */
function checkOutFolder(prefix: string, given: string): void {
  const folder = dirname(prefix)
  if (!existsSync(folder)) {
    throw new RelsealError(
      'E_NOT_FOUND',
      `the folder of --out ${given} does not exist (${folder}); create it first (mkdir -p) or choose another --out`,
    )
  }
  if (!statSync(folder).isDirectory())
    throw new RelsealError('E_NOT_FOUND', `${folder} (the folder of --out ${given}) is not a folder`)
}

async function newPassphrase(io: CliIO): Promise<string> {
  const fromEnv = io.env.RELSEAL_KEY_PASSPHRASE
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv
  const first = await keyPassphrase(io, 'passphrase for the new key: ')
  if (first === '')
    throw new RelsealError('E_USAGE', 'an empty passphrase encrypts nothing; leave out --encrypt')
  if ((await keyPassphrase(io, 'the same passphrase again: ')) !== first)
    throw new RelsealError('E_USAGE', 'the two passphrases differ; nothing was written')
  return first
}

/**
 * `relseal keygen`: a new Ed25519 key pair as PREFIX.key (PKCS#8, 0600; encrypted with --encrypt)
 * and PREFIX.pub (SPKI). Like ssh-keygen and minisign it prints the key id, the public key and
 * where the private key is, never the private key itself: stdout may be a CI log or a pipe.
 */
export const run: Command = async (args, io) => {
  const { values, help } = parseCommandArgs(
    args,
    {
      out: {
        type: 'string',
        value: 'PREFIX',
        required: true,
        description: 'write PREFIX.key (private, mode 0600) and PREFIX.pub (public); never overwrites',
      },
      encrypt: {
        type: 'boolean',
        description:
          'encrypt PREFIX.key with a passphrase (RELSEAL_KEY_PASSPHRASE, or asked twice on the terminal)',
      },
      json: { type: 'boolean', description: 'print key id, public key and paths as JSON' },
    },
    USAGE,
    false,
  )
  if (help !== undefined) {
    io.stdout.write(help)
    return 0
  }
  const prefix = resolve(io.cwd, values.out)
  checkOutFolder(prefix, values.out)
  const [keyPath, pubPath] = [`${prefix}.key`, `${prefix}.pub`]
  for (const p of [keyPath, pubPath]) {
    if (existsSync(p))
      throw new RelsealError(
        'E_EXISTS',
        `${p} already exists; keygen never overwrites a key: choose another --out`,
      )
  }
  const passphrase = values.encrypt ? await newPassphrase(io) : undefined
  const kp = generateKeyPair()
  const jwk = {
    kty: 'OKP',
    crv: 'Ed25519',
    d: Buffer.from(kp.secretKey.subarray(0, 32)).toString('base64url'),
    x: Buffer.from(kp.publicKey).toString('base64url'),
  }
  const priv = createPrivateKey({ key: jwk, format: 'jwk' }).export({
    type: 'pkcs8',
    format: 'pem',
    ...(passphrase === undefined ? {} : { cipher: 'aes-256-cbc', passphrase }),
  }) as string
  const pub = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string
  // 'wx': create only, so a concurrent keygen cannot overwrite either file; 0600 for the secret.
  writeFileSync(keyPath, priv, { mode: 0o600, flag: 'wx' })
  writeFileSync(pubPath, pub, { mode: 0o644, flag: 'wx' })
  const keyId = keyIdOf(kp.publicKey)
  // As typed, so the printed commands work from here; quoted for the shell when needed.
  const keyArg = /^[\w./-]+$/.test(`${values.out}.key`)
    ? `${values.out}.key`
    : `'${values.out.replace(/'/g, `'\\''`)}.key'`
  const publicBase64 = Buffer.from(kp.publicKey).toString('base64')
  if (values.json) {
    const out = {
      keyid: keyId,
      public_key: publicBase64,
      private_key_file: keyPath,
      public_key_file: pubPath,
    }
    io.stdout.write(`${JSON.stringify({ ...out, encrypted: passphrase !== undefined }, null, 2)}\n`)
    return 0
  }
  const secretHint =
    passphrase === undefined
      ? `store the private key as a secret of the release environment, straight from the file (it never shows on screen):\n` +
        `  gh secret set RELSEAL_SIGNING_KEY --env release < ${keyArg}\n`
      : `the private key is encrypted: sign by hand with relseal sign --key ${keyArg} ` +
        `(passphrase from RELSEAL_KEY_PASSPHRASE or the terminal); the sign-release action needs an unencrypted key\n`
  io.stdout.write(
    `key id:      ${keyId}\n` +
      `private key: ${keyPath} (mode 0600${passphrase === undefined ? '' : ', passphrase-encrypted'}; keep it secret)\n` +
      `public key:  ${pubPath}\n\n` +
      `public key for the workflow input public-key (gh variable set RELSEAL_PUBLIC_KEY --body ...):\n  ${publicBase64}\n\n` +
      secretHint +
      `then delete ${keyArg} from this machine, or keep it offline\n`,
  )
  return 0
}
