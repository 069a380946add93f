import { createPrivateKey, createPublicKey } from 'node:crypto'
import { RelsealError } from '../errors.js'
import { ED25519_PUBLIC_KEY_BYTES, isWeakPublicKey, keyPairFromSeed } from './ed25519.js'
import { keyIdOf } from './key-id.js'
import { decodeCheckedBase64, isBase64 } from '../text/base64.js'
import { SshReader } from './ssh-format.js'

export interface PublicKeyInfo {
  publicKey: Uint8Array
  /** Hex SHA-256 of the 32-byte public key. */
  keyId: string
}

export interface SigningKey extends PublicKeyInfo {
  /** tweetnacl's 64-byte secret key: seed then public key. */
  secretKey: Uint8Array
}

const ACCEPTED =
  'accepted forms: PKCS#8 / SPKI PEM (openssl genpkey -algorithm ed25519), an OpenSSH Ed25519 key ' +
  '(ssh-ed25519 AAAA… public line, or an unencrypted OPENSSH PRIVATE KEY), or raw base64 ' +
  '(32-byte seed or public key, 64-byte tweetnacl secret key)'

function badKey(source: string, what: string): RelsealError {
  // Never echo the material itself: it may be a secret.
  return new RelsealError('E_BAD_KEY', `the key from ${source} ${what}; ${ACCEPTED}`)
}

/** Decodes standard base64 strictly (alphabet and padding), or returns undefined. */
export function decodeStrictBase64(text: string): Buffer | undefined {
  return isBase64(text, 'strict') ? decodeCheckedBase64(text) : undefined
}

function fromSeed(seed: Uint8Array): SigningKey {
  const kp = keyPairFromSeed(seed)
  return { publicKey: kp.publicKey, secretKey: kp.secretKey, keyId: keyIdOf(kp.publicKey) }
}

function checkedPublic(publicKey: Uint8Array, source: string): PublicKeyInfo {
  if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES)
    throw badKey(source, `holds ${publicKey.length} bytes, not 32`)
  if (isWeakPublicKey(publicKey))
    throw badKey(source, 'is a small-order or non-canonical Ed25519 point, which no real key is')
  return { publicKey: Uint8Array.from(publicKey), keyId: keyIdOf(publicKey) }
}

function jwkBytes(value: string | undefined): Buffer {
  return Buffer.from(value ?? '', 'base64url')
}

function parsePem(
  text: string,
  source: string,
  want: 'private' | 'public',
  passphrase: string | undefined,
): SigningKey | PublicKeyInfo {
  const isPrivate = text.includes('PRIVATE KEY-----')
  if (!isPrivate && want === 'private')
    throw badKey(source, 'is a public key, but a private (signing) key is needed')
  const encrypted = text.includes('ENCRYPTED PRIVATE KEY')
  if (encrypted && passphrase === undefined) {
    throw new RelsealError(
      'E_BAD_KEY',
      `the key from ${source} is passphrase-encrypted; give its passphrase (the CLI reads ` +
        'RELSEAL_KEY_PASSPHRASE or asks on the terminal)',
    )
  }
  let key
  try {
    key = isPrivate
      ? createPrivateKey({ key: text, format: 'pem', ...(encrypted ? { passphrase } : {}) })
      : createPublicKey({ key: text, format: 'pem' })
  } catch (e) {
    if (encrypted)
      throw new RelsealError(
        'E_BAD_KEY',
        `the key from ${source} cannot be decrypted with the passphrase given`,
        {
          cause: e,
        },
      )
    throw badKey(source, 'is not a readable PEM key')
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw badKey(source, `is a ${key.asymmetricKeyType ?? 'unknown'} key, not Ed25519`)
  const jwk = key.export({ format: 'jwk' })
  if (isPrivate) return fromSeed(jwkBytes(jwk.d))
  return checkedPublic(jwkBytes(jwk.x), source)
}

function parseOpenSshPrivate(text: string, source: string): SigningKey {
  const body = text.replace(/-----(BEGIN|END) OPENSSH PRIVATE KEY-----/g, '').replace(/\s+/g, '')
  const raw = decodeStrictBase64(body)
  const magic = Buffer.from('openssh-key-v1\0', 'latin1')
  if (!raw || !raw.subarray(0, magic.length).equals(magic))
    throw badKey(source, 'is not a readable OpenSSH private key')
  const r = new SshReader(raw.subarray(magic.length), `the OpenSSH key from ${source}`)
  const cipher = r.string()
  r.string() // kdf name
  r.bytes() // kdf options
  if (cipher !== 'none') {
    throw badKey(
      source,
      'is passphrase-protected; decrypt a copy first with `ssh-keygen -p -N "" -f COPY_OF_KEY`',
    )
  }
  if (r.uint32() !== 1) throw badKey(source, 'holds more than one key')
  r.bytes() // public key blob
  const priv = new SshReader(r.bytes(), `the OpenSSH key from ${source}`)
  if (priv.uint32() !== priv.uint32()) throw badKey(source, 'fails its check bytes')
  const type = priv.string()
  if (type !== 'ssh-ed25519') throw badKey(source, `is a ${type} key, not Ed25519`)
  const pub = priv.bytes()
  const secret = priv.bytes()
  const key = fromSeed(secret.subarray(0, 32))
  if (secret.length !== 64 || !Buffer.from(key.publicKey).equals(pub))
    throw badKey(source, 'has a public half that does not match')
  return key
}

function parseSshPublicLine(text: string, source: string): PublicKeyInfo {
  const [type, b64] = text.trim().split(/\s+/)
  const blob = decodeStrictBase64(b64 ?? '')
  if (type !== 'ssh-ed25519' || !blob)
    throw badKey(source, `is an SSH ${type ?? ''} key line, but only ssh-ed25519 is supported`)
  const r = new SshReader(blob, `the SSH public key from ${source}`)
  if (r.string() !== 'ssh-ed25519') throw badKey(source, 'has a key blob that is not ssh-ed25519')
  return checkedPublic(r.bytes(), source)
}

function parseAny(
  text: string,
  source: string,
  want: 'private' | 'public',
  passphrase?: string,
): SigningKey | PublicKeyInfo {
  const t = text.trim()
  if (t.includes('-----BEGIN OPENSSH PRIVATE KEY-----')) return parseOpenSshPrivate(t, source)
  if (t.startsWith('-----BEGIN ')) return parsePem(t, source, want, passphrase)
  if (/^(ssh-|ecdsa-|sk-)/.test(t)) {
    if (want === 'private')
      throw badKey(source, 'is an SSH public key line, but a private (signing) key is needed')
    return parseSshPublicLine(t, source)
  }
  const raw = decodeStrictBase64(t)
  if (!raw) throw badKey(source, 'is not PEM, OpenSSH or valid base64')
  if (raw.length === 64) {
    const key = fromSeed(raw.subarray(0, 32))
    if (!Buffer.from(key.publicKey).equals(raw.subarray(32)))
      throw badKey(source, 'is 64 bytes whose public half does not match its seed')
    return key
  }
  if (raw.length !== 32) throw badKey(source, `decodes to ${raw.length} bytes, not 32 or 64`)
  return want === 'private' ? fromSeed(raw) : checkedPublic(raw, source)
}

/**
 * Parses an Ed25519 signing key in any accepted form (see ACCEPTED), or a passphrase-encrypted
 * PKCS#8 PEM (`relseal keygen --encrypt`, `openssl pkcs8 -topk8 -v2 aes-256-cbc`) with
 * `passphrase`. `source` names where it came from in errors; the key material never appears.
 *
 * @example const key = parseSigningKey(readFileSync('release.key', 'utf8'), 'release.key')
 */
export function parseSigningKey(text: string, source: string, passphrase?: string): SigningKey {
  const key = parseAny(text, source, 'private', passphrase)
  if (!('secretKey' in key)) throw badKey(source, 'is a public key, but a private (signing) key is needed')
  return key
}

function privateWherePublicBelongs(source: string): RelsealError {
  return new RelsealError(
    'E_BAD_KEY',
    `the key from ${source} is a private key, where a public key belongs; pass the public key ` +
      '(the .pub file relseal keygen writes beside the .key) and keep the private key out of ' +
      'trust settings, variables and command lines',
    { details: { private: true } },
  )
}

/**
 * Parses an Ed25519 public key in any accepted form. A private key is refused (E_BAD_KEY): where
 * a public key belongs, a private one is a secret about to be spread. Raw 32-byte base64 is read
 * as a public key.
 *
 * @example const trusted = parsePublicKey('ssh-ed25519 AAAAC3Nz… ci', 'workflow input')
 */
export function parsePublicKey(text: string, source: string): PublicKeyInfo {
  if (text.includes('PRIVATE KEY-----')) throw privateWherePublicBelongs(source)
  const key = parseAny(text, source, 'public')
  if ('secretKey' in key) throw privateWherePublicBelongs(source)
  return { publicKey: key.publicKey, keyId: key.keyId }
}
