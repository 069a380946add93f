/**
 * The `withdrawn` step of an update (docs/updater.md, "Withdrawing a release"): a signed
 * withdrawal statement published beside the manifest stops a host from installing the withdrawn
 * version, and moves a host that runs it back to the newest older installed release, re-verified
 * as `relseal rollback` re-verifies it. Everything else is left as it is.
 */
import semver from 'semver'
import { RelsealError } from '../errors.js'
import { verifyWithdrawal, type VerifiedManifest, type VerifiedWithdrawal } from '../manifest/index.js'
import { escapeUntrusted } from '../text/escape.js'
import type { TrustPolicy } from '../trust/policy.js'
import type { EvidenceRecord, ReleaseRef } from './evidence.js'
import { olderInstalled, type InstalledRelease } from './installed.js'
import type { AppLayout } from './layout.js'
import { setRollbackPointer, swapPointer } from './pointer.js'
import { reverifyInstalled } from './rollback.js'

export interface WithdrawalGateInput {
  layout: AppLayout
  /** The policy the manifest verified with, its repository included. */
  policy: TrustPolicy
  /** The verified manifest the update would install. */
  target: VerifiedManifest
  /** The release `current` names, if any. */
  running: InstalledRelease | undefined
  /** release_withdrawn.json from the source, not yet verified. */
  untrustedWithdrawal: Uint8Array | undefined
  /** Gains `withdrawal`, and on a rollback `outcome`, `from` and `to`. */
  evidence: EvidenceRecord
}

const refOf = (r: ReleaseRef): ReleaseRef => ({
  version: r.version,
  commit: r.commit,
  code_hash: r.code_hash,
})

function sameCommit(w: VerifiedWithdrawal, version: string, commit: string): void {
  if (w.payload.commit !== commit)
    throw new RelsealError(
      'E_PAYLOAD_MISMATCH',
      `the withdrawal of ${version} names commit ${w.payload.commit}, but ${version} is commit ${commit}; ` +
        `both are signed, so nothing is changed: the publisher must sign a withdrawal with the right commit`,
    )
}

/** Moves `current` from the withdrawn running release to the newest older installed one. */
async function rollBack(
  i: WithdrawalGateInput,
  running: InstalledRelease,
  why: string,
): Promise<{ from: ReleaseRef; to: ReleaseRef }> {
  const back = olderInstalled(i.layout, running.version)
  if (back === undefined)
    throw new RelsealError(
      'E_WITHDRAWN',
      `the running ${running.version} is withdrawn (${why}), and no older release is installed in ${i.layout.root} ` +
        `to roll back to; current is left as it is: publish a fixed release, or stop the app`,
    )
  const to = await reverifyInstalled(i.layout, { ...i.policy, enforceExpiry: false }, back)
  // rollback first, as in an update: a crash between the renames leaves both naming whole releases
  setRollbackPointer(i.layout.rollback, olderInstalled(i.layout, to.version))
  swapPointer(i.layout.current, to.version)
  const moved = { from: refOf(running), to: refOf(to) }
  Object.assign(i.evidence, { outcome: 'rolled-back', ...moved })
  return moved
}

/**
 * Verifies the withdrawal statement (when the source has one) with the manifest's policy, then:
 * the target version is withdrawn and not running → E_WITHDRAWN (nothing fetched); the running
 * version is withdrawn and the target does not replace it with a newer release → roll back and
 * return `{ from, to }`; otherwise undefined (the statement is about another release). A
 * statement that does not verify stops the update (fail closed).
 */
export async function checkWithdrawal(
  i: WithdrawalGateInput,
): Promise<{ from: ReleaseRef; to: ReleaseRef } | undefined> {
  if (i.untrustedWithdrawal === undefined) return undefined
  const w = verifyWithdrawal(i.untrustedWithdrawal, i.policy)
  const { version, reason } = w.payload
  const target = i.target.payload
  const running = i.running
  const why = `reason: ${escapeUntrusted(reason)}`
  const applies =
    version === target.version ||
    (running?.version === version && !semver.gt(target.version, running.version))
  if (!applies) return undefined
  i.evidence.withdrawal = { ...w.payload, key_ids: w.keyIds, digest: w.digest }
  if (version === target.version) sameCommit(w, version, target.commit)
  if (running?.version === version) {
    sameCommit(w, version, running.commit)
    return rollBack(i, running, why)
  }
  throw new RelsealError(
    'E_WITHDRAWN',
    `${version} is withdrawn by its publisher (${why}); it is not installed` +
      `${running ? `, ${running.version} runs on` : ''}. Wait for a newer release`,
  )
}
