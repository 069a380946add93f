import { createPublicKey, sign } from 'node:crypto'
import type { ForgeKey } from './forge.js'

const ROOT_TYPE = 'application/vnd.relseal.trust.v1+json'
export const ROOT_SCHEMA = 'https://relseal.dev/trust-root/v1'

/** The trust root key entry of a node:crypto key. */
export function rootKey(k: ForgeKey, expiresAt?: string): Record<string, string> {
  const raw = createPublicKey(k.privateKey).export({ format: 'der', type: 'spki' }).subarray(-32)
  return {
    keyid: k.keyId,
    public_key: raw.toString('base64'),
    ...(expiresAt === undefined ? {} : { expires_at: expiresAt }),
  }
}

export interface RootFields {
  repository?: string
  version: number
  keys: Record<string, string>[]
  threshold?: number
  root_threshold?: number
  expires_at?: string
}

/** A trust root payload object with defaults for what a test does not care about. */
export function rootPayload(f: RootFields): object {
  return {
    schema: ROOT_SCHEMA,
    repository: f.repository ?? 'acme/app',
    version: f.version,
    keys: f.keys,
    threshold: f.threshold ?? 1,
    root_threshold: f.root_threshold ?? 1,
    expires_at: f.expires_at ?? '2099-01-01T00:00:00Z',
  }
}

/** A trust root envelope signed by each key with node:crypto (not relseal's signer). */
export function forgeRoot(payload: object, signers: ForgeKey[]): string {
  const body = Buffer.from(`${JSON.stringify(payload, null, 2)}\n`)
  const pae = Buffer.concat([Buffer.from(`DSSEv1 ${ROOT_TYPE.length} ${ROOT_TYPE} ${body.length} `), body])
  const signatures = signers.map((k) => ({
    keyid: k.keyId,
    sig: sign(null, pae, k.privateKey).toString('base64'),
  }))
  return `${JSON.stringify({ payloadType: ROOT_TYPE, payload: body.toString('base64'), signatures }, null, 2)}\n`
}
