// The worst 1 MiB manifests found (issue 23), each verified a few times: prints the time to a
// verdict per case and the worst case. Nothing here may take long; before the fix, the first
// case alone ran for hours. Usage: npm run build && node bench/run.mjs hostile
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'

const build = new URL('../build/index.js', import.meta.url)
if (!existsSync(build)) {
  console.error('build/ is missing: run "npm run build" first')
  process.exit(2)
}
const { signManifest, verifyManifest, MAX_MANIFEST_BYTES, MANIFEST_SCHEMA } = await import(build.href)
const { keyPairFromSeed } = await import(new URL('../build/keys/ed25519.js', import.meta.url).href)

const MIB = MAX_MANIFEST_BYTES
const ROUNDS = 5
const TYPE = 'application/vnd.relseal.manifest.v1+json'
const keyOf = (fill) => {
  const kp = keyPairFromSeed(new Uint8Array(32).fill(fill))
  return { ...kp, keyId: createHash('sha256').update(kp.publicKey).digest('hex') }
}
const keys = [keyOf(1), keyOf(2), keyOf(3)]
const policy = { keys, threshold: 1, now: new Date('2026-02-01T00:00:00Z') }
const payload = (over = {}) => ({
  schema: MANIFEST_SCHEMA,
  repository: 'acme/app',
  tag: 'v1.2.3',
  version: '1.2.3',
  commit: 'a'.repeat(40),
  code_hash: `sha256:${'b'.repeat(64)}`,
  file_manifest_hash: `sha256:${'c'.repeat(64)}`,
  file_count: 3,
  artifacts: [],
  created_at: '2026-01-01T00:00:00Z',
  ...over,
})
const envelope = (payloadB64, signatures) =>
  Buffer.from(JSON.stringify({ payloadType: TYPE, payload: payloadB64, signatures }))
/** Base64 of a payload that fills what remains of 1 MiB after `reserve` bytes. */
const bigPayload = (reserve) => Buffer.alloc(Math.floor(((MIB - reserve) * 3) / 4), 0x20).toString('base64')
const bogusSig = Buffer.alloc(64, 7).toString('base64')

// Largest signed payload: as many artifacts as fit in 1 MiB, signed by a trusted key.
const artifact = (i) => ({ name: `artifact-${i}.tgz`, size: i, sha256: 'd'.repeat(64) })
let n = 5000
while (
  signManifest(payload({ artifacts: Array.from({ length: n + 500 }, (_, i) => artifact(i)) }), [keys[0]])
    .length < MIB
)
  n += 500
const signedLarge = signManifest(payload({ artifacts: Array.from({ length: n }, (_, i) => artifact(i)) }), [
  keys[0],
])

const cases = {
  'payload: base64 run of A then "!" (the old exponential trap)': envelope(`${'A'.repeat(MIB - 300)}!`, [
    { keyid: keys[0].keyId, sig: bogusSig },
  ]),
  'signatures: 16 sigs, each a base64 run then "!"': envelope(
    'e30=',
    Array(16).fill({ sig: `${'A'.repeat(Math.floor(MIB / 17))}!` }),
  ),
  'signatures: 16 keyless bogus sigs over a 1 MiB payload, 3 trusted keys': envelope(
    bigPayload(2000),
    Array(16).fill({ sig: bogusSig }),
  ),
  'signatures: 16 bogus sigs labelled with trusted ids over a 1 MiB payload': envelope(
    bigPayload(3000),
    Array.from({ length: 16 }, (_, i) => ({ keyid: keys[i % 3].keyId, sig: bogusSig })),
  ),
  'signatures: 10,000 keyless sigs (refused by count)': envelope(
    'e30=',
    Array(Math.floor(MIB / 100)).fill({ sig: bogusSig }),
  ),
  'json: 1 MiB of "["': Buffer.from('['.repeat(MIB)),
  'json: 1 MiB of nested objects': Buffer.from('{"a":'.repeat(MIB / 5)),
  'json: one object with 95,000 distinct keys': Buffer.from(
    `{${Array.from({ length: 95_000 }, (_, i) => `"k${i}":0`).join(',')},"payloadType":"x","payload":"","signatures":[]}`,
  ),
  'json: 1,300 objects of 100 members each': Buffer.from(
    `[${Array.from({ length: 1300 }, () => `{${Array.from({ length: 100 }, (_, i) => `"m${i}":1`).join(',')}}`).join(',')}]`,
  ),
  'json: string of 1 MiB backslash escapes': Buffer.from(`{"payloadType":"${'\\u0041'.repeat(MIB / 7)}"}`),
  [`signed: ${n} artifacts, valid signature (the success path)`]: signedLarge,
}

const rows = []
for (const [name, bytes] of Object.entries(cases)) {
  if (bytes.length > MIB) throw new Error(`${name}: ${bytes.length} bytes, over 1 MiB`)
  const times = []
  let verdict = ''
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint()
    try {
      verifyManifest(bytes, policy)
      verdict = 'verified'
    } catch (e) {
      verdict = e.code ?? String(e)
    }
    times.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  times.sort((a, b) => a - b)
  rows.push({ name, bytes: bytes.length, verdict, median: times[ROUNDS >> 1], max: times.at(-1) })
}
const w = Math.max(...rows.map((r) => r.name.length))
console.log(`${'case'.padEnd(w)}  ${'bytes'.padStart(8)}  ${'verdict'.padEnd(16)}  median ms  max ms`)
for (const r of rows)
  console.log(
    `${r.name.padEnd(w)}  ${String(r.bytes).padStart(8)}  ${r.verdict.padEnd(16)}  ${r.median.toFixed(1).padStart(9)}  ${r.max.toFixed(1).padStart(6)}`,
  )
const worst = rows.reduce((a, b) => (b.max > a.max ? b : a))
console.log(`\nworst case: ${worst.max.toFixed(1)} ms (${worst.name}), trust policy of ${keys.length} keys`)
