// Writes docs/vectors/rollout-buckets.json: host buckets of docs/manifest-spec.md ("Host buckets")
// computed with node:crypto alone (not relseal's code), and the stage each bucket falls in under
// one rollout. Usage: node scripts/rollout-vectors.mjs
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'

const bucketOf = (hostId, version) => {
  const input = Buffer.concat([Buffer.from(hostId, 'utf8'), Buffer.from([0]), Buffer.from(version, 'utf8')])
  const digest = createHash('sha256').update(input).digest()
  return {
    host_id: hostId,
    version,
    input_hex: input.toString('hex'),
    sha256_hex: digest.toString('hex'),
    first8_hex: digest.subarray(0, 8).toString('hex'),
    bucket: Number(digest.readBigUInt64BE(0) % 10000n),
  }
}

const hosts = ['4c4c4544004a3510804bb4c04f4e3332', 'web-01', 'web-02', 'höst-ü', 'h'.repeat(256)]
const versions = ['1.2.3', '1.2.4', '2.0.0-rc.1']
const buckets = hosts.flatMap((h) => versions.map((v) => bucketOf(h, v)))

const rollout = {
  start: '2026-05-01T12:00:00Z',
  stages: [
    { percent: 10, after: '0m' },
    { percent: 50, after: '30m' },
    { percent: 100, after: '2h' },
  ],
}
const afterMs = { '0m': 0, '30m': 30 * 60_000, '2h': 2 * 3_600_000 }
const stageOf = (bucket) => {
  const i = rollout.stages.findIndex((s) => bucket < s.percent * 100)
  return {
    bucket,
    stage: i + 1,
    opens_at: new Date(Date.parse(rollout.start) + afterMs[rollout.stages[i].after]).toISOString(),
  }
}
const stages = [0, 999, 1000, 4999, 5000, 9999, ...buckets.slice(0, 3).map((b) => b.bucket)].map(stageOf)

const out = {
  description:
    'relseal host buckets (docs/manifest-spec.md, "Host buckets"): bucket = big-endian uint64 of the first 8 bytes of ' +
    "SHA-256(UTF-8(host_id) || 0x00 || UTF-8(version)), mod 10000. A host is in stage k's set when bucket < percent_k * 100; " +
    'its stage is the first such k and opens at start + after_k. Regenerate with node scripts/rollout-vectors.mjs; ' +
    'test/rollout.test.ts checks relseal against every value.',
  buckets,
  rollout,
  stages,
}
writeFileSync(
  new URL('../docs/vectors/rollout-buckets.json', import.meta.url),
  `${JSON.stringify(out, null, 2)}\n`,
)
console.log(
  `${buckets.length} buckets and ${stages.length} stages written to docs/vectors/rollout-buckets.json`,
)
