import { createPrivateKey, createPublicKey } from 'node:crypto'
import { existsSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { RelsealError } from '../../errors.js'
import { generateKeyPair, keyIdOf } from '../../keys/index.js'
import { parseCommandArgs } from '../args.js'
import type { Command } from '../io.js'

const USAGE = 'relseal keygen --out PREFIX'

/** `relseal keygen`: a new Ed25519 key pair as PREFIX.key (PKCS#8, 0600) and PREFIX.pub (SPKI). */
export const run: Command = (args, io) => {
  const { values } = parseCommandArgs(
    args,
    { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    USAGE,
    false,
  )
  if (values.help || values.out === undefined) {
    io[values.help ? 'stdout' : 'stderr'].write(`usage: ${USAGE}\n`)
    return Promise.resolve(values.help ? 0 : 2)
  }
  const prefix = resolve(io.cwd, values.out)
  const [keyPath, pubPath] = [`${prefix}.key`, `${prefix}.pub`]
  for (const p of [keyPath, pubPath]) {
    if (existsSync(p))
      throw new RelsealError(
        'E_EXISTS',
        `${p} already exists; keygen never overwrites a key: choose another --out`,
      )
  }
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
  }) as string
  const pub = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string
  // 'wx': create only, so a concurrent keygen cannot overwrite either file; 0600 for the secret.
  writeFileSync(keyPath, priv, { mode: 0o600, flag: 'wx' })
  writeFileSync(pubPath, pub, { mode: 0o644, flag: 'wx' })
  io.stdout.write(
    `key id:      ${keyIdOf(kp.publicKey)}\n` +
      `private key: ${keyPath} (keep it secret; mode 0600)\n` +
      `public key:  ${pubPath}\n\n` +
      `for the GitHub secret RELSEAL_SIGNING_KEY (one line, base64 seed):\n  ${Buffer.from(kp.secretKey.subarray(0, 32)).toString('base64')}\n` +
      `for the workflow input public-key (one line, base64):\n  ${Buffer.from(kp.publicKey).toString('base64')}\n`,
  )
  return Promise.resolve(0)
}
