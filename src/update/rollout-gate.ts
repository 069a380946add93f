/**
 * The rollout step of an update (docs/updater.md, "Fleets: phased rollout"): right after the
 * manifest verified and before any git command, a host whose stage of a signed phased rollout has
 * not opened yet stops with outcome `deferred`, having fetched and changed nothing.
 */
import { RelsealError } from '../errors.js'
import { readBoundedFile } from '../manifest/read-bounded.js'
import { hostBucket, isHostId, stageOfBucket } from '../manifest/rollout-bucket.js'
import type { ManifestPayload } from '../manifest/payload.js'
import { appendEvidence, type EvidenceRecord } from './evidence.js'
import type { AppLayout } from './layout.js'
import type { UpdateResult } from './update.js'

/** systemd's (and dbus's) stable per-host id; `--host-id` replaces it. */
export const MACHINE_ID_PATH = '/etc/machine-id'
const MAX_MACHINE_ID_BYTES = 4096

export interface RolloutGateOptions {
  /** The host's stable id; default: the content of /etc/machine-id. Hashed, never sent anywhere. */
  hostId?: string
  /** Update whatever the rollout says: for the operator's own canary hosts. */
  ignoreRollout?: boolean
  /** The clock stages are opened by (the trust policy's `now`); default: now. */
  now?: Date
  /** The version `current` names: a host already on the target version is not held back. */
  running?: string
  /** Test seam for the machine id file. */
  machineIdPath?: string
}

/** A host whose stage is not open yet. */
export interface Deferral {
  /** ISO time its stage opens. */
  until: string
}

/**
 * The machine id (trailing whitespace removed), or undefined when the file is missing, empty or
 * `uninitialized` (systemd's placeholder in images before first boot).
 */
export async function readMachineId(path = MACHINE_ID_PATH): Promise<string | undefined> {
  let bytes: Buffer
  try {
    bytes = await readBoundedFile(path, MAX_MACHINE_ID_BYTES, 'machine id')
  } catch (e) {
    if (e instanceof RelsealError && e.code === 'E_NOT_FOUND') return undefined
    throw e
  }
  const id = bytes.toString('utf8').trimEnd()
  return id === '' || id === 'uninitialized' ? undefined : id
}

/** `hostId`, else the machine id; E_USAGE naming --host-id when neither gives a usable id. */
export async function resolveHostId(
  hostId: string | undefined,
  machineIdPath = MACHINE_ID_PATH,
): Promise<string> {
  if (hostId !== undefined) {
    if (!isHostId(hostId))
      throw new RelsealError('E_USAGE', '--host-id must be 1 to 256 bytes without control characters')
    return hostId
  }
  const id = await readMachineId(machineIdPath)
  if (id === undefined)
    throw new RelsealError(
      'E_USAGE',
      `this release rolls out in stages, which needs a stable host id, but ${machineIdPath} is missing, empty or uninitialized; ` +
        'pass --host-id ID (any stable name of this host, e.g. its inventory name), or --ignore-rollout to update now',
    )
  if (!isHostId(id))
    throw new RelsealError(
      'E_USAGE',
      `${machineIdPath} holds no usable host id (1 to 256 bytes without control characters); pass --host-id ID`,
    )
  return id
}

/**
 * Decides whether this host may install `payload` now: undefined when there is no rollout, it is
 * ignored, the host already runs that version, or the host's stage is open; otherwise the time it
 * opens. Records the host's bucket and stage (never its id) in `evidence.rollout`.
 */
export async function checkRolloutStage(
  payload: ManifestPayload,
  evidence: EvidenceRecord,
  o: RolloutGateOptions,
): Promise<Deferral | undefined> {
  const rollout = payload.rollout
  if (rollout === undefined || o.running === payload.version) return undefined
  if (o.ignoreRollout) {
    evidence.rollout = { ignored: true }
    return undefined
  }
  const bucket = hostBucket(await resolveHostId(o.hostId, o.machineIdPath), payload.version)
  const stage = stageOfBucket(rollout, bucket)
  const opensAt = new Date(stage.opensAt).toISOString()
  evidence.rollout = { bucket, stage: stage.index + 1, percent: stage.percent, opens_at: opensAt }
  return (o.now ?? new Date()).getTime() < stage.opensAt ? { until: opensAt } : undefined
}

/** Ends a deferred run: the evidence line says when the host's stage opens; nothing else changed. */
export function deferUpdate(
  layout: AppLayout,
  evidence: EvidenceRecord,
  runId: string,
  deferral: Deferral,
): UpdateResult {
  evidence.outcome = 'deferred'
  evidence.deferred_until = deferral.until
  appendEvidence(layout.evidence, evidence)
  return {
    outcome: 'deferred',
    runId,
    to: evidence.to!,
    evidence,
    deferredUntil: deferral.until,
    ...(evidence.from ? { from: evidence.from } : {}),
  }
}
