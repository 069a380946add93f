import { RelsealError } from '../errors.js'

/** Reads SSH wire-format values (RFC 4251 section 5) from a buffer, refusing truncation. */
export class SshReader {
  private pos = 0
  constructor(
    private readonly buf: Buffer,
    private readonly what: string,
  ) {}

  uint32(): number {
    if (this.pos + 4 > this.buf.length) throw this.truncated()
    const v = this.buf.readUInt32BE(this.pos)
    this.pos += 4
    return v
  }

  bytes(): Buffer {
    const len = this.uint32()
    if (this.pos + len > this.buf.length) throw this.truncated()
    const v = this.buf.subarray(this.pos, this.pos + len)
    this.pos += len
    return v
  }

  string(): string {
    return this.bytes().toString('utf8')
  }

  raw(n: number): Buffer {
    if (this.pos + n > this.buf.length) throw this.truncated()
    const v = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return v
  }

  get remaining(): number {
    return this.buf.length - this.pos
  }

  private truncated(): RelsealError {
    return new RelsealError('E_BAD_KEY', `${this.what} is truncated or malformed`)
  }
}

/** Encodes SSH wire-format strings. */
export function sshString(value: Buffer | string): Buffer {
  const body = typeof value === 'string' ? Buffer.from(value, 'utf8') : value
  const len = Buffer.alloc(4)
  len.writeUInt32BE(body.length)
  return Buffer.concat([len, body])
}

/** The `ssh-ed25519` public key blob. */
export function sshEd25519Blob(publicKey: Uint8Array): Buffer {
  return Buffer.concat([sshString('ssh-ed25519'), sshString(Buffer.from(publicKey))])
}
