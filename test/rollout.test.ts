import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  MANIFEST_SCHEMA,
  MANIFEST_SCHEMA_V2,
  parsePayload,
  serializePayload,
  signManifest,
  verifyManifest,
} from '../src/manifest/index.js'
import { hostBucket, stageOfBucket } from '../src/manifest/rollout-bucket.js'
import { afterSeconds, parseRolloutPlan, type Rollout } from '../src/manifest/rollout.js'
import { readMachineId, resolveHostId } from '../src/update/rollout-gate.js'
import { testKey, testPayload } from './helpers/manifest.js'
import { tempDir } from './helpers/tmp.js'

interface BucketVectors {
  buckets: {
    host_id: string
    version: string
    input_hex: string
    sha256_hex: string
    first8_hex: string
    bucket: number
  }[]
  rollout: Rollout
  stages: { bucket: number; stage: number; opens_at: string }[]
}

const vectors = JSON.parse(
  readFileSync(new URL('../docs/vectors/rollout-buckets.json', import.meta.url), 'utf8'),
) as BucketVectors

describe('host buckets (docs/vectors/rollout-buckets.json)', () => {
  it.each(vectors.buckets.map((b) => [`${b.host_id.slice(0, 40)} ${b.version}`, b] as const))(
    '%s',
    (_n, b) => {
      // The spec's encoding, spelled out: host id bytes, one 0x00, version bytes.
      const input = Buffer.concat([Buffer.from(b.host_id), Buffer.from([0]), Buffer.from(b.version)])
      expect(input.toString('hex')).toBe(b.input_hex)
      expect(createHash('sha256').update(input).digest('hex')).toBe(b.sha256_hex)
      expect(b.sha256_hex.slice(0, 16)).toBe(b.first8_hex)
      expect(hostBucket(b.host_id, b.version)).toBe(b.bucket)
    },
  )

  it("matches the spec's worked example", () => {
    const spec = readFileSync(new URL('../docs/manifest-spec.md', import.meta.url), 'utf8').replace(
      /\s+/g,
      ' ',
    )
    const b = vectors.buckets.find((x) => x.host_id === 'web-01' && x.version === '1.2.3')!
    expect(spec).toContain(`starts \`${b.first8_hex}\`, so bucket ${b.bucket} (stage 2`)
    expect(stageOfBucket(vectors.rollout, b.bucket).index).toBe(1)
    expect(spec).toContain(`for \`1.2.4\` it is ${hostBucket('web-01', '1.2.4')}`)
  })

  it('changes with one flipped byte of the host id or the version', () => {
    const b = vectors.buckets[0]!
    const flipped = `${b.host_id.slice(0, -1)}${b.host_id.endsWith('2') ? '3' : '2'}`
    expect(hostBucket(flipped, b.version)).not.toBe(b.bucket)
    // The same host lands elsewhere in the next release: canaries change from release to release.
    const sameHost = vectors.buckets.filter((x) => x.host_id === b.host_id).map((x) => x.bucket)
    expect(new Set(sameHost).size).toBe(sameHost.length)
  })

  it.each(vectors.stages.map((s) => [s.bucket, s] as const))('bucket %i opens at its stage', (_b, s) => {
    const stage = stageOfBucket(vectors.rollout, s.bucket)
    expect(stage.index + 1).toBe(s.stage)
    expect(new Date(stage.opensAt).toISOString()).toBe(s.opens_at)
  })

  it('refuses a host id that is empty, longer than 256 bytes or holds a control character', () => {
    expect(hostBucket('h'.repeat(256), '1.0.0')).toBeLessThan(10000)
    for (const bad of ['', 'h'.repeat(257), 'ü'.repeat(129), 'host\n', 'a\u0000b'])
      expect(() => hostBucket(bad, '1.0.0')).toThrow(expect.objectContaining({ code: 'E_USAGE' }))
  })
})

describe('the after grammar', () => {
  it('reads one spelling per duration, up to 365 days', () => {
    expect(afterSeconds('0m')).toBe(0)
    expect(afterSeconds('30m')).toBe(1800)
    expect(afterSeconds('2h')).toBe(7200)
    expect(afterSeconds('365d')).toBe(365 * 86400)
    expect(afterSeconds('52w')).toBe(52 * 604800)
    for (const bad of ['', 'm', '00m', '05m', '30', '30M', '1.5h', '366d', '53w', '-1h', '1000000s', '1y'])
      expect(afterSeconds(bad), bad).toBeUndefined()
  })
})

describe('parseRolloutPlan (sign --rollout, sign-release input rollout)', () => {
  const start = '2026-05-01T12:00:00Z'
  it('reads PERCENT%@AFTER stages', () => {
    expect(parseRolloutPlan('10%@0m,50%@30m,100%@2h', start, '--rollout')).toEqual({
      start,
      stages: [
        { percent: 10, after: '0m' },
        { percent: 50, after: '30m' },
        { percent: 100, after: '2h' },
      ],
    })
  })

  it.each([
    ['10%', /--rollout stage 1/],
    ['10@0m,100%@1h', /--rollout stage 1/],
    ['10%@0m,5%@1h,100%@2h', /stage 2 percent must be larger than the previous stage's 10/],
    ['10%@0m,50%@1h', /stage 2 percent must be 100 in the last stage/],
    ['10%@1h,100%@0m', /stage 2 after must not be earlier/],
    ['10%@0m,100%@1y', /stage 2 after must be a duration/],
    ['0%@0m,100%@1h', /stage 1/],
    [Array.from({ length: 11 }, (_, i) => `${i + 1}%@0m`).join(','), /more than 10 stages/],
  ])('refuses %j with E_USAGE', (plan, message) => {
    expect(() => parseRolloutPlan(plan, start, '--rollout')).toThrow(
      expect.objectContaining({ code: 'E_USAGE', message: expect.stringMatching(message) }),
    )
  })

  it('names the start flag when the start is not an RFC 3339 UTC time', () => {
    expect(() => parseRolloutPlan('100%@0m', '2026-05-01 12:00', '--rollout', '--rollout-start')).toThrow(
      expect.objectContaining({ code: 'E_USAGE', message: expect.stringMatching(/^--rollout-start is/) }),
    )
  })
})

describe('payload schema v2', () => {
  const rollout = parseRolloutPlan('10%@0m,100%@2h', '2026-05-01T12:00:00Z', '--rollout')

  it('round-trips a rollout under schema v2, and a payload without one stays v1', () => {
    const key = testKey(7)
    const v2 = testPayload({ schema: MANIFEST_SCHEMA_V2, rollout })
    const verified = verifyManifest(signManifest(v2, [key]), { keys: [key], now: new Date('2026-06-01Z') })
    expect(verified.payload.rollout).toEqual(rollout)
    expect(Buffer.from(verified.payloadBytes).toString()).toContain(
      '"schema": "https://relseal.dev/manifest/v2"',
    )
    const v1 = Buffer.from(serializePayload(testPayload())).toString()
    expect(v1).toContain(`"schema": "${MANIFEST_SCHEMA}"`)
    expect(v1).not.toContain('rollout')
  })

  it('never signs a rollout under schema v1, nor v2 without a rollout (E_BAD_INPUT)', () => {
    expect(() => serializePayload(testPayload({ rollout }))).toThrow(
      expect.objectContaining({ code: 'E_BAD_INPUT', message: expect.stringMatching(/manifest\/v2/) }),
    )
    expect(() => serializePayload(testPayload({ schema: MANIFEST_SCHEMA_V2 }))).toThrow(
      expect.objectContaining({ code: 'E_BAD_INPUT', message: expect.stringMatching(/rollout is missing/) }),
    )
  })

  it('refuses a rollout whose last stage would open after expires_at', () => {
    const bytes = Buffer.from(
      JSON.stringify({
        ...testPayload({ schema: MANIFEST_SCHEMA_V2, rollout }),
        expires_at: '2026-05-01T13:00:00Z',
      }),
    )
    expect(() => parsePayload(bytes)).toThrow(
      expect.objectContaining({ code: 'E_BAD_INPUT', message: expect.stringMatching(/never open/) }),
    )
  })
})

describe('the host id', () => {
  it('reads /etc/machine-id without its newline; missing, empty and uninitialized mean none', async () => {
    const dir = tempDir()
    const file = join(dir, 'machine-id')
    writeFileSync(file, '4c4c4544004a3510804bb4c04f4e3332\n')
    expect(await readMachineId(file)).toBe('4c4c4544004a3510804bb4c04f4e3332')
    expect(await resolveHostId(undefined, file)).toBe('4c4c4544004a3510804bb4c04f4e3332')
    for (const content of ['', '\n', 'uninitialized\n']) {
      writeFileSync(file, content)
      expect(await readMachineId(file)).toBeUndefined()
    }
    expect(await readMachineId(join(dir, 'absent'))).toBeUndefined()
  })

  it('without --host-id and a machine id, is E_USAGE naming --host-id', async () => {
    const missing = join(tempDir(), 'machine-id')
    await expect(resolveHostId(undefined, missing)).rejects.toMatchObject({
      code: 'E_USAGE',
      message: expect.stringContaining('--host-id'),
    })
    // --host-id wins over the file, and is checked like one.
    expect(await resolveHostId('web-01', missing)).toBe('web-01')
    await expect(resolveHostId('web\u001b01', missing)).rejects.toMatchObject({ code: 'E_USAGE' })
  })
})
