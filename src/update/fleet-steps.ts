import { checkRolloutStage, type Deferral } from './rollout-gate.js'
import type { ReleaseRef } from './evidence.js'
import type { UpdateRun } from './update-run.js'
import { checkWithdrawal } from './withdrawal-gate.js'

// The fleet steps between verify and freeze (issue 18): both act only on verified statements.

/**
 * withdrawn: a signed release_withdrawn.json from the source. Refuses a withdrawn target
 * (E_WITHDRAWN); when the running release is the withdrawn one, swaps back to the newest older
 * installed release and returns where current went.
 */
export function checkWithdrawn(run: UpdateRun): Promise<{ from: ReleaseRef; to: ReleaseRef } | undefined> {
  return checkWithdrawal({
    layout: run.layout,
    policy: { ...run.policy, repository: run.repo.repository },
    target: run.verified,
    running: run.from,
    untrustedWithdrawal: run.loaded.untrustedWithdrawal,
    evidence: run.evidence,
  })
}

/** rollout: a phased release whose stage has not opened for this host defers the run. */
export function checkRollout(run: UpdateRun): Promise<Deferral | undefined> {
  return checkRolloutStage(run.verified.payload, run.evidence, {
    hostId: run.o.hostId,
    ignoreRollout: run.o.ignoreRollout,
    now: run.o.policy.now,
    running: run.from?.version,
  })
}
