import { RelsealError } from '../errors.js'
import type { PublicKeyInfo } from '../keys/key-formats.js'
import { asSigner, signChecked, type SignerOrKey } from '../keys/signer.js'
import {
  MAX_SIGNATURES,
  parseEnvelope,
  preAuthEncoding,
  serializeEnvelope,
  type DsseSignature,
} from './dsse.js'
import { verifyEverySignature } from './verify.js'
import {
  MAX_WITHDRAWAL_BYTES,
  parseWithdrawalPayload,
  serializeWithdrawalPayload,
  WITHDRAWAL_PAYLOAD_TYPE,
  type WithdrawalPayload,
} from './withdrawal.js'

async function signatureBy(signer: SignerOrKey, payload: Uint8Array): Promise<DsseSignature> {
  const s = asSigner(signer)
  const sig = await signChecked(s, preAuthEncoding(WITHDRAWAL_PAYLOAD_TYPE, payload))
  return { keyid: s.keyId, sig: Buffer.from(sig).toString('base64') }
}

/**
 * Signs a withdrawal statement with one or more signers (each signature is checked against its
 * signer's public key before the envelope is returned) and returns the envelope bytes.
 *
 * @example writeFileSync('release_withdrawn.json', await signWithdrawal(payload, [key]))
 */
export async function signWithdrawal(
  payload: WithdrawalPayload,
  signers: SignerOrKey[],
): Promise<Uint8Array> {
  if (signers.length === 0) throw new RelsealError('E_USAGE', 'signing needs at least one key')
  const distinct = [...new Map(signers.map((s) => [s.keyId, s])).values()]
  const bytes = serializeWithdrawalPayload(payload)
  const signatures: DsseSignature[] = []
  // One at a time: a hardware token or an agent may ask the user to confirm each signature.
  for (const s of distinct) signatures.push(await signatureBy(s, bytes))
  return serializeEnvelope(WITHDRAWAL_PAYLOAD_TYPE, bytes, signatures)
}

/**
 * Adds one signature to a withdrawal statement (a second signer towards a threshold), keeping the
 * payload bytes. Every existing signature must verify under `existingSigners` first, and the
 * payload must parse, so a co-signer never vouches for a broken or unknown statement. Returns the
 * new envelope and the payload it vouches for.
 */
export async function appendWithdrawalSignature(
  envelope: Uint8Array,
  signer: SignerOrKey,
  existingSigners: PublicKeyInfo[],
): Promise<{ envelope: Uint8Array; payload: WithdrawalPayload }> {
  if (envelope.length > MAX_WITHDRAWAL_BYTES)
    throw new RelsealError(
      'E_TOO_LARGE',
      `the withdrawal statement is more than ${MAX_WITHDRAWAL_BYTES} bytes`,
    )
  const env = parseEnvelope(envelope)
  if (env.payloadType !== WITHDRAWAL_PAYLOAD_TYPE)
    throw new RelsealError(
      'E_BAD_INPUT',
      `the envelope's payloadType is ${JSON.stringify(env.payloadType)}, not a relseal withdrawal statement`,
    )
  verifyEverySignature(env, existingSigners)
  const payload = parseWithdrawalPayload(env.untrustedPayload)
  const existing = (JSON.parse(Buffer.from(envelope).toString('utf8')) as { signatures: DsseSignature[] })
    .signatures
  if (existing.length >= MAX_SIGNATURES)
    throw new RelsealError(
      'E_USAGE',
      `the statement already carries ${existing.length} signatures, the most a verifier considers (${MAX_SIGNATURES})`,
    )
  if (existing.some((s) => s.keyid === signer.keyId))
    throw new RelsealError(
      'E_EXISTS',
      `the statement is already signed by key ${signer.keyId}; a second signature needs a different key`,
    )
  const sig = await signatureBy(signer, env.untrustedPayload)
  return {
    envelope: serializeEnvelope(WITHDRAWAL_PAYLOAD_TYPE, env.untrustedPayload, [...existing, sig]),
    payload,
  }
}
