/**
 * `exec:COMMAND`: an external program signs (a cloud KMS CLI, a script around a token). It gets
 * the bytes to sign (the PAE) on stdin and must print the 64-byte Ed25519 signature on stdout,
 * raw or base64. Its output is bounded, it has a deadline, and whatever it returns is checked
 * against the public key the user named (signChecked) before it is used.
 */
import { spawn } from 'node:child_process'
import { RelsealError } from '../errors.js'
import { ED25519_SIGNATURE_BYTES } from './ed25519.js'
import { decodeStrictBase64, type PublicKeyInfo } from './key-formats.js'
import type { Signer } from './signer.js'

export const EXEC_SIGNER_TIMEOUT_MS = 60_000
/** More output than a base64 signature and a newline can only be a mistake. */
const MAX_SIGNER_STDOUT_BYTES = 4096
const MAX_STDERR_SHOWN_CHARS = 300

export interface ExecSignerOptions {
  /** Program and arguments; no shell is involved. */
  argv: string[]
  /** The public key the command signs for: the key id must be known before signing. */
  publicKey: PublicKeyInfo
  timeoutMs?: number
  env?: NodeJS.ProcessEnv
  cwd?: string
}

/**
 * Splits `exec:` text into argv at spaces and tabs; no quoting, no shell. A command that needs
 * either goes in a script (or is written `sh -c …` inside one).
 */
export function parseExecCommand(text: string): string[] {
  const argv = text.split(/[ \t]+/).filter((a) => a !== '')
  if (argv.length === 0)
    throw new RelsealError(
      'E_USAGE',
      'exec: needs a command, e.g. exec:./kms-sign.sh or exec:node signer.mjs',
    )
  return argv
}

const failed = (argv: string[], why: string, reason: string, cause?: unknown) =>
  new RelsealError(
    'E_SIGNER_FAILED',
    `signing command ${JSON.stringify(argv[0])} ${why}; nothing was written`,
    {
      details: { reason },
      ...(cause !== undefined ? { cause } : {}),
    },
  )

/** Control characters and escapes out of a command's stderr before it goes into a message. */
const printable = (s: string) =>
  s
    .replace(/[^\x20-\x7e]+/g, ' ')
    .trim()
    .slice(0, MAX_STDERR_SHOWN_CHARS)

/** 64 raw bytes, or base64 of 64 bytes with surrounding whitespace. */
function parseSignatureOutput(out: Buffer, argv: string[]): Uint8Array {
  if (out.length === ED25519_SIGNATURE_BYTES) return new Uint8Array(out)
  const decoded = decodeStrictBase64(out.toString('latin1').trim())
  if (decoded?.length === ED25519_SIGNATURE_BYTES) return new Uint8Array(decoded)
  throw failed(
    argv,
    `printed ${out.length} bytes, neither a raw ${ED25519_SIGNATURE_BYTES}-byte signature nor its base64`,
    'output',
  )
}

function runSigner(o: ExecSignerOptions, message: Uint8Array): Promise<Uint8Array> {
  const { argv } = o
  return new Promise((resolvePromise, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(o.env ? { env: o.env } : {}),
      ...(o.cwd ? { cwd: o.cwd } : {}),
    })
    const out: Buffer[] = []
    let outBytes = 0
    let err = ''
    let settled = false
    const finish = (f: () => void) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      f()
    }
    const timeoutMs = o.timeoutMs ?? EXEC_SIGNER_TIMEOUT_MS
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      finish(() => reject(failed(argv, `did not answer within ${timeoutMs} ms`, 'timeout')))
    }, timeoutMs)
    child.stdout.on('data', (d: Buffer) => {
      outBytes += d.length
      if (outBytes > MAX_SIGNER_STDOUT_BYTES) {
        child.kill('SIGKILL')
        finish(() => reject(failed(argv, `printed more than ${MAX_SIGNER_STDOUT_BYTES} bytes`, 'output')))
      } else out.push(d)
    })
    child.stderr.on('data', (d: Buffer) => {
      if (err.length < 4 * MAX_STDERR_SHOWN_CHARS) err += d.toString('utf8')
    })
    child.on('error', (e) =>
      finish(() => reject(failed(argv, `could not be started (${e.message})`, 'spawn', e))),
    )
    // A command that exits without reading stdin closes the pipe: EPIPE is its answer, not ours.
    child.stdin.on('error', () => undefined)
    child.on('close', (code, signal) =>
      finish(() => {
        if (code !== 0) {
          const tail = printable(err)
          reject(failed(argv, `exited with ${signal ?? `status ${code}`}${tail ? `: ${tail}` : ''}`, 'exit'))
          return
        }
        try {
          resolvePromise(parseSignatureOutput(Buffer.concat(out), argv))
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)))
        }
      }),
    )
    child.stdin.end(Buffer.from(message))
  })
}

/**
 * A Signer that runs a command for each signature.
 *
 * @example execSigner({ argv: parseExecCommand('./kms-sign.sh'), publicKey: parsePublicKey(pem, 'release.pub') })
 */
export function execSigner(o: ExecSignerOptions): Signer {
  if (o.argv.length === 0) throw new RelsealError('E_USAGE', 'exec: needs a command')
  return {
    keyId: o.publicKey.keyId,
    publicKey: o.publicKey.publicKey,
    description: `signing command ${JSON.stringify(o.argv[0])}`,
    sign: (message) => runSigner(o, message),
  }
}
