import { createHash } from 'node:crypto'

/**
 * The key id of an Ed25519 public key: the lower-case hex SHA-256 of its 32 raw bytes
 * (docs/manifest-spec.md, "Keys"). Shown the same way everywhere.
 *
 * @example keyIdOf(publicKey) // '3f5a…' (64 hex digits)
 */
export function keyIdOf(publicKey: Uint8Array): string {
  return createHash('sha256').update(publicKey).digest('hex')
}
