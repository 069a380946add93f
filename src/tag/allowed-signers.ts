/**
 * The allowed_signers file of ssh-keygen(1) ("ALLOWED SIGNERS"): one entry a line,
 * `principals [options] keytype base64-key [comment]`.
 */
import { RelsealError } from '../errors.js'
import { decodeStrictBase64 } from '../keys/key-formats.js'

export interface AllowedSigner {
  line: number
  principals: string[]
  namespaces?: string[]
  validAfter?: Date
  validBefore?: Date
  certAuthority: boolean
  keyType: string
  publicKeyBlob: Buffer
}

/** Splits on whitespace outside double quotes. */
function tokens(line: string): string[] {
  const out: string[] = []
  let cur = ''
  let quoted = false
  for (const c of line) {
    if (c === '"') quoted = !quoted
    if (!quoted && /\s/.test(c)) {
      if (cur !== '') out.push(cur)
      cur = ''
    } else cur += c
  }
  if (quoted) throw new Error('an unclosed quote')
  if (cur !== '') out.push(cur)
  return out
}

/** Splits an options field on commas outside quotes. */
function options(field: string): string[] {
  const out: string[] = []
  let cur = ''
  let quoted = false
  for (const c of field) {
    if (c === '"') quoted = !quoted
    if (!quoted && c === ',') {
      out.push(cur)
      cur = ''
    } else cur += c
  }
  out.push(cur)
  return out
}

const unquote = (v: string) => v.replace(/^"(.*)"$/, '$1')

/** YYYYMMDD[HHMM[SS]][Z], read as UTC (ssh-keygen reads it as local time unless it ends in Z). */
export function parseSignerTime(v: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?Z?$/.exec(v)
  if (!m) throw new Error(`the time ${JSON.stringify(v)} is not YYYYMMDD[HHMM[SS]][Z]`)
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)))
}

function parseLine(text: string, line: number): AllowedSigner {
  const t = tokens(text)
  const isKeyType = (s: string | undefined) => s !== undefined && /^(ssh-|ecdsa-|sk-)/.test(s)
  const principals = unquote(t[0] ?? '').split(',')
  const hasOptions = !isKeyType(t[1])
  const [keyType, b64] = hasOptions ? [t[2], t[3]] : [t[1], t[2]]
  const blob = decodeStrictBase64(b64 ?? '')
  if (!isKeyType(keyType) || !blob || blob.length === 0)
    throw new Error('it is not "principals [options] keytype key"')
  const entry: AllowedSigner = {
    line,
    principals,
    certAuthority: false,
    keyType: keyType!,
    publicKeyBlob: blob,
  }
  for (const opt of hasOptions ? options(t[1]!) : []) {
    const [name = '', ...rest] = opt.split('=')
    const value = unquote(rest.join('='))
    const key = name.toLowerCase()
    if (key === 'cert-authority') entry.certAuthority = true
    else if (key === 'namespaces') entry.namespaces = value.split(',')
    else if (key === 'valid-after') entry.validAfter = parseSignerTime(value)
    else if (key === 'valid-before') entry.validBefore = parseSignerTime(value)
    else throw new Error(`the option ${JSON.stringify(name)} is unknown`)
  }
  return entry
}

/** Parses allowed_signers text; a malformed line is refused with its number. */
export function parseAllowedSigners(text: string, source: string): AllowedSigner[] {
  const out: AllowedSigner[] = []
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    try {
      out.push(parseLine(line, i + 1))
    } catch (e) {
      throw new RelsealError(
        'E_BAD_INPUT',
        `${source} line ${i + 1}: ${(e as Error).message}; see ssh-keygen(1), ALLOWED SIGNERS`,
      )
    }
  })
  return out
}
