/**
 * The SSH public key types git and ssh-keygen sign tags with, verified through node:crypto (RSA,
 * ECDSA) or relseal's strict Ed25519 wrapper. Blob layouts: RFC 4253 section 6.6 (ssh-rsa),
 * RFC 8332 (rsa-sha2-256/512 signatures), RFC 5656 section 3.1 (ecdsa-sha2-nistp*).
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto'
import { RelsealError } from '../errors.js'
import { verifyDetached } from '../keys/ed25519.js'
import { SshReader } from '../keys/ssh-format.js'
import { escapeUntrusted } from '../text/escape.js'

/** ECDSA curves: SSH name → JWK curve, hash, and the byte length of r and s. */
const ECDSA: Record<string, { crv: string; hash: string; size: number }> = {
  nistp256: { crv: 'P-256', hash: 'sha256', size: 32 },
  nistp384: { crv: 'P-384', hash: 'sha384', size: 48 },
  nistp521: { crv: 'P-521', hash: 'sha512', size: 66 },
}
const RSA_SIGNATURE_HASH: Record<string, string> = { 'rsa-sha2-256': 'sha256', 'rsa-sha2-512': 'sha512' }
/** RSA keys below this size are refused, as OpenSSH (since 8.8) and git do. */
const MIN_RSA_BITS = 1024

export interface SshVerifier {
  keyType: string
  /** True when `signatureBlob` (SSH wire format: algorithm name, then its bytes) signs `data`. */
  verify(data: Buffer, signatureBlob: Buffer): boolean
}

function unsupported(keyType: string): RelsealError {
  return new RelsealError(
    'E_TAG_BAD_SIGNATURE',
    `the tag's SSH signature uses a ${escapeUntrusted(keyType, 40)} key; relseal verifies ssh-ed25519, ssh-rsa ` +
      '(rsa-sha2-256/512) and ecdsa-sha2-nistp256/384/521 keys',
  )
}

/** An mpint (RFC 4251 section 5) as unsigned big-endian bytes without leading zeros. */
const unsigned = (mpint: Buffer): Buffer => {
  let i = 0
  while (i < mpint.length - 1 && mpint[i] === 0) i++
  return mpint.subarray(i)
}

const leftPad = (b: Buffer, size: number): Buffer | undefined =>
  b.length > size ? undefined : Buffer.concat([Buffer.alloc(size - b.length), b])

function rsaVerifier(r: SshReader): SshVerifier {
  const e = unsigned(r.bytes())
  const n = unsigned(r.bytes())
  const key = createPublicKey({
    key: { kty: 'RSA', e: e.toString('base64url'), n: n.toString('base64url') },
    format: 'jwk',
  })
  if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) throw unsupported('too short RSA')
  return {
    keyType: 'ssh-rsa',
    verify(data, signatureBlob) {
      const s = new SshReader(signatureBlob, 'the RSA signature')
      // Plain "ssh-rsa" means SHA-1, which SSHSIG (and git) refuse.
      const hash = RSA_SIGNATURE_HASH[s.string()]
      return hash !== undefined && verify(hash, data, key, s.bytes())
    },
  }
}

function ecdsaVerifier(keyType: string, r: SshReader): SshVerifier {
  const curveName = r.string()
  const curve = Object.hasOwn(ECDSA, curveName) ? ECDSA[curveName] : undefined
  if (curve === undefined || keyType !== `ecdsa-sha2-${curveName}`) throw unsupported(keyType)
  const q = r.bytes()
  if (q.length !== 1 + 2 * curve.size || q[0] !== 0x04) throw unsupported(`malformed ${keyType}`)
  const key: KeyObject = createPublicKey({
    key: {
      kty: 'EC',
      crv: curve.crv,
      x: q.subarray(1, 1 + curve.size).toString('base64url'),
      y: q.subarray(1 + curve.size).toString('base64url'),
    },
    format: 'jwk',
  })
  return {
    keyType,
    verify(data, signatureBlob) {
      const s = new SshReader(signatureBlob, 'the ECDSA signature')
      if (s.string() !== keyType) return false
      const rs = new SshReader(s.bytes(), 'the ECDSA signature')
      const [sr, ss] = [leftPad(unsigned(rs.bytes()), curve.size), leftPad(unsigned(rs.bytes()), curve.size)]
      if (sr === undefined || ss === undefined) return false
      return verify(curve.hash, data, { key, dsaEncoding: 'ieee-p1363' }, Buffer.concat([sr, ss]))
    },
  }
}

/**
 * A verifier for an SSH public key blob, or E_TAG_BAD_SIGNATURE for a type relseal does not
 * verify (security keys `sk-*`, certificates, DSA).
 */
export function sshVerifier(publicKeyBlob: Buffer): SshVerifier {
  const r = new SshReader(publicKeyBlob, 'the public key')
  const keyType = r.string()
  if (keyType === 'ssh-ed25519') {
    const publicKey = r.bytes()
    return {
      keyType,
      verify(data, signatureBlob) {
        const s = new SshReader(signatureBlob, 'the Ed25519 signature')
        return s.string() === 'ssh-ed25519' && verifyDetached(publicKey, data, s.bytes())
      },
    }
  }
  try {
    if (keyType === 'ssh-rsa') return rsaVerifier(r)
    if (keyType.startsWith('ecdsa-sha2-')) return ecdsaVerifier(keyType, r)
  } catch (e) {
    if (e instanceof RelsealError) throw e
    throw unsupported(`malformed ${keyType}`)
  }
  throw unsupported(keyType)
}
