/**
 * The one tweetnacl wrapper. Everything in relseal that signs or verifies Ed25519 goes
 * through these three functions, which add the checks tweetnacl leaves out (RFC 8032
 * section 5.1.7: S must be below the group order L, so signatures are not malleable).
 */
import nacl from 'tweetnacl'

export const ED25519_PUBLIC_KEY_BYTES = 32
export const ED25519_SEED_BYTES = 32
export const ED25519_SECRET_KEY_BYTES = 64
export const ED25519_SIGNATURE_BYTES = 64

/** The order of the Ed25519 base point. */
const GROUP_ORDER_L = 2n ** 252n + 27742317777372353535851937790883648493n

export interface Ed25519KeyPair {
  publicKey: Uint8Array
  /** tweetnacl's 64-byte form: seed followed by public key. */
  secretKey: Uint8Array
}

/** Derives the key pair of a 32-byte seed (deterministic, RFC 8032 section 5.1.5). */
export function keyPairFromSeed(seed: Uint8Array): Ed25519KeyPair {
  const kp = nacl.sign.keyPair.fromSeed(seed)
  return { publicKey: kp.publicKey, secretKey: kp.secretKey }
}

/** A fresh random key pair. */
export function generateKeyPair(): Ed25519KeyPair {
  const kp = nacl.sign.keyPair()
  return { publicKey: kp.publicKey, secretKey: kp.secretKey }
}

/** Signs `message` with a 64-byte tweetnacl secret key. */
export function signDetached(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  return nacl.sign.detached(message, secretKey)
}

function littleEndianToBigInt(bytes: Uint8Array): bigint {
  let n = 0n
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i] ?? 0)
  return n
}

/** True when the signature's S half is a canonical scalar (S < L). */
export function hasCanonicalScalar(signature: Uint8Array): boolean {
  return littleEndianToBigInt(signature.subarray(32, 64)) < GROUP_ORDER_L
}

/**
 * Verifies an Ed25519 signature strictly: wrong lengths and non-canonical S are rejected
 * before tweetnacl runs. Never throws for malformed input; returns false.
 */
export function verifyDetached(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES || signature.length !== ED25519_SIGNATURE_BYTES)
    return false
  if (!hasCanonicalScalar(signature)) return false
  return nacl.sign.detached.verify(message, signature, publicKey)
}
