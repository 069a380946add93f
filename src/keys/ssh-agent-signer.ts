/**
 * `ssh-agent:SELECTOR`: signs through an OpenSSH agent (draft-miller-ssh-agent), so the key may
 * live in the agent, on a FIDO/PIV token behind it, or on another machine (agent forwarding).
 * An `ssh-ed25519` agent signature is a plain RFC 8032 signature over the data (draft section
 * 4.5; RFC 8709 section 6), so the PAE is sent as the data and the signature is used as is.
 * Everything read from the socket is bounded: frame length, key count, and a deadline.
 */
import { createHash } from 'node:crypto'
import { createConnection } from 'node:net'
import { RelsealError } from '../errors.js'
import { keyIdOf } from './key-id.js'
import { isWeakPublicKey } from './ed25519.js'
import { SshReader, sshString } from './ssh-format.js'
import type { Signer } from './signer.js'

// draft-miller-ssh-agent section 6.1
const SSH_AGENT_FAILURE = 5
const SSH2_AGENTC_REQUEST_IDENTITIES = 11
const SSH2_AGENT_IDENTITIES_ANSWER = 12
const SSH2_AGENTC_SIGN_REQUEST = 13
const SSH2_AGENT_SIGN_RESPONSE = 14

/** OpenSSH's own limit on an agent message (AGENT_MAX_LEN, 256 KiB). */
export const MAX_AGENT_MESSAGE_BYTES = 256 * 1024
const MAX_AGENT_IDENTITIES = 1024
export const SSH_AGENT_TIMEOUT_MS = 120_000

export interface SshAgentSignerOptions {
  /** The agent's unix socket (the CLI passes SSH_AUTH_SOCK). */
  socket: string
  /** `SHA256:…` (as `ssh-add -l` prints it) or the key's comment, exactly. */
  select: string
  /** Deadline per request; a confirm-each-use key (ssh-add -c) waits for the user. */
  timeoutMs?: number
}

const agentError = (why: string, reason: string, cause?: unknown) =>
  new RelsealError('E_SIGNER_FAILED', `ssh-agent: ${why}; nothing was written`, {
    details: { reason },
    ...(cause !== undefined ? { cause } : {}),
  })

/** One request, one answer: a fresh connection each time, closed afterwards. */
function agentRequest(socket: string, type: number, body: Buffer, timeoutMs: number): Promise<SshReader> {
  const frame = Buffer.alloc(5)
  frame.writeUInt32BE(body.length + 1)
  frame[4] = type
  if (body.length + 1 > MAX_AGENT_MESSAGE_BYTES)
    return Promise.reject(
      agentError(
        `the request is ${body.length + 1} bytes, more than an agent accepts (${MAX_AGENT_MESSAGE_BYTES})`,
        'size',
      ),
    )
  return new Promise((resolvePromise, reject) => {
    const conn = createConnection(socket)
    const chunks: Buffer[] = []
    let have = 0
    const done = (f: () => void) => {
      clearTimeout(timer)
      conn.destroy()
      f()
    }
    const timer = setTimeout(
      () => done(() => reject(agentError(`no answer within ${timeoutMs} ms`, 'timeout'))),
      timeoutMs,
    )
    conn.on('error', (e) =>
      done(() =>
        reject(
          agentError(
            `cannot talk to the agent at ${socket} (${e.message}); is SSH_AUTH_SOCK right?`,
            'connect',
            e,
          ),
        ),
      ),
    )
    conn.on('data', (d: Buffer) => {
      chunks.push(d)
      have += d.length
      if (have < 4) return
      const head = Buffer.concat(chunks)
      const len = head.readUInt32BE(0)
      if (len < 1 || len > MAX_AGENT_MESSAGE_BYTES)
        return done(() => reject(agentError(`the agent announced a ${len}-byte answer`, 'protocol')))
      if (have > 4 + len)
        return done(() => reject(agentError('the agent sent more than one answer', 'protocol')))
      if (have === 4 + len)
        done(() => resolvePromise(new SshReader(head.subarray(4), 'the ssh-agent answer')))
    })
    conn.on('end', () =>
      done(() => reject(agentError('the agent closed the connection before answering', 'protocol'))),
    )
    conn.write(Buffer.concat([frame, body]))
  })
}

interface AgentIdentity {
  blob: Buffer
  comment: string
  fingerprint: string
}

/** `SHA256:` and unpadded base64 of the key blob's SHA-256, as ssh-keygen -l prints it. */
export function sshFingerprint(blob: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`
}

async function listIdentities(o: SshAgentSignerOptions, timeoutMs: number): Promise<AgentIdentity[]> {
  const r = await agentRequest(o.socket, SSH2_AGENTC_REQUEST_IDENTITIES, Buffer.alloc(0), timeoutMs)
  const type = r.raw(1)[0]
  if (type !== SSH2_AGENT_IDENTITIES_ANSWER)
    throw agentError(`the agent answered message type ${type} to a list request`, 'protocol')
  const n = r.uint32()
  if (n > MAX_AGENT_IDENTITIES) throw agentError(`the agent claims ${n} keys`, 'protocol')
  const ids: AgentIdentity[] = []
  for (let i = 0; i < n; i++) {
    const blob = r.bytes()
    ids.push({ blob: Buffer.from(blob), comment: r.string(), fingerprint: sshFingerprint(blob) })
  }
  return ids
}

function ed25519PublicOf(blob: Buffer): Uint8Array | undefined {
  try {
    const r = new SshReader(blob, 'an agent key')
    if (r.string() !== 'ssh-ed25519') return undefined
    const key = r.bytes()
    return key.length === 32 && r.remaining === 0 && !isWeakPublicKey(key) ? new Uint8Array(key) : undefined
  } catch {
    return undefined
  }
}

async function agentSign(o: SshAgentSignerOptions, blob: Buffer, data: Uint8Array, timeoutMs: number) {
  const body = Buffer.concat([sshString(blob), sshString(Buffer.from(data)), Buffer.alloc(4)]) // flags 0
  const r = await agentRequest(o.socket, SSH2_AGENTC_SIGN_REQUEST, body, timeoutMs)
  const type = r.raw(1)[0]
  if (type === SSH_AGENT_FAILURE)
    throw agentError(
      'the agent refused to sign (locked, confirmation denied, or the data is too large)',
      'refused',
    )
  if (type !== SSH2_AGENT_SIGN_RESPONSE)
    throw agentError(`the agent answered message type ${type} to a sign request`, 'protocol')
  const sig = new SshReader(r.bytes(), 'the ssh-agent signature')
  const alg = sig.string()
  if (alg !== 'ssh-ed25519')
    throw agentError(`the agent signed with ${JSON.stringify(alg)}, not ssh-ed25519`, 'protocol')
  return new Uint8Array(sig.bytes())
}

/**
 * Finds the Ed25519 key `select` names in the agent and returns a Signer for it. The agent is
 * asked for its keys first, so the public key (and key id) is known before anything is signed.
 *
 * @example const signer = await sshAgentSigner({ socket: process.env.SSH_AUTH_SOCK!, select: 'SHA256:abc…' })
 */
export async function sshAgentSigner(o: SshAgentSignerOptions): Promise<Signer> {
  const timeoutMs = o.timeoutMs ?? SSH_AGENT_TIMEOUT_MS
  const ids = await listIdentities(o, timeoutMs)
  const matching = ids.filter((i) => i.fingerprint === o.select || i.comment === o.select)
  if (matching.length !== 1)
    throw new RelsealError(
      'E_BAD_KEY',
      `ssh-agent holds ${matching.length === 0 ? 'no' : matching.length} key${matching.length === 1 ? '' : 's'} ` +
        `with fingerprint or comment ${JSON.stringify(o.select)}; \`ssh-add -l\` lists them (${ids.length} loaded); ` +
        'name one by its SHA256: fingerprint',
      { details: { loaded: ids.map((i) => i.fingerprint) } },
    )
  const id = matching[0]!
  const publicKey = ed25519PublicOf(id.blob)
  if (publicKey === undefined)
    throw new RelsealError(
      'E_BAD_KEY',
      `ssh-agent key ${id.fingerprint} is not an Ed25519 (ssh-ed25519) key; relseal signs with Ed25519 only`,
    )
  return {
    keyId: keyIdOf(publicKey),
    publicKey,
    description: `ssh-agent key ${id.fingerprint}`,
    sign: (message) => agentSign(o, id.blob, message, timeoutMs),
  }
}
