import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  type KeyObject,
} from 'node:crypto'

/** An Ed25519 key made and used by node:crypto only, so forged envelopes owe nothing to relseal's signer. */
export interface ForgeKey {
  privateKey: KeyObject
  /** SPKI PEM, as `--pubkey` takes it. */
  publicPem: string
  keyId: string
}

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

/** A node:crypto Ed25519 key; from a 32-byte seed when given (deterministic), else random. */
export function forgeKey(seed?: Buffer): ForgeKey {
  const privateKey = seed
    ? createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' })
    : generateKeyPairSync('ed25519').privateKey
  const pub = createPublicKey(privateKey)
  const raw = pub.export({ format: 'der', type: 'spki' }).subarray(-32)
  return {
    privateKey,
    publicPem: pub.export({ format: 'pem', type: 'spki' }).toString(),
    keyId: createHash('sha256').update(raw).digest('hex'),
  }
}

const PAYLOAD_TYPE = 'application/vnd.relseal.manifest.v1+json'

/** A DSSE envelope over `payload` (object or exact bytes), signed by each key with node:crypto. */
export function forgeEnvelope(payload: object | string, keys: ForgeKey[]): string {
  const body = Buffer.from(typeof payload === 'string' ? payload : `${JSON.stringify(payload, null, 2)}\n`)
  const pae = Buffer.concat([
    Buffer.from(`DSSEv1 ${PAYLOAD_TYPE.length} ${PAYLOAD_TYPE} ${body.length} `),
    body,
  ])
  const signatures = keys.map((k) => ({
    keyid: k.keyId,
    sig: sign(null, pae, k.privateKey).toString('base64'),
  }))
  return `${JSON.stringify({ payloadType: PAYLOAD_TYPE, payload: body.toString('base64'), signatures }, null, 2)}\n`
}
