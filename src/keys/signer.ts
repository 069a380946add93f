/**
 * The one signing interface (issue 21): "here are the bytes (the DSSE PAE), give me a 64-byte
 * Ed25519 signature; this is my public key". A key file is one implementation; an ssh-agent and
 * an external command (exec:) are others. Whoever signs, the signature is verified against the
 * signer's public key before anyone uses it, so a signer that returns garbage or another key's
 * signature is refused before anything is written or uploaded.
 */
import { RelsealError } from '../errors.js'
import { ED25519_SIGNATURE_BYTES, signDetached, verifyDetached } from './ed25519.js'
import type { PublicKeyInfo, SigningKey } from './key-formats.js'

export interface Signer extends PublicKeyInfo {
  /** Where the key lives, for messages (`key file release.key`, `ssh-agent key SHA256:…`). */
  readonly description: string
  /** Signs `message` (the PAE) and returns the raw 64-byte Ed25519 signature. */
  sign(message: Uint8Array): Promise<Uint8Array>
}

/**
 * A signer over a private key held in memory (a key file, env:NAME or a secret).
 *
 * @example const signer = fileSigner(parseSigningKey(readFileSync('release.key', 'utf8'), 'release.key'))
 */
export function fileSigner(key: SigningKey, description = 'the signing key'): Signer {
  return {
    keyId: key.keyId,
    publicKey: key.publicKey,
    description,
    sign: (message) => Promise.resolve(signDetached(key.secretKey, message)),
  }
}

/** Either form the signing functions accept: a parsed private key, or any Signer. */
export type SignerOrKey = Signer | SigningKey

export function asSigner(k: SignerOrKey): Signer {
  return 'sign' in k ? k : fileSigner(k)
}

/**
 * Refuses a signature that is not a valid Ed25519 signature by `expected` over `message`
 * (wrong length, another key's, garbage), with E_SIGNER_FAILED.
 */
export function checkFreshSignature(
  expected: PublicKeyInfo & { description?: string },
  message: Uint8Array,
  signature: Uint8Array,
): Uint8Array {
  const who = expected.description ?? `key ${expected.keyId}`
  if (signature.length !== ED25519_SIGNATURE_BYTES)
    throw new RelsealError(
      'E_SIGNER_FAILED',
      `${who} returned ${signature.length} bytes, not a ${ED25519_SIGNATURE_BYTES}-byte Ed25519 signature; nothing was written`,
      { details: { keyid: expected.keyId, reason: 'length' } },
    )
  if (!verifyDetached(expected.publicKey, message, signature))
    throw new RelsealError(
      'E_SIGNER_FAILED',
      `${who} returned a signature that does not verify under public key ${expected.keyId}; ` +
        'it signed with another key or returned garbage; check that the public key belongs to the signer. Nothing was written',
      { details: { keyid: expected.keyId, reason: 'verify' } },
    )
  return signature
}

/** Signs with a key in memory and checks the result, synchronously (file keys only). */
export function signWithKeyChecked(key: SigningKey, message: Uint8Array): Uint8Array {
  return checkFreshSignature(key, message, signDetached(key.secretKey, message))
}

/**
 * Asks any signer for a signature and verifies it against the signer's public key before
 * returning it (issue 21: every signature is checked right after it is made).
 */
export async function signChecked(signer: Signer, message: Uint8Array): Promise<Uint8Array> {
  let signature: Uint8Array
  try {
    signature = await signer.sign(message)
  } catch (e) {
    if (e instanceof RelsealError) throw e
    throw new RelsealError(
      'E_SIGNER_FAILED',
      `${signer.description} failed to sign: ${(e as Error).message}`,
      {
        cause: e,
      },
    )
  }
  return checkFreshSignature(signer, message, signature)
}
