// Writes docs/vectors/negative.json: one input per rule of docs/manifest-spec.md ("Payload
// grammar", "Envelope grammar") with the error code a verifier must give, plus a few accepted
// edge cases. Signed with node:crypto alone (not relseal's signer), with the seed of
// docs/vectors/manifest-v1.json. Usage: node scripts/negative-vectors.mjs
import { createHash, createPrivateKey, createPublicKey, sign } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'

const base = JSON.parse(readFileSync(new URL('../docs/vectors/manifest-v1.json', import.meta.url), 'utf8'))
const TYPE = base.payload_type
const seed = Buffer.from(base.key.seed_hex, 'hex')
const key = createPrivateKey({
  key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]),
  format: 'der',
  type: 'pkcs8',
})
const pub = createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(-32)
const keyid = createHash('sha256').update(pub).digest('hex')
if (keyid !== base.key.key_id) throw new Error('seed and key id disagree')

const pae = (body) =>
  Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(TYPE)} ${TYPE} ${body.length} `), body])
const sig = (body) => sign(null, pae(body), key).toString('base64')
const envelope = (body, signatures = [{ keyid, sig: sig(body) }], payload = body.toString('base64')) =>
  Buffer.from(JSON.stringify({ payloadType: TYPE, payload, signatures }))

const good = {
  schema: 'https://relseal.dev/manifest/v1',
  repository: 'acme/app',
  tag: 'v1.2.3',
  version: '1.2.3',
  commit: '0123456789abcdef0123456789abcdef01234567',
  code_hash: `sha256:${'4'.repeat(64)}`,
  file_manifest_hash: `sha256:${'b'.repeat(64)}`,
  file_count: 3,
  artifacts: [{ name: 'app-1.2.3.tgz', size: 5, sha256: 'c'.repeat(64) }],
  created_at: '2026-01-01T00:00:00Z',
  expires_at: '2027-01-01T00:00:00Z',
}
const text = (over) => `${JSON.stringify({ ...good, ...over }, null, 2)}\n`
const withField = (over) => Buffer.from(text(over))
/** Replaces `"field": <value>` in the serialised good payload by raw JSON text. */
const rawField = (field, raw) => {
  const t = text({})
  const start = t.indexOf(`"${field}": `) + field.length + 4
  const end = t.indexOf(',', start)
  return Buffer.from(`${t.slice(0, start)}${raw}${t.slice(end)}`)
}
const artifact = (over) => withField({ artifacts: [{ ...good.artifacts[0], ...over }] })

const vectors = []
/** A signed payload: the signature verifies, so the code comes from the payload grammar. */
const payload = (rule, name, bytes, expected = 'E_BAD_INPUT') =>
  vectors.push({
    rule,
    name,
    kind: 'payload',
    expected,
    payload_base64: bytes.toString('base64'),
    envelope_base64: envelope(bytes).toString('base64'),
  })
const env = (rule, name, bytes, expected) =>
  vectors.push({ rule, name, kind: 'envelope', expected, envelope_base64: bytes.toString('base64') })

const okPayload = withField({})
const okSig = sig(okPayload)
// Envelope grammar and verification order
env(
  'envelope.utf8',
  'a \\u escape of an unpaired surrogate in the envelope',
  Buffer.from(envelope(okPayload).toString().replace('{', '{"x":"\\udc00",')),
  'E_BAD_INPUT',
)
env(
  'envelope.json',
  'nesting 33 levels deep',
  Buffer.from(
    envelope(okPayload)
      .toString()
      .replace('"signatures":', `"x":${'['.repeat(33)}${']'.repeat(33)},"signatures":`),
  ),
  'E_BAD_INPUT',
)
env(
  'envelope.json',
  'an object of 1,001 members',
  Buffer.from(
    envelope(okPayload)
      .toString()
      .replace('{', `{${Array.from({ length: 998 }, (_, i) => `"x${i}":0,`).join('')}`),
  ),
  'E_BAD_INPUT',
)
env(
  'envelope.json',
  'an object of 1,000 members (extensions are ignored)',
  Buffer.from(
    envelope(okPayload)
      .toString()
      .replace('{', `{${Array.from({ length: 997 }, (_, i) => `"x${i}":0,`).join('')}`),
  ),
  'OK',
)
env(
  'envelope.utf8',
  'a UTF-8 byte-order mark before the envelope',
  Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), envelope(okPayload)]),
  'E_BAD_INPUT',
)
env(
  'envelope.utf8',
  'invalid UTF-8 in the envelope',
  Buffer.concat([
    envelope(okPayload).subarray(0, 20),
    Buffer.from([0xc3, 0x28]),
    envelope(okPayload).subarray(20),
  ]),
  'E_BAD_INPUT',
)
env(
  'envelope.json',
  'a duplicate key in the envelope',
  Buffer.from(envelope(okPayload).toString().replace('{', `{"payloadType":"${TYPE}",`)),
  'E_BAD_INPUT',
)
env(
  'envelope.json',
  'signatures is not an array',
  Buffer.from(JSON.stringify({ payloadType: TYPE, payload: okPayload.toString('base64'), signatures: {} })),
  'E_BAD_INPUT',
)
env('envelope.json', 'a sig that is not a string', envelope(okPayload, [{ keyid, sig: 5 }]), 'E_BAD_INPUT')
env(
  'envelope.json',
  'a keyid that is not a string',
  envelope(okPayload, [{ keyid: 1, sig: okSig }]),
  'E_BAD_INPUT',
)
env(
  'envelope.payloadType',
  'another payload type',
  Buffer.from(envelope(okPayload).toString().replace(TYPE, 'application/vnd.in-toto+json')),
  'E_BAD_INPUT',
)
env(
  'envelope.base64',
  'a long valid run and one bad character (backtracking trap)',
  envelope(okPayload, undefined, `${'A'.repeat(200)}!`),
  'E_BAD_INPUT',
)
env(
  'envelope.base64',
  'padding that does not complete a group',
  envelope(okPayload, undefined, 'YWJj='),
  'E_BAD_INPUT',
)
env(
  'envelope.base64',
  'standard and URL-safe alphabets mixed',
  envelope(
    okPayload,
    undefined,
    `${okPayload.toString('base64').replace(/=+$/, '')}-_+/`.slice(0, -4) + 'a+_b',
  ),
  'E_BAD_INPUT',
)
env(
  'envelope.base64',
  'whitespace in base64',
  envelope(okPayload, undefined, okPayload.toString('base64').replace(/^(.{8})/, '$1 ')),
  'E_BAD_INPUT',
)
env(
  'envelope.signatures',
  '17 signatures, one of them valid',
  envelope(okPayload, Array(17).fill({ keyid, sig: okSig })),
  'E_BAD_INPUT',
)
env('envelope.signatures', 'no signature', envelope(okPayload, []), 'E_UNSIGNED')
env(
  'envelope.signatures',
  'a signature that is not base64, by the trusted key id',
  envelope(okPayload, [{ keyid, sig: '%%%' }]),
  'E_BAD_SIGNATURE',
)
env(
  'envelope.signatures',
  'a valid signature labelled with an unknown key id',
  envelope(okPayload, [{ keyid: 'f'.repeat(64), sig: okSig }]),
  'E_UNTRUSTED_KEY',
)
env('envelope.keyid', 'a valid signature without keyid', envelope(okPayload, [{ sig: okSig }]), 'OK')
env(
  'envelope.keyid',
  'a valid signature with an empty keyid',
  envelope(okPayload, [{ keyid: '', sig: okSig }]),
  'OK',
)
env(
  'envelope.base64',
  'URL-safe unpadded payload and signature',
  envelope(
    okPayload,
    [{ keyid, sig: Buffer.from(okSig, 'base64').toString('base64url') }],
    okPayload.toString('base64url'),
  ),
  'OK',
)

// Payload grammar
payload(
  'payload.utf8',
  'invalid UTF-8 inside a string',
  Buffer.from(text({ tag: 'v1.2.3-Z' }).replace('-Z', '-\u00ff').replace('\u00ff', '\u0000'), 'utf8').map(
    (b) => (b === 0 ? 0xff : b),
  ),
)
payload(
  'payload.utf8',
  'a byte-order mark before the payload',
  Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), okPayload]),
)
payload(
  'payload.utf8',
  'a \\u escape of an unpaired surrogate',
  Buffer.from(text({ builder: { ref: 'X' } }).replace('"X"', '"\\ud800"')),
)
payload(
  'payload.json',
  'a duplicate key',
  Buffer.from(text({}).replace('"version": "1.2.3"', '"version": "1.2.3",\n  "version": "9.9.9"')),
)
payload('payload.json', 'not an object', Buffer.from('[1, 2, 3]\n'))
payload('payload.fields', 'an unknown field', withField({ surprise: true }))
payload(
  'payload.fields',
  'a missing required field',
  Buffer.from(JSON.stringify({ ...good, commit: undefined })),
)
payload('payload.schema', 'another schema', withField({ schema: 'https://relseal.dev/manifest/v3' }))
payload('payload.integer', 'file_count written 3.0', rawField('file_count', '3.0'))
payload('payload.integer', 'file_count written 3e0', rawField('file_count', '3e0'))
payload('payload.integer', 'file_count written -0', rawField('file_count', '-0'))
payload('payload.integer', 'file_count negative', rawField('file_count', '-1'))
payload('payload.integer', 'file_count above 2^53-1', rawField('file_count', '9007199254740992'))
payload('payload.integer', 'file_count a string', rawField('file_count', '"3"'))
payload('payload.integer', 'artifact size 1.5', artifact({ size: 1.5 }))
payload('payload.time', 'an impossible date and time', withField({ created_at: '2020-13-45T99:99:99Z' }))
payload('payload.time', '29 February of a common year', withField({ created_at: '2025-02-29T00:00:00Z' }))
payload('payload.time', '31 April', withField({ created_at: '2026-04-31T00:00:00Z' }))
payload('payload.time', 'hour 24', withField({ created_at: '2026-01-01T24:00:00Z' }))
payload('payload.time', 'a leap second', withField({ created_at: '2016-12-31T23:59:60Z' }))
payload(
  'payload.time',
  'a +00:00 offset instead of Z',
  withField({ created_at: '2026-01-01T00:00:00+00:00' }),
)
payload('payload.time', 'a lower-case z', withField({ created_at: '2026-01-01T00:00:00z' }))
payload('payload.time', 'a space instead of T', withField({ created_at: '2026-01-01 00:00:00Z' }))
payload('payload.time', 'ten fraction digits', withField({ created_at: '2026-01-01T00:00:00.0123456789Z' }))
payload('payload.time', 'no seconds', withField({ created_at: '2026-01-01T00:00Z' }))
payload('payload.time', 'expires_at not after created_at', withField({ expires_at: '2026-01-01T00:00:00Z' }))
payload('payload.tag', 'a tag ending .lock', withField({ tag: 'v1.2.3.lock' }))
payload('payload.tag', 'a tag component ending .lock', withField({ tag: 'release.lock/v1.2.3' }))
payload('payload.tag', 'a tag component starting with .', withField({ tag: 'release/.v1.2.3' }))
payload('payload.tag', 'a tag starting with -', withField({ tag: '--upload-pack=evil' }))
payload('payload.tag', 'a tag with ..', withField({ tag: 'v1..2' }))
payload('payload.tag', 'a tag with @{', withField({ tag: 'v1@{0}' }))
payload('payload.tag', 'the tag @', withField({ tag: '@' }))
payload('payload.tag', 'a tag ending with .', withField({ tag: 'v1.2.' }))
payload('payload.tag', 'a tag with //', withField({ tag: 'release//v1' }))
payload('payload.tag', 'a tag ending with /', withField({ tag: 'release/' }))
payload('payload.tag', 'a tag starting with /', withField({ tag: '/v1' }))
payload('payload.tag', 'a tag with an escape character', withField({ tag: 'v1\u001b[2J' }))
payload('payload.tag', 'a tag with DEL', withField({ tag: 'v1\u007f' }))
for (const c of [' ', '~', '^', ':', '?', '*', '[', '\\'])
  payload('payload.tag', `a tag with ${JSON.stringify(c)}`, withField({ tag: `v1${c}2` }))
payload('payload.tag', 'a tag of 251 bytes', withField({ tag: `v${'1'.repeat(250)}` }))
payload('payload.tag', 'an empty tag', withField({ tag: '' }))
payload('payload.repository', 'no slash', withField({ repository: 'acme' }))
payload('payload.repository', 'two slashes', withField({ repository: 'acme/app/x' }))
payload('payload.repository', 'an owner starting with -', withField({ repository: '-acme/app' }))
payload('payload.repository', 'an owner of 40 characters', withField({ repository: `${'a'.repeat(40)}/app` }))
payload('payload.repository', 'an owner with _', withField({ repository: 'ac_me/app' }))
payload('payload.repository', 'the name ..', withField({ repository: 'acme/..' }))
payload(
  'payload.repository',
  'a name of 101 characters',
  withField({ repository: `acme/${'a'.repeat(101)}` }),
)
payload('payload.repository', 'a name with a space', withField({ repository: 'acme/my app' }))
payload('payload.artifact', 'a name starting with .', artifact({ name: '.hidden' }))
payload('payload.artifact', 'a name starting with -', artifact({ name: '-rf' }))
payload('payload.artifact', 'a name with /', artifact({ name: '../app.tgz' }))
payload('payload.artifact', 'a name with a backslash', artifact({ name: 'a\\b.tgz' }))
payload('payload.artifact', 'a name with a newline', artifact({ name: 'a\nb.tgz' }))
payload('payload.artifact', 'a name of 256 bytes', artifact({ name: `${'a'.repeat(252)}.tgz` }))
payload('payload.artifact', 'an upper-case digest', artifact({ sha256: 'C'.repeat(64) }))
payload('payload.artifact', 'an unknown artifact field', artifact({ url: 'https://example.com' }))
payload(
  'payload.artifact',
  'two artifacts with one name',
  withField({ artifacts: [good.artifacts[0], good.artifacts[0]] }),
)
payload('payload.hex', 'an upper-case commit', withField({ commit: good.commit.toUpperCase() }))
payload('payload.hex', 'a short commit', withField({ commit: good.commit.slice(0, 12) }))
payload('payload.hex', 'a code_hash without sha256:', withField({ code_hash: '4'.repeat(64) }))
payload(
  'payload.hex',
  'a file_manifest_hash of 63 digits',
  withField({ file_manifest_hash: `sha256:${'b'.repeat(63)}` }),
)
payload('payload.version', 'a v prefix', withField({ version: 'v1.2.3' }))
payload('payload.version', 'two parts', withField({ version: '1.2' }))
payload('payload.version', 'a leading zero', withField({ version: '01.2.3' }))
payload('payload.version', 'build metadata', withField({ version: '1.2.3+build.7' }))
payload('payload.version', 'longer than 256 characters', withField({ version: `1.2.3-${'a'.repeat(251)}` }))
payload(
  'payload.builder',
  'a control character in builder.ref',
  withField({ builder: { ref: 'refs/tags/v1\r\n' } }),
)
payload('payload.builder', 'an unknown builder field', withField({ builder: { host: 'x' } }))
payload('payload.builder', 'a number in builder.run_id', withField({ builder: { run_id: 42 } }))
payload(
  'payload.tag_signer',
  'a control character in tag_signer',
  withField({ tag_signer: { principal: 'a\u001b', fingerprint: 'SHA256:x' } }),
)
// Phased rollout (schema v2)
const V2 = 'https://relseal.dev/manifest/v2'
const plan = (stages, start = '2026-05-01T12:00:00Z') => ({ start, stages })
const st = (percent, after) => ({ percent, after })
const phased = (rollout) => withField({ schema: V2, rollout })
const threeStages = [st(10, '0m'), st(50, '30m'), st(100, '2h')]
payload('payload.rollout', 'a rollout in a v1 manifest', withField({ rollout: plan(threeStages) }))
payload('payload.rollout', 'schema v2 without a rollout', withField({ schema: V2 }))
payload('payload.rollout', 'a rollout that is an array', phased(threeStages))
payload(
  'payload.rollout',
  'a rollout without start',
  withField({ schema: V2, rollout: { stages: threeStages } }),
)
payload('payload.rollout', 'an unknown rollout field', phased({ ...plan(threeStages), pause: true }))
payload('payload.rollout', 'a start with an offset', phased(plan(threeStages, '2026-05-01T12:00:00+00:00')))
payload('payload.rollout', 'no stage', phased(plan([])))
payload(
  'payload.rollout',
  '11 stages',
  phased(plan([...Array.from({ length: 10 }, (_, i) => st(i + 1, '0m')), st(100, '1h')])),
)
payload(
  'payload.rollout',
  'percents not strictly increasing',
  phased(plan([st(50, '0m'), st(50, '1h'), st(100, '2h')])),
)
payload('payload.rollout', 'percent 0', phased(plan([st(0, '0m'), st(100, '1h')])))
payload('payload.rollout', 'percent 101', phased(plan([st(10, '0m'), st(101, '1h')])))
payload('payload.rollout', 'a percent written as a string', phased(plan([st('10', '0m'), st(100, '1h')])))
payload(
  'payload.integer',
  'a percent written 10.0',
  Buffer.from(text({ schema: V2, rollout: plan(threeStages) }).replace('"percent": 10,', '"percent": 10.0,')),
)
payload('payload.rollout', 'a last stage below 100', phased(plan([st(10, '0m'), st(90, '1h')])))
payload('payload.rollout', 'after decreasing', phased(plan([st(10, '30m'), st(100, '0m')])))
for (const after of ['00m', '05m', '1.5h', '30', '30M', 'm', '1y', '366d', '-1h', ' 30m', '1000000s'])
  payload('payload.rollout', `after ${JSON.stringify(after)}`, phased(plan([st(10, '0m'), st(100, after)])))
payload(
  'payload.rollout',
  'an unknown stage field',
  phased(plan([{ ...st(10, '0m'), hosts: ['a'] }, st(100, '1h')])),
)
payload(
  'payload.rollout',
  'a last stage that opens after expires_at',
  phased(plan([st(10, '0m'), st(100, '2h')], '2026-12-31T23:00:00Z')),
)
payload('payload.rollout', 'three stages over two hours', phased(plan(threeStages)), 'OK')
payload('payload.rollout', 'one stage of 100 % after 0 minutes', phased(plan([st(100, '0m')])), 'OK')
payload(
  'payload.rollout',
  '10 stages, the last after 365 days, equal afters',
  withField({
    schema: V2,
    expires_at: '2028-01-01T00:00:00Z',
    rollout: plan([...Array.from({ length: 9 }, (_, i) => st(i + 1, '1d')), st(100, '365d')]),
  }),
  'OK',
)

// Accepted edge cases: the grammar is exact in both directions.
payload(
  'payload.time',
  'fraction digits and a leap day',
  withField({ created_at: '2024-02-29T23:59:59.123456789Z' }),
  'OK',
)
payload(
  'payload.tag',
  'a tag with non-ASCII letters and slashes passes the tag grammar; the tag/version rule then refuses it',
  withField({ tag: 'release/v1.2.3-ü' }),
  'E_TAG_VERSION_MISMATCH',
)
payload(
  'payload.repository',
  'dots, dashes and underscores in the name',
  withField({ repository: 'a-1/my.app_x-y' }),
  'OK',
)
payload(
  'payload.integer',
  'file_count 0 and a size of 2^53-1',
  withField({ file_count: 0, artifacts: [{ ...good.artifacts[0], size: 9007199254740991 }] }),
  'OK',
)

const out = {
  description:
    'relseal manifest v1 negative (and edge) vectors, docs/manifest-spec.md "Envelope grammar" and "Payload grammar". ' +
    'Verify each envelope with the policy below; expected is the error code, or OK. kind "payload": the signature is ' +
    'valid, so the code comes from the payload grammar. Regenerate with node scripts/negative-vectors.mjs; ' +
    'test/manifest-vectors.test.ts runs them all.',
  policy: {
    public_key_hex: pub.toString('hex'),
    key_id: keyid,
    threshold: 1,
    now: '2026-06-01T00:00:00Z',
    enforce_expiry: true,
  },
  vectors,
}
writeFileSync(new URL('../docs/vectors/negative.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`)
console.log(`${vectors.length} vectors written to docs/vectors/negative.json`)
