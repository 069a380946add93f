import { keyPairFromSeed } from '../../src/keys/ed25519.js'
import { keyIdOf } from '../../src/keys/key-id.js'
import type { SigningKey } from '../../src/keys/index.js'
import { MANIFEST_SCHEMA, type ManifestPayload } from '../../src/manifest/index.js'

/** A deterministic test key from a one-byte fill. */
export function testKey(fill: number): SigningKey {
  const kp = keyPairFromSeed(new Uint8Array(32).fill(fill))
  return { publicKey: kp.publicKey, secretKey: kp.secretKey, keyId: keyIdOf(kp.publicKey) }
}

/** A valid payload; override any field. */
export function testPayload(over: Partial<ManifestPayload> = {}): ManifestPayload {
  return {
    schema: MANIFEST_SCHEMA,
    repository: 'acme/app',
    tag: 'v1.2.3',
    version: '1.2.3',
    commit: 'a'.repeat(40),
    code_hash: `sha256:${'b'.repeat(64)}`,
    file_manifest_hash: `sha256:${'c'.repeat(64)}`,
    file_count: 3,
    artifacts: [],
    created_at: '2026-01-01T00:00:00Z',
    ...over,
  }
}

/** Rewrites a field of an envelope's JSON (for tampering tests). */
export function editEnvelope(bytes: Uint8Array, edit: (env: Record<string, unknown>) => void): Uint8Array {
  const env = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>
  edit(env)
  return Buffer.from(JSON.stringify(env))
}
