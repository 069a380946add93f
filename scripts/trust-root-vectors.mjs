// Writes docs/vectors/trust-root-chain.json: a 3-step trust root chain (docs/trust-root.md) and
// one refused chain per rule, each with the code a verifier must give. Signed with node:crypto
// alone (not relseal's signer), from fixed seeds, so the file is the same on every run.
// Usage: node scripts/trust-root-vectors.mjs
import { createHash, createPrivateKey, createPublicKey, sign } from 'node:crypto'
import { writeFileSync } from 'node:fs'

const TYPE = 'application/vnd.relseal.trust.v1+json'
const SCHEMA = 'https://relseal.dev/trust-root/v1'
const NOW = '2026-06-01T00:00:00Z'

function key(name) {
  const seed = createHash('sha256').update(`relseal trust-root vector key ${name}`).digest()
  const privateKey = createPrivateKey({
    key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]),
    format: 'der',
    type: 'pkcs8',
  })
  const pub = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(-32)
  return {
    name,
    seed_hex: seed.toString('hex'),
    privateKey,
    entry: { keyid: createHash('sha256').update(pub).digest('hex'), public_key: pub.toString('base64') },
  }
}
const [A, B, C, D] = ['A', 'B', 'C', 'D'].map(key)

const payload = (over) => ({
  schema: SCHEMA,
  repository: 'acme/app',
  version: 1,
  keys: [A.entry, B.entry],
  threshold: 1,
  root_threshold: 2,
  expires_at: '2099-01-01T00:00:00Z',
  ...over,
})
function envelope(p, signers) {
  const body = Buffer.from(`${JSON.stringify(p, null, 2)}\n`)
  const pae = Buffer.concat([Buffer.from(`DSSEv1 ${TYPE.length} ${TYPE} ${body.length} `), body])
  const signatures = signers.map((k) => ({
    keyid: k.entry.keyid,
    sig: sign(null, pae, k.privateKey).toString('base64'),
  }))
  return `${JSON.stringify({ payloadType: TYPE, payload: body.toString('base64'), signatures }, null, 2)}\n`
}

// 1: A, B (root threshold 2). 2: A rotated out, C in; signed by 2 of {A,B} and 2 of {B,C}.
// 3: C, D with root threshold 1 and release threshold 2; signed by 2 of {B,C} and 1 of {C,D}.
const v1 = envelope(payload({}), [A, B])
const v2p = payload({ version: 2, keys: [B.entry, C.entry] })
const v2 = envelope(v2p, [A, B, C])
const v3 = envelope(payload({ version: 3, keys: [C.entry, D.entry], threshold: 2, root_threshold: 1 }), [
  B,
  C,
  D,
])
const ids = (...ks) => ks.map((k) => k.entry.keyid).sort()

const refused = [
  [
    'a new root signed only by its new keys',
    [v1, envelope({ ...v2p, keys: [C.entry, D.entry] }, [C, D])],
    'E_ROOT_THRESHOLD',
  ],
  ['a new root signed only by the old keys', [v1, envelope(v2p, [A, B])], 'E_ROOT_THRESHOLD'],
  ['a new root with one old signature of the two needed', [v1, envelope(v2p, [A, C])], 'E_ROOT_THRESHOLD'],
  ['a rollback: version 1 after version 2', [v1, v2, v1], 'E_ROOT_ROLLBACK'],
  ['a skipped version: 1 then 3', [v1, envelope({ ...v2p, version: 3 }, [A, B, C])], 'E_ROOT_SKIPPED'],
  [
    'an expired newest root',
    [v1, envelope({ ...v2p, expires_at: '2026-01-01T00:00:00Z' }, [A, B, C])],
    'E_ROOT_EXPIRED',
  ],
  [
    'a root for another repository',
    [v1, envelope({ ...v2p, repository: 'evil/app' }, [A, B, C])],
    'E_ROOT_REPOSITORY',
  ],
  ['a first root below its own root threshold', [envelope(payload({}), [A])], 'E_ROOT_THRESHOLD'],
  [
    'a key past its expires_at does not count',
    [envelope(payload({ keys: [{ ...A.entry, expires_at: '2026-01-01T00:00:00Z' }, B.entry] }), [A, B])],
    'E_ROOT_THRESHOLD',
  ],
]

const file = {
  description:
    'relseal trust root vectors (docs/trust-root.md), made by scripts/trust-root-vectors.mjs and checked by test/trust-root-vectors.test.ts. Verify at "now".',
  now: NOW,
  payload_type: TYPE,
  keys: Object.fromEntries([A, B, C, D].map((k) => [k.name, { seed_hex: k.seed_hex, ...k.entry }])),
  chain: [
    { file: 'trust-root.1.json', envelope: v1, previous_signers: [], signers: ids(A, B) },
    { file: 'trust-root.2.json', envelope: v2, previous_signers: ids(A, B), signers: ids(B, C) },
    { file: 'trust-root.3.json', envelope: v3, previous_signers: ids(B, C), signers: ids(C, D) },
  ],
  release_policy: { keyids: ids(C, D), threshold: 2, repository: 'acme/app' },
  refused: refused.map(([name, roots, expected]) => ({ name, roots, expected })),
}
writeFileSync(
  new URL('../docs/vectors/trust-root-chain.json', import.meta.url),
  `${JSON.stringify(file, null, 2)}\n`,
)
