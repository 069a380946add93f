import { createHash } from 'node:crypto'
import type { TreeEntry } from './entry.js'

/** The first line of the canonical listing; it names the definition (docs/code-hash.md). */
export const CODE_HASH_DOMAIN = 'relseal-code-hash-v1\n'

/**
 * The canonical listing the code hash covers: the domain line, then one record per entry in
 * byte order of path: `<mode> <sha256-or-commit> <size> <path>` ended by a NUL byte (a path may
 * hold a newline, never a NUL). See docs/code-hash.md for the worked example.
 */
export function canonicalListing(entries: readonly TreeEntry[]): Buffer {
  const parts: Buffer[] = [Buffer.from(CODE_HASH_DOMAIN, 'utf8')]
  for (const e of entries) parts.push(Buffer.from(`${e.mode} ${e.sha256} ${e.size} ${e.path}\0`, 'utf8'))
  return Buffer.concat(parts)
}

/**
 * The code hash, `sha256:<hex>`, of entries already sorted by path bytes.
 *
 * @example codeHashOf(entries) // 'sha256:3b1f…'
 */
export function codeHashOf(entries: readonly TreeEntry[]): string {
  // Fed in pieces of about 64 KiB: the same bytes as canonicalListing, without holding them all at
  // once, and without one call into the hasher per record.
  const hash = createHash('sha256')
  let text = CODE_HASH_DOMAIN
  for (const e of entries) {
    text += `${e.mode} ${e.sha256} ${e.size} ${e.path}\0`
    if (text.length >= 65536) {
      hash.update(text, 'utf8')
      text = ''
    }
  }
  hash.update(text, 'utf8')
  return `sha256:${hash.digest('hex')}`
}
