/**
 * DSSE v1 (secure-systems-lab/dsse, protocol.md): the envelope and the pre-authentication
 * encoding that every signature covers.
 */
import { RelsealError } from '../errors.js'
import { decodeCheckedBase64, isBase64 } from '../text/base64.js'
import { parseStrictJson } from './strict-json.js'

export const MANIFEST_PAYLOAD_TYPE = 'application/vnd.relseal.manifest.v1+json'

/** A release manifest larger than this is refused before it is parsed. */
export const MAX_MANIFEST_BYTES = 1024 * 1024

/**
 * More signatures than this are refused (E_BAD_INPUT) before any cryptography: each costs a
 * verification, and a 1 MiB manifest could otherwise carry thousands (issue 23).
 */
export const MAX_SIGNATURES = 16

export interface DsseSignature {
  keyid: string
  sig: string
}

export interface UntrustedEnvelope {
  payloadType: string
  /** The payload bytes, decoded but not yet verified. */
  untrustedPayload: Buffer
  /** `keyid` is '' when the signature has none (DSSE makes it optional). */
  signatures: { keyid: string; sig: Buffer | undefined }[]
}

/** PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8')
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, 'utf8'),
    type,
    Buffer.from(` ${payload.length} `, 'utf8'),
    payload,
  ])
}

/**
 * Decodes base64 as DSSE requires verifiers to: the standard or the URL-safe alphabet, padded
 * or not, but nothing else (no whitespace, no stray characters, no bad padding).
 */
export function decodeDsseBase64(text: string, what: string): Buffer {
  if (!isBase64(text, 'dsse')) {
    throw new RelsealError(
      'E_BAD_INPUT',
      `${what} is not valid base64 (standard or URL-safe, correctly padded)`,
    )
  }
  return decodeCheckedBase64(text)
}

/**
 * Reads an envelope's structure without trusting anything in it. Signatures whose `sig` is not
 * valid base64 are kept with `sig: undefined` so they count as bad signatures, not as input errors.
 */
export function parseEnvelope(bytes: Uint8Array): UntrustedEnvelope {
  if (bytes.length > MAX_MANIFEST_BYTES) {
    throw new RelsealError(
      'E_TOO_LARGE',
      `the manifest is ${bytes.length} bytes, more than the ${MAX_MANIFEST_BYTES} a relseal manifest may have`,
    )
  }
  let text: string
  try {
    // ignoreBOM keeps a byte-order mark in the text, so that parseStrictJson refuses it.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
  } catch {
    throw new RelsealError('E_BAD_INPUT', 'the manifest is not UTF-8 text; is this a release_manifest.json?')
  }
  const env = parseStrictJson(text, 'the manifest envelope')
  if (typeof env !== 'object' || env === null || Array.isArray(env)) {
    throw new RelsealError(
      'E_BAD_INPUT',
      'the manifest is not a DSSE envelope (a JSON object with payloadType, payload, signatures)',
    )
  }
  const { payloadType, payload, signatures } = env as Record<string, unknown>
  if (typeof payloadType !== 'string' || typeof payload !== 'string' || !Array.isArray(signatures)) {
    throw new RelsealError(
      'E_BAD_INPUT',
      'the manifest envelope needs a string payloadType, a string payload and a signatures array',
    )
  }
  if (signatures.length > MAX_SIGNATURES) {
    throw new RelsealError(
      'E_BAD_INPUT',
      `the manifest carries ${signatures.length} signatures; at most ${MAX_SIGNATURES} are considered, so it is refused unverified`,
    )
  }
  const sigs = signatures.map((s, i) => {
    if (typeof s !== 'object' || s === null || Array.isArray(s))
      throw new RelsealError('E_BAD_INPUT', `signature ${i} is not an object`)
    const { keyid, sig } = s as Record<string, unknown>
    if (typeof sig !== 'string' || (keyid !== undefined && typeof keyid !== 'string')) {
      throw new RelsealError('E_BAD_INPUT', `signature ${i} needs a string sig and an optional string keyid`)
    }
    let decoded: Buffer | undefined
    try {
      decoded = decodeDsseBase64(sig, `signature ${i}`)
    } catch {
      decoded = undefined
    }
    return { keyid: keyid ?? '', sig: decoded }
  })
  return {
    payloadType,
    untrustedPayload: decodeDsseBase64(payload, 'the manifest payload'),
    signatures: sigs,
  }
}

/** Serialises an envelope the way relseal writes release_manifest.json. */
export function serializeEnvelope(
  payloadType: string,
  payload: Uint8Array,
  signatures: DsseSignature[],
): Uint8Array {
  const env = { payloadType, payload: Buffer.from(payload).toString('base64'), signatures }
  return Buffer.from(`${JSON.stringify(env, null, 2)}\n`, 'utf8')
}
