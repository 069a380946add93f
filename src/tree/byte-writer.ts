/**
 * Bytes written piece by piece into a buffer without a string per piece: the code hash's canonical
 * listing and the file manifest of a tree of tens of thousands of files are built this way (a
 * string per record cost more than hashing them). With `flush`, every full buffer is handed over
 * (and reused); without, the buffer grows and holds everything written.
 */
export class ByteWriter {
  buf: Buffer
  pos = 0
  constructor(
    size: number,
    private readonly flush?: (bytes: Buffer) => void,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(size, 64))
  }

  /** Makes room for `n` more bytes. */
  room(n: number): void {
    if (this.pos + n <= this.buf.length) return
    if (this.flush) {
      this.flush(this.buf.subarray(0, this.pos))
      this.pos = 0
      if (n <= this.buf.length) return
    }
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n))
    this.buf.copy(bigger, 0, 0, this.pos)
    this.buf = bigger
  }

  /** Writes `s` as UTF-8 (room for 3 bytes a UTF-16 unit must have been made). */
  text(s: string): void {
    const b = this.buf
    const start = this.pos
    for (let j = 0; j < s.length; j++) {
      const c = s.charCodeAt(j)
      if (c >= 0x80) {
        this.pos = start + b.write(s, start, 'utf8')
        return
      }
      b[start + j] = c
    }
    this.pos = start + s.length
  }

  /** Writes a non-negative integer in decimal. */
  decimal(x: number): void {
    const b = this.buf
    if (x < 10) {
      b[this.pos++] = 0x30 + x
      return
    }
    let digits = 1
    for (let t = x; t >= 10; t = Math.floor(t / 10)) digits++
    let p = this.pos + digits
    this.pos = p
    for (let v = x; v > 0; v = Math.floor(v / 10)) b[--p] = 0x30 + (v % 10)
  }

  /** Copies `src[from, to)`. */
  bytes(src: Uint8Array, from: number, to: number): void {
    const b = this.buf
    let p = this.pos
    for (let j = from; j < to; j++) b[p++] = src[j]!
    this.pos = p
  }

  byte(c: number): void {
    this.buf[this.pos++] = c
  }

  /** Everything written (without `flush`). */
  written(): Buffer {
    return this.buf.subarray(0, this.pos)
  }
}
