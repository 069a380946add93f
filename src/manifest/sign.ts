import { RelsealError } from '../errors.js'
import type { PublicKeyInfo, SigningKey } from '../keys/key-formats.js'
import { asSigner, signChecked, signWithKeyChecked, type SignerOrKey } from '../keys/signer.js'
import {
  MANIFEST_PAYLOAD_TYPE,
  MAX_SIGNATURES,
  parseEnvelope,
  preAuthEncoding,
  serializeEnvelope,
} from './dsse.js'
import { serializePayload, type ManifestPayload } from './payload.js'
import { verifyEverySignature } from './verify.js'

type EnvelopeSignature = { keyid: string; sig: string }

function signatureOf(key: SigningKey, payload: Uint8Array): EnvelopeSignature {
  const sig = signWithKeyChecked(key, preAuthEncoding(MANIFEST_PAYLOAD_TYPE, payload))
  return { keyid: key.keyId, sig: Buffer.from(sig).toString('base64') }
}

async function signatureBy(signer: SignerOrKey, payload: Uint8Array): Promise<EnvelopeSignature> {
  const s = asSigner(signer)
  const sig = await signChecked(s, preAuthEncoding(MANIFEST_PAYLOAD_TYPE, payload))
  return { keyid: s.keyId, sig: Buffer.from(sig).toString('base64') }
}

function distinctKeys<T extends { keyId: string }>(keys: T[]): T[] {
  if (keys.length === 0) throw new RelsealError('E_USAGE', 'signing needs at least one key')
  return [...new Map(keys.map((k) => [k.keyId, k])).values()]
}

/**
 * Signs a payload with one or more keys and returns the envelope bytes (release_manifest.json).
 *
 * @example writeFileSync('release_manifest.json', signManifest(payload, [key]))
 */
export function signManifest(payload: ManifestPayload, keys: SigningKey[]): Uint8Array {
  const distinct = distinctKeys(keys)
  const bytes = serializePayload(payload)
  return serializeEnvelope(
    MANIFEST_PAYLOAD_TYPE,
    bytes,
    distinct.map((k) => signatureOf(k, bytes)),
  )
}

/**
 * signManifest for any Signer (ssh-agent, exec:, a key file): each signature is verified against
 * its signer's public key before the envelope is returned (E_SIGNER_FAILED otherwise).
 *
 * @example const bytes = await signManifestWith(payload, [await sshAgentSigner({ socket, select: 'SHA256:…' })])
 */
export async function signManifestWith(
  payload: ManifestPayload,
  signers: SignerOrKey[],
): Promise<Uint8Array> {
  const distinct = distinctKeys(signers)
  const bytes = serializePayload(payload)
  const signatures: EnvelopeSignature[] = []
  // One at a time: a hardware token or an agent may ask the user to confirm each signature.
  for (const s of distinct) signatures.push(await signatureBy(s, bytes))
  return serializeEnvelope(MANIFEST_PAYLOAD_TYPE, bytes, signatures)
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
  const { payload, existing } = checkAppend(envelope, key.keyId, existingSigners)
  return serializeEnvelope(MANIFEST_PAYLOAD_TYPE, payload, [...existing, signatureOf(key, payload)])
}

/** appendSignature for any Signer; the new signature is verified before the envelope is returned. */
export async function appendSignatureWith(
  envelope: Uint8Array,
  signer: SignerOrKey,
  existingSigners: PublicKeyInfo[],
): Promise<Uint8Array> {
  const { payload, existing } = checkAppend(envelope, signer.keyId, existingSigners)
  return serializeEnvelope(MANIFEST_PAYLOAD_TYPE, payload, [...existing, await signatureBy(signer, payload)])
}

function checkAppend(
  envelope: Uint8Array,
  keyId: string,
  existingSigners: PublicKeyInfo[],
): { payload: Uint8Array; existing: EnvelopeSignature[] } {
  const env = parseEnvelope(envelope)
  if (env.payloadType !== MANIFEST_PAYLOAD_TYPE) {
    throw new RelsealError(
      'E_BAD_INPUT',
      `the envelope's payloadType is ${JSON.stringify(env.payloadType)}, not a relseal manifest`,
    )
  }
  verifyEverySignature(env, existingSigners)
  const existing = (JSON.parse(Buffer.from(envelope).toString('utf8')) as { signatures: EnvelopeSignature[] })
    .signatures
  if (existing.length >= MAX_SIGNATURES) {
    throw new RelsealError(
      'E_USAGE',
      `the manifest already carries ${existing.length} signatures, the most a verifier considers (${MAX_SIGNATURES})`,
    )
  }
  if (existing.some((s) => s.keyid === keyId)) {
    throw new RelsealError(
      'E_EXISTS',
      `the manifest is already signed by key ${keyId}; a second signature needs a different key`,
    )
  }
  return { payload: env.untrustedPayload, existing }
}
