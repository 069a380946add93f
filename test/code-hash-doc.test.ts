import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { hashTree } from '../src/tree/index.js'
import { tempDir } from './helpers/tmp.js'

const doc = readFileSync(new URL('../docs/code-hash.md', import.meta.url), 'utf8')

function block(name: string): string {
  const m = new RegExp('```\\w+ ' + name + '\\n([\\s\\S]*?)```').exec(doc)
  if (!m) throw new Error(`docs/code-hash.md has no block named ${name}`)
  return m[1]!
}

function stated(label: string): string {
  const m = new RegExp(label + ' `(sha256:[0-9a-f]{64})`').exec(doc.replace(/\n/g, ' '))
  if (!m) throw new Error(`docs/code-hash.md states no ${label}`)
  return m[1]!
}

describe('docs/code-hash.md worked example', () => {
  it('builds a tree whose hashes are the ones the document states', async () => {
    const dir = tempDir()
    execFileSync('sh', ['-c', block('example-tree')], { cwd: dir })
    const tree = await hashTree({ dir })
    expect(tree.codeHash).toBe(stated('gives code hash'))
    expect(tree.fileManifestHash).toBe(stated('file-manifest hash, is'))
    expect(tree.fileManifest).toBe(block('example-file-manifest'))
  })

  it('recomputes the code hash with printf and sha256sum alone', () => {
    const out = execFileSync('sh', ['-c', block('example-code-hash')], { encoding: 'utf8' })
    expect(`sha256:${out.slice(0, 64)}`).toBe(stated('gives code hash'))
  })
})
