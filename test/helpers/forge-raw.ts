import { createPrivateKey, sign } from 'node:crypto'
import { MANIFEST_PAYLOAD_TYPE, preAuthEncoding, serializePayload } from '../../src/manifest/index.js'
import type { ManifestPayload } from '../../src/manifest/index.js'

/** PKCS#8 DER prefix of an Ed25519 private key (RFC 8410): the 32-byte seed follows. */
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex')

/** Signs bytes with node:crypto (not relseal's signer), from a one-byte-fill seed as testKey makes. */
export function nodeSign(fill: number, message: Uint8Array): string {
  const key = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519, Buffer.alloc(32, fill)]),
    format: 'der',
    type: 'pkcs8',
  })
  return sign(null, message, key).toString('base64')
}

/** A forged envelope: payload bytes as given, signatures as given (built without relseal's signer). */
export function forgeEnvelope(
  payload: Uint8Array,
  signatures: { keyid?: string; sig: string }[],
  payloadType = MANIFEST_PAYLOAD_TYPE,
): Buffer {
  return Buffer.from(
    JSON.stringify({ payloadType, payload: Buffer.from(payload).toString('base64'), signatures }),
  )
}

/** PAE of a payload under the manifest payload type, as a signer would sign it. */
export function paeOf(payload: Uint8Array): Buffer {
  return preAuthEncoding(MANIFEST_PAYLOAD_TYPE, payload)
}

/** The bytes relseal would sign for a payload. */
export function payloadBytes(p: ManifestPayload): Uint8Array {
  return serializePayload(p)
}
