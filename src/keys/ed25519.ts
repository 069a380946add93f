/**
 * The one tweetnacl wrapper. Everything in relseal that signs or verifies Ed25519 goes
 * through these three functions, which add the checks tweetnacl leaves out (RFC 8032
 * section 5.1.7: S must be below the group order L, so signatures are not malleable).
 */
import { createPrivateKey, createPublicKey, verify as cryptoVerify } from 'node:crypto'
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

/** A PKCS#8 Ed25519 private key is this DER prefix followed by the 32-byte seed (RFC 8410). */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

/**
 * Derives the key pair of a 32-byte seed (deterministic, RFC 8032 section 5.1.5). The public half
 * comes from node:crypto (OpenSSL), as verification does: tweetnacl's scalar multiplication takes
 * about 100 ms in a fresh process (its code is not yet optimised), which an action paid before
 * signing anything. The bytes are the same (test/ed25519.test.ts compares both).
 */
export function keyPairFromSeed(seed: Uint8Array): Ed25519KeyPair {
  if (seed.length !== ED25519_SEED_BYTES) {
    const kp = nacl.sign.keyPair.fromSeed(seed) // throws tweetnacl's own error for a bad size
    return { publicKey: kp.publicKey, secretKey: kp.secretKey }
  }
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  })
  const x = createPublicKey(privateKey).export({ format: 'jwk' }).x ?? ''
  const publicKey = new Uint8Array(Buffer.from(x, 'base64url'))
  const secretKey = new Uint8Array(ED25519_SECRET_KEY_BYTES)
  secretKey.set(seed)
  secretKey.set(publicKey, ED25519_SEED_BYTES)
  return { publicKey, secretKey }
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

const FIELD_P = 2n ** 255n - 19n

// The small-order points of Curve25519 in Edwards form, sign bit cleared (libsodium's blocklist):
// a "public key" among them verifies forged signatures for many messages.
const SMALL_ORDER_POINTS = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map((h) => Buffer.from(h, 'hex'))

/**
 * True for a public key no honest signer has: a small-order point, or a non-canonical
 * encoding (y >= p). Signatures under such keys are refused.
 */
export function isWeakPublicKey(publicKey: Uint8Array): boolean {
  if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES) return true
  const y = Buffer.from(publicKey)
  y[31] = (y[31] ?? 0) & 0x7f
  if (littleEndianToBigInt(y) >= FIELD_P) return true
  return SMALL_ORDER_POINTS.some((p) => p.equals(y))
}

/**
 * Verifies an Ed25519 signature strictly: wrong lengths, non-canonical S and weak public keys are
 * rejected before the curve arithmetic runs. Never throws for malformed input; returns false.
 *
 * The arithmetic is node:crypto's (OpenSSL, RFC 8032 pure Ed25519, cofactorless like tweetnacl):
 * tweetnacl needs about 100 ms to verify a 1 MiB manifest, OpenSSL about 4, and a verifier may
 * have to check 16 signatures against each trusted key (docs/manifest-spec.md, step 4).
 */
export function verifyDetached(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES || signature.length !== ED25519_SIGNATURE_BYTES)
    return false
  if (!hasCanonicalScalar(signature) || isWeakPublicKey(publicKey)) return false
  try {
    const key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') },
      format: 'jwk',
    })
    return cryptoVerify(null, message, key, signature)
  } catch {
    return false
  }
}
