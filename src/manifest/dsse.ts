/**
 * DSSE v1 (secure-systems-lab/dsse, protocol.md): the envelope and the pre-authentication
 * encoding that every signature covers.
 */
import { RelsealError } from '../errors.js'
import { parseStrictJson } from './strict-json.js'

export const MANIFEST_PAYLOAD_TYPE = 'application/vnd.relseal.manifest.v1+json'

/** A release manifest larger than this is refused before it is parsed. */
export const MAX_MANIFEST_BYTES = 1024 * 1024

export interface DsseSignature {
  keyid: string
  sig: string
}

export interface UntrustedEnvelope {
  payloadType: string
  /** The payload bytes, decoded but not yet verified. */
  untrustedPayload: Buffer
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

const BASE64_ANY =
  /^(?:[A-Za-z0-9+/]{4}|[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9+/_-]{2}(?:==)?|[A-Za-z0-9+/_-]{3}=?)?$/

/**
 * Decodes base64 as DSSE requires verifiers to: the standard or the URL-safe alphabet, padded
 * or not, but nothing else (no whitespace, no stray characters, no bad padding).
 */
export function decodeDsseBase64(text: string, what: string): Buffer {
  const mixed = /[+/]/.test(text) && /[-_]/.test(text)
  if (!BASE64_ANY.test(text) || mixed) {
    throw new RelsealError(
      'E_BAD_INPUT',
      `${what} is not valid base64 (standard or URL-safe, correctly padded)`,
    )
  }
  return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
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
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
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
  const sigs = signatures.map((s, i) => {
    if (typeof s !== 'object' || s === null)
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
