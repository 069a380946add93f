import { closeSync, existsSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs'

export interface StepRecord {
  step: string
  started: string
  duration_ms: number
  outcome: 'ok' | 'skipped' | 'failed'
}

export interface ReleaseRef {
  version: string
  commit: string
  code_hash: string
}

export interface EvidenceRecord {
  run_id: string
  time: string
  outcome: 'updated' | 'up-to-date' | 'refused' | 'failed' | 'rolled-back' | 'deferred'
  from?: ReleaseRef
  to?: ReleaseRef
  manifest_digest?: string
  key_ids?: string[]
  tag_signer?: { principal: string; fingerprint: string }
  /** Trust root versions before and after this run, and the signers of the newest (issue 15). */
  trust_root?: { from: number; to: number; signers: string[] }
  /** The verified withdrawal statement this run acted on (withdrawal-gate.ts). */
  withdrawal?: {
    repository: string
    version: string
    commit: string
    reason: string
    time: string
    key_ids: string[]
    digest: string
  }
  steps: StepRecord[]
  error_code?: string
  error?: string
  rollback_command?: string
  /** Outcome `deferred`: when this host's stage of the signed rollout opens (ISO time). */
  deferred_until?: string
  /** The host's place in a signed phased rollout (its bucket of 10,000, never its id). */
  rollout?: { bucket: number; stage: number; percent: number; opens_at: string } | { ignored: true }
  /** outcome rolled-back (issue 16): where current went back to, and how that release did after. */
  rolled_back_to?: ReleaseRef
  after_rollback?: 'healthy' | { error_code: string; error: string }
  /** This run first finished the supervision a killed run left (its run id, when it swapped). */
  resumed?: { run_id: string; started: string }
}

/** Appends one JSON line to the evidence log and fsyncs it. */
export function appendEvidence(path: string, record: EvidenceRecord): void {
  const fd = openSync(path, 'a', 0o644)
  try {
    writeSync(fd, `${JSON.stringify(record)}\n`)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** How much of the end of evidence.jsonl status reads: the log grows with every run. */
export const MAX_EVIDENCE_TAIL_BYTES = 256 * 1024

/**
 * The last `n` evidence records, read from at most the last MAX_EVIDENCE_TAIL_BYTES of the log (a
 * torn last line from a crash, and a first line cut by the bound, are skipped).
 */
export function readEvidence(path: string, n: number): EvidenceRecord[] {
  if (!existsSync(path)) return []
  const fd = openSync(path, 'r')
  let text: string
  try {
    const size = fstatSync(fd).size
    const start = Math.max(0, size - MAX_EVIDENCE_TAIL_BYTES)
    const buf = Buffer.alloc(size - start)
    const got = readSync(fd, buf, 0, buf.length, start)
    text = buf.subarray(0, got).toString('utf8')
    if (start > 0) text = text.slice(text.indexOf('\n') + 1)
  } finally {
    closeSync(fd)
  }
  const out: EvidenceRecord[] = []
  for (const line of text.split('\n').slice(-n - 1)) {
    try {
      if (line.trim() !== '') out.push(JSON.parse(line) as EvidenceRecord)
    } catch {
      /* torn write */
    }
  }
  return out.slice(-n)
}
