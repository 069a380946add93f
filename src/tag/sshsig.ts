/**
 * SSHSIG (OpenSSH PROTOCOL.sshsig): the signature format of `ssh-keygen -Y sign` and of git tags
 * signed with gpg.format=ssh. Ed25519, RSA (rsa-sha2-256/512) and ECDSA (nistp256/384/521) keys,
 * as ssh-keygen makes them (./ssh-public-key.ts); other types are refused with a clear error.
 */
import { createHash } from 'node:crypto'
import { RelsealError } from '../errors.js'
import { decodeStrictBase64 } from '../keys/key-formats.js'
import { SshReader, sshString } from '../keys/ssh-format.js'
import { sshVerifier, type SshVerifier } from './ssh-public-key.js'

export const SSHSIG_BEGIN = '-----BEGIN SSH SIGNATURE-----'
const SSHSIG_END = '-----END SSH SIGNATURE-----'
const MAGIC = Buffer.from('SSHSIG', 'latin1')

export interface SshSignature {
  /** The signer's public key blob (SSH wire format). */
  publicKeyBlob: Buffer
  keyType: string
  /** Checks signatures by the signer's key. */
  verifier: SshVerifier
  namespace: string
  hashAlgorithm: string
  /** The signature in SSH wire format: algorithm name, then the signature bytes. */
  signatureBlob: Buffer
}

function badSig(why: string): RelsealError {
  return new RelsealError('E_TAG_BAD_SIGNATURE', `the tag's SSH signature ${why}`)
}

/** Parses an armored SSHSIG. */
export function parseSshSignature(armor: string): SshSignature {
  const body = armor.trim()
  if (!body.startsWith(SSHSIG_BEGIN) || !body.endsWith(SSHSIG_END))
    throw badSig('is not an SSH SIGNATURE block')
  const blob = decodeStrictBase64(body.slice(SSHSIG_BEGIN.length, -SSHSIG_END.length).replace(/\s+/g, ''))
  if (!blob || !blob.subarray(0, 6).equals(MAGIC)) throw badSig('armor does not hold an SSHSIG blob')
  try {
    const r = new SshReader(blob.subarray(6), 'the SSHSIG blob')
    if (r.uint32() !== 1) throw badSig('has an unknown SSHSIG version')
    const publicKeyBlob = r.bytes()
    const namespace = r.string()
    r.bytes() // reserved
    const hashAlgorithm = r.string()
    const signatureBlob = r.bytes()
    const verifier = sshVerifier(publicKeyBlob)
    return { publicKeyBlob, keyType: verifier.keyType, verifier, namespace, hashAlgorithm, signatureBlob }
  } catch (e) {
    if (e instanceof RelsealError && e.code === 'E_TAG_BAD_SIGNATURE') throw e
    throw badSig('is truncated or malformed')
  }
}

/** The key fingerprint as ssh-keygen -l prints it: `SHA256:` and unpadded base64. */
export function sshFingerprint(publicKeyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(publicKeyBlob).digest('base64').replace(/=+$/, '')}`
}

/** True when `sig` is a valid signature of `message` in `namespace`. */
export function verifySshSignature(sig: SshSignature, message: Buffer, namespace: string): boolean {
  if (sig.namespace !== namespace) return false
  if (sig.hashAlgorithm !== 'sha512' && sig.hashAlgorithm !== 'sha256') return false
  const digest = createHash(sig.hashAlgorithm).update(message).digest()
  const signed = Buffer.concat([
    MAGIC,
    sshString(namespace),
    sshString(''),
    sshString(sig.hashAlgorithm),
    sshString(digest),
  ])
  try {
    return sig.verifier.verify(signed, sig.signatureBlob)
  } catch {
    return false // a truncated or malformed signature blob verifies nothing
  }
}
