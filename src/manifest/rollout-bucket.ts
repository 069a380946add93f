/**
 * Which stage of a phased rollout a host belongs to (docs/manifest-spec.md, "Host buckets"). The
 * bucket mixes the host id with the release version, so the canary set changes with each release
 * and no host is always first.
 */
import { createHash } from 'node:crypto'
import { RelsealError } from '../errors.js'
import { isControl } from './grammar.js'
import { stageOpensAt, type Rollout } from './rollout.js'

/** Buckets are 0 … ROLLOUT_BUCKETS − 1; a stage of p percent holds buckets below p × 100. */
export const ROLLOUT_BUCKETS = 10000
/** A host id is 1–256 UTF-8 bytes without control characters. */
export const MAX_HOST_ID_BYTES = 256

/** True for a host id the bucket function accepts: 1–256 UTF-8 bytes, no C0 control or DEL. */
export function isHostId(s: string): boolean {
  const bytes = Buffer.byteLength(s, 'utf8')
  if (bytes < 1 || bytes > MAX_HOST_ID_BYTES) return false
  for (let i = 0; i < s.length; i++) if (isControl(s.charCodeAt(i))) return false
  return true
}

/**
 * bucket = BE64(SHA-256(UTF-8(hostId) ‖ 0x00 ‖ UTF-8(version))[0..8]) mod 10000. The 0x00 cannot
 * occur in either part, so no two (host, version) pairs hash the same input.
 *
 * @example hostBucket('4c4c4544004a3510804bb4c04f4e3332', '1.2.3') // a number in 0 … 9999
 */
export function hostBucket(hostId: string, version: string): number {
  if (!isHostId(hostId))
    throw new RelsealError(
      'E_USAGE',
      `the host id must be 1 to ${MAX_HOST_ID_BYTES} bytes without control characters (--host-id)`,
    )
  const digest = createHash('sha256')
    .update(Buffer.from(hostId, 'utf8'))
    .update(Buffer.from([0]))
    .update(Buffer.from(version, 'utf8'))
    .digest()
  return Number(digest.readBigUInt64BE(0) % BigInt(ROLLOUT_BUCKETS))
}

/** The first stage whose set holds the bucket, and when it opens. */
export interface HostStage {
  /** 0-based index into rollout.stages. */
  index: number
  percent: number
  /** Milliseconds since the epoch. */
  opensAt: number
}

/** The host's stage: the first whose percent × 100 is above the bucket (the last stage is 100 %). */
export function stageOfBucket(rollout: Rollout, bucket: number): HostStage {
  const index = rollout.stages.findIndex((s) => bucket < s.percent * (ROLLOUT_BUCKETS / 100))
  const i = index === -1 ? rollout.stages.length - 1 : index
  return { index: i, percent: rollout.stages[i]!.percent, opensAt: stageOpensAt(rollout, i) }
}
