import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { RelsealError } from '../errors.js'
import { parsePublicKey, parseSigningKey, type PublicKeyInfo, type SigningKey } from '../keys/index.js'
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

export function loadSigningKey(spec: string, io: CliIO): SigningKey {
  const { text, source } = readKeySource(spec, io, false)
  return parseSigningKey(text, source)
}

export function loadPublicKey(spec: string, io: CliIO): PublicKeyInfo {
  const { text, source } = readKeySource(spec, io, true)
  return parsePublicKey(text, source)
}
