import { createHash, createPrivateKey, sign } from 'node:crypto'
import { lstatSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseSigningKey } from '../../src/keys/index.js'
import { keyIdOf } from '../../src/keys/key-id.js'
import type { Origin } from './origin.js'

/**
 * Every path under `root` (links not followed) with its kind and a digest of its content, except
 * the evidence log, which a refusal appends to: a refused run must leave the rest byte-identical.
 */
export function snapshotAppRoot(root: string): string[] {
  const out: string[] = []
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const abs = join(dir, name)
      const r = rel === '' ? name : `${rel}/${name}`
      if (r === '.relseal/evidence.jsonl') continue
      const st = lstatSync(abs)
      if (st.isSymbolicLink()) out.push(`${r} -> ${readlinkSync(abs)}`)
      else if (st.isDirectory()) {
        out.push(`${r}/`)
        walk(abs, r)
      } else
        out.push(
          `${r} ${st.mode.toString(8)} ${createHash('sha256').update(readFileSync(abs)).digest('hex')}`,
        )
    }
  }
  walk(root, '')
  return out
}

export const evidenceLines = (root: string) =>
  readFileSync(join(root, '.relseal/evidence.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

/**
 * A validly signed but forged manifest: `version`'s payload with `change` applied, signed with the
 * origin's release key through node:crypto (not relseal's signer). Returns its path.
 */
export function forge(o: Origin, manifest: string, change: Record<string, unknown>, name = 'forged'): string {
  const env = JSON.parse(readFileSync(manifest, 'utf8')) as { payload: string; payloadType: string }
  const payload = Buffer.from(
    JSON.stringify({
      ...(JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8')) as object),
      ...change,
    }),
  )
  const key = parseSigningKey(readFileSync(o.keyFile, 'utf8'), 'key')
  const der = Buffer.concat([PKCS8_ED25519_PREFIX, Buffer.from(key.secretKey.subarray(0, 32))])
  const type = Buffer.from(env.payloadType)
  const pae = Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `),
    type,
    Buffer.from(` ${payload.length} `),
    payload,
  ])
  const sig = sign(null, pae, createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }))
  const path = `${manifest}.${name}.json`
  writeFileSync(
    path,
    JSON.stringify({
      payloadType: env.payloadType,
      payload: payload.toString('base64'),
      signatures: [{ keyid: keyIdOf(key.publicKey), sig: sig.toString('base64') }],
    }),
  )
  return path
}

/** The signed payload fields of a manifest file. */
export function payloadOf(manifest: string): Record<string, unknown> {
  const env = JSON.parse(readFileSync(manifest, 'utf8')) as { payload: string }
  return JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8')) as Record<string, unknown>
}
