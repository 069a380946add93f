import { open, type FileHandle } from 'node:fs/promises'
import { RelsealError } from '../errors.js'

const CHUNK_BYTES = 64 * 1024

/**
 * Reads a file, pipe or device with a byte cap: a bounded loop of reads, never stat + readFile,
 * so `/dev/zero` or a FIFO fed forever ends in E_TOO_LARGE instead of exhausting memory.
 *
 * @example const bytes = await readBoundedFile('release_manifest.json', MAX_MANIFEST_BYTES, 'manifest')
 */
export async function readBoundedFile(path: string, maxBytes: number, what: string): Promise<Buffer> {
  let fh: FileHandle
  try {
    fh = await open(path, 'r')
  } catch (e) {
    throw new RelsealError('E_NOT_FOUND', `${what} ${path} cannot be read: ${(e as Error).message}`, {
      cause: e,
    })
  }
  const tooLarge = (size: string) =>
    new RelsealError('E_TOO_LARGE', `${what} ${path} is ${size} bytes, more than the ${maxBytes} allowed`)
  try {
    const info = await fh.stat()
    if (info.isFile() && info.size > maxBytes) throw tooLarge(String(info.size))
    const chunks: Buffer[] = []
    let size = 0
    for (;;) {
      const buf = Buffer.alloc(CHUNK_BYTES)
      const { bytesRead } = await fh.read(buf, 0, CHUNK_BYTES, null)
      if (bytesRead === 0) break
      size += bytesRead
      if (size > maxBytes) throw tooLarge(`more than ${maxBytes}`)
      chunks.push(buf.subarray(0, bytesRead))
    }
    return Buffer.concat(chunks)
  } catch (e) {
    if (e instanceof RelsealError) throw e
    throw new RelsealError('E_NOT_FOUND', `${what} ${path} cannot be read: ${(e as Error).message}`, {
      cause: e,
    })
  } finally {
    await fh.close()
  }
}
