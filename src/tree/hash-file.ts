import { hashFileSync, READ_CHUNK_BYTES } from './read-file.js'

/**
 * Streams one file through SHA-256 (the same hasher the tree uses): for artifacts.
 *
 * @example const { sha256, size } = await hashFile('dist/app.tgz')
 */
export function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  return Promise.resolve().then(() => {
    const { sha256, size } = hashFileSync(path, path, Buffer.allocUnsafe(READ_CHUNK_BYTES))
    return { sha256, size }
  })
}
