/**
 * `pkcs11:` (RFC 7512): an Ed25519 key on a PKCS#11 token (a hardware token, an HSM, SoftHSM)
 * signs with CKM_EDDSA. The token is driven through OpenSC's `pkcs11-tool` as a subprocess (no
 * native code in relseal): the public key is read from the token first (the key id must be known
 * before signing), then each signature is one `pkcs11-tool --sign --mechanism EDDSA`. The PIN goes
 * to the child in an environment variable (`--pin env:…`), never on a command line.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RelsealError } from '../errors.js'
import { ED25519_SIGNATURE_BYTES } from './ed25519.js'
import { parsePublicKey } from './key-formats.js'
import type { Signer } from './signer.js'

export const PKCS11_TIMEOUT_MS = 120_000
const MAX_URI_CHARS = 4096
const PIN_ENV = 'RELSEAL_PKCS11_TOOL_PIN'

/** The parts of an RFC 7512 URI relseal uses to find one private key. */
export interface Pkcs11Uri {
  token?: string
  object?: string
  /** CKA_ID as bytes. */
  id?: Buffer
  slotId?: string
  modulePath?: string
}

const PATH_ATTRS: Record<string, keyof Pkcs11Uri> = {
  token: 'token',
  object: 'object',
  id: 'id',
  'slot-id': 'slotId',
}
const bad = (why: string) =>
  new RelsealError('E_BAD_KEY', `the pkcs11: URI ${why} (RFC 7512; e.g. pkcs11:token=release;object=relseal)`)

/** RFC 7512 section 2.3: percent-encoded octets; anything else malformed is refused. */
function pctDecode(text: string): Buffer {
  const out: number[] = []
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c !== 0x25) {
      out.push(...Buffer.from(text[i]!, 'utf8'))
      continue
    }
    const hex = text.slice(i + 1, i + 3)
    if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw bad(`has a malformed %-escape at character ${i}`)
    out.push(parseInt(hex, 16))
    i += 2
  }
  return Buffer.from(out)
}

/**
 * Parses `pkcs11:path?query`. Path attributes token, object, id, slot-id, type=private; query
 * attribute module-path. A PIN in the URI (pin-value, pin-source) is refused: it would sit in
 * process listings and shell history; the CLI takes it from RELSEAL_PKCS11_PIN.
 */
export function parsePkcs11Uri(uri: string): Pkcs11Uri {
  if (!uri.startsWith('pkcs11:')) throw bad('does not start with pkcs11:')
  if (uri.length > MAX_URI_CHARS) throw bad(`is longer than ${MAX_URI_CHARS} characters`)
  const [path = '', query = '', ...extra] = uri.slice(7).split('?')
  if (extra.length > 0) throw bad('has more than one ?')
  const out: Pkcs11Uri = {}
  for (const [part, sep] of [
    [path, ';'],
    [query, '&'],
  ] as const) {
    for (const attr of part === '' ? [] : part.split(sep)) {
      const eq = attr.indexOf('=')
      const name = eq < 0 ? attr : attr.slice(0, eq)
      const value = pctDecode(eq < 0 ? '' : attr.slice(eq + 1))
      if (sep === ';' && name === 'type') {
        if (value.toString() !== 'private')
          throw bad(`names type=${value.toString()}; the signing key is type=private`)
      } else if (sep === ';' && PATH_ATTRS[name]) {
        const key = PATH_ATTRS[name]
        if (out[key] !== undefined) throw bad(`gives ${name} twice`)
        ;(out as Record<string, unknown>)[key] = key === 'id' ? value : value.toString('utf8')
      } else if (sep === '&' && name === 'module-path') out.modulePath = value.toString('utf8')
      else if (name === 'pin-value' || name === 'pin-source')
        throw bad(`carries ${name}; set the PIN in RELSEAL_PKCS11_PIN instead, never in the URI`)
      else throw bad(`has attribute ${JSON.stringify(name)}, which relseal does not use`)
    }
  }
  if (out.object === undefined && out.id === undefined) throw bad('names no key: give object= (label) or id=')
  return out
}

export interface Pkcs11SignerOptions {
  uri: Pkcs11Uri
  /** The PKCS#11 module (.so); overrides the URI's module-path. */
  modulePath?: string
  pin?: string
  timeoutMs?: number
  /** pkcs11-tool, or another binary with its options (tests). */
  tool?: string
  env?: NodeJS.ProcessEnv
}

function selectors(o: Pkcs11SignerOptions): string[] {
  const module = o.modulePath ?? o.uri.modulePath
  if (module === undefined)
    throw new RelsealError(
      'E_USAGE',
      'a pkcs11: key needs the PKCS#11 module: --pkcs11-module /usr/lib/softhsm/libsofthsm2.so, or module-path= in the URI',
    )
  const u = o.uri
  return [
    '--module',
    module,
    ...(u.token !== undefined ? ['--token-label', u.token] : []),
    ...(u.slotId !== undefined ? ['--slot', u.slotId] : []),
    ...(u.id !== undefined ? ['--id', u.id.toString('hex')] : []),
    ...(u.object !== undefined ? ['--label', u.object] : []),
  ]
}

function runTool(o: Pkcs11SignerOptions, args: string[], what: string): Promise<void> {
  const timeoutMs = o.timeoutMs ?? PKCS11_TIMEOUT_MS
  const env = { ...(o.env ?? process.env), ...(o.pin !== undefined ? { [PIN_ENV]: o.pin } : {}) }
  return new Promise((resolvePromise, reject) => {
    execFile(
      o.tool ?? 'pkcs11-tool',
      args,
      { env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 },
      (err, _stdout, stderr) => {
        if (!err) return resolvePromise()
        const tail = String(stderr)
          .replace(/[^\x20-\x7e]+/g, ' ')
          .trim()
          .slice(-300)
        reject(
          new RelsealError(
            'E_SIGNER_FAILED',
            `pkcs11-tool could not ${what}${err.killed ? ` within ${timeoutMs} ms` : ''}: ${tail || err.message}; nothing was written`,
            { cause: err, details: { reason: err.killed ? 'timeout' : 'exit' } },
          ),
        )
      },
    )
  })
}

/** Runs `f` with a private temp folder, removed afterwards whatever happens. */
async function withTemp<T>(f: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'relseal-pkcs11-'))
  try {
    return await f(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * Finds the key the URI names on the token, reads its public key, and returns a Signer.
 *
 * @example await pkcs11Signer({ uri: parsePkcs11Uri('pkcs11:token=release;object=relseal'), modulePath, pin })
 */
export async function pkcs11Signer(o: Pkcs11SignerOptions): Promise<Signer> {
  const sel = selectors(o)
  const publicKey = await withTemp(async (dir) => {
    const out = join(dir, 'pub')
    await runTool(o, [...sel, '--read-object', '--type', 'pubkey', '-o', out], 'read the public key')
    // OpenSC writes an Ed25519 public key as SPKI PEM; parsePublicKey refuses anything else.
    return parsePublicKey(readFileSync(out, 'utf8'), `the token's public key ${o.uri.object ?? ''}`.trim())
  })
  const description = `PKCS#11 key ${o.uri.object ?? o.uri.id?.toString('hex') ?? ''}`.trim()
  const login = o.pin !== undefined ? ['--login', '--pin', `env:${PIN_ENV}`] : ['--login']
  return {
    ...publicKey,
    description,
    sign: (message) =>
      withTemp(async (dir) => {
        writeFileSync(join(dir, 'in'), message, { mode: 0o600 })
        await runTool(
          o,
          [...sel, ...login, '--sign', '--mechanism', 'EDDSA', '-i', join(dir, 'in'), '-o', join(dir, 'sig')],
          'sign',
        )
        const sig = readFileSync(join(dir, 'sig'))
        if (sig.length !== ED25519_SIGNATURE_BYTES)
          throw new RelsealError(
            'E_SIGNER_FAILED',
            `${description} returned ${sig.length} bytes, not a signature`,
          )
        return new Uint8Array(sig)
      }),
  }
}
