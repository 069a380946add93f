import { RelsealError } from '../errors.js'
import { signDetached } from '../keys/ed25519.js'
import type { PublicKeyInfo, SigningKey } from '../keys/key-formats.js'
import {
  MANIFEST_PAYLOAD_TYPE,
  MAX_SIGNATURES,
  parseEnvelope,
  preAuthEncoding,
  serializeEnvelope,
} from './dsse.js'
import { serializePayload, type ManifestPayload } from './payload.js'
import { verifyEverySignature } from './verify.js'

function signatureOf(key: SigningKey, payload: Uint8Array): { keyid: string; sig: string } {
  const sig = signDetached(key.secretKey, preAuthEncoding(MANIFEST_PAYLOAD_TYPE, payload))
  return { keyid: key.keyId, sig: Buffer.from(sig).toString('base64') }
}

/**
 * Signs a payload with one or more keys and returns the envelope bytes (release_manifest.json).
 *
 * @example writeFileSync('release_manifest.json', signManifest(payload, [key]))
 */
export function signManifest(payload: ManifestPayload, keys: SigningKey[]): Uint8Array {
  if (keys.length === 0) throw new RelsealError('E_USAGE', 'signing needs at least one key')
  const bytes = serializePayload(payload)
  const distinct = [...new Map(keys.map((k) => [k.keyId, k])).values()]
  return serializeEnvelope(
    MANIFEST_PAYLOAD_TYPE,
    bytes,
    distinct.map((k) => signatureOf(k, bytes)),
  )
}

/**
 * Adds one more signature (a second signer towards a threshold) without touching the payload
 * bytes. Every existing signature must first verify under `existingSigners`
 * (verifyEverySignature); they are then kept as they are. This checks signatures only: a
 * co-signer also re-derives the payload's facts, which cosignManifest does.
 */
export function appendSignature(
  envelope: Uint8Array,
  key: SigningKey,
  existingSigners: PublicKeyInfo[],
): Uint8Array {
  const env = parseEnvelope(envelope)
  if (env.payloadType !== MANIFEST_PAYLOAD_TYPE) {
    throw new RelsealError(
      'E_BAD_INPUT',
      `the envelope's payloadType is ${JSON.stringify(env.payloadType)}, not a relseal manifest`,
    )
  }
  verifyEverySignature(env, existingSigners)
  const existing = (
    JSON.parse(Buffer.from(envelope).toString('utf8')) as { signatures: { keyid: string; sig: string }[] }
  ).signatures
  if (existing.length >= MAX_SIGNATURES) {
    throw new RelsealError(
      'E_USAGE',
      `the manifest already carries ${existing.length} signatures, the most a verifier considers (${MAX_SIGNATURES})`,
    )
  }
  if (existing.some((s) => s.keyid === key.keyId)) {
    throw new RelsealError(
      'E_EXISTS',
      `the manifest is already signed by key ${key.keyId}; a second signature needs a different key`,
    )
  }
  return serializeEnvelope(MANIFEST_PAYLOAD_TYPE, env.untrustedPayload, [
    ...existing,
    signatureOf(key, env.untrustedPayload),
  ])
}
