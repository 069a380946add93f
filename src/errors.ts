/**
 * The one error type of relseal. Every refusal and every bad input becomes a
 * `RelsealError` with a stable `code` (tests and callers branch on the code, never on
 * the text) and a message that says what was wrong and how to fix it.
 */
export type RelsealErrorCode =
  // verification refusals (CLI exit 1)
  | 'E_UNSIGNED'
  | 'E_BAD_SIGNATURE'
  | 'E_UNTRUSTED_KEY'
  | 'E_THRESHOLD'
  | 'E_EXPIRED'
  | 'E_DOWNGRADE'
  | 'E_VERSION_REUSED'
  | 'E_TREE_MISMATCH'
  | 'E_REPOSITORY_MISMATCH'
  | 'E_TAG_UNSIGNED'
  | 'E_TAG_BAD_SIGNATURE'
  | 'E_TAG_UNTRUSTED'
  | 'E_TAG_MISMATCH'
  | 'E_TAG_VERSION_MISMATCH'
  | 'E_PAYLOAD_MISMATCH'
  | 'E_WITHDRAWN'
  | 'E_SHARED_CONFLICT'
  // trust root refusals (docs/trust-root.md)
  | 'E_ROOT_THRESHOLD'
  | 'E_ROOT_ROLLBACK'
  | 'E_ROOT_SKIPPED'
  | 'E_ROOT_EXPIRED'
  | 'E_ROOT_REPOSITORY'
  // bad input (CLI exit 2)
  | 'E_BAD_INPUT'
  | 'E_USAGE'
  | 'E_BAD_KEY'
  | 'E_NOT_FOUND'
  | 'E_NOT_A_REPO'
  | 'E_UNKNOWN_REV'
  | 'E_UNREADABLE'
  | 'E_CHANGED_WHILE_READING'
  | 'E_SYMLINK_ESCAPE'
  | 'E_BAD_PATH_NAME'
  | 'E_GIT_FILTER'
  | 'E_TOO_LARGE'
  | 'E_EXISTS'
  // environment and operations
  | 'E_GIT'
  | 'E_IO'
  | 'E_NETWORK'
  | 'E_TIMEOUT'
  | 'E_INSECURE_TRANSPORT'
  | 'E_LOCKED'
  | 'E_NOT_INITIALISED'
  | 'E_INSTALL_FAILED'
  | 'E_HEALTH_FAILED'
  | 'E_UPDATE_FAILED'
  // supervise: after the swap (the update then rolls back)
  | 'E_RESTART_FAILED'
  | 'E_WATCH_FAILED'
  | 'E_FAILED_RELEASE'
  | 'E_SUPERVISION_PENDING'
  | 'E_GITHUB'
  | 'E_IMMUTABLE_RELEASE'
  | 'E_SIGNER_FAILED'
  | 'E_UNSUPPORTED_PLATFORM'
  // release-gate: the gates that stop a release before anything is created
  | 'E_BAD_VERSION'
  | 'E_NOT_INCREASING'
  | 'E_DUPLICATE_TAG'
  | 'E_TEST_GATE'
  | 'E_BUILD_FAILED'
  | 'E_CHECK_FAILED'
  | 'E_BENCHMARK_GATE'

/** Codes that mean "we looked and refused": the CLI exits 1 for these. */
export const REFUSAL_CODES: ReadonlySet<RelsealErrorCode> = new Set<RelsealErrorCode>([
  'E_UNSIGNED',
  'E_BAD_SIGNATURE',
  'E_UNTRUSTED_KEY',
  'E_THRESHOLD',
  'E_EXPIRED',
  'E_DOWNGRADE',
  'E_VERSION_REUSED',
  'E_TREE_MISMATCH',
  'E_REPOSITORY_MISMATCH',
  'E_TAG_UNSIGNED',
  'E_TAG_BAD_SIGNATURE',
  'E_TAG_UNTRUSTED',
  'E_TAG_MISMATCH',
  'E_TAG_VERSION_MISMATCH',
  'E_PAYLOAD_MISMATCH',
  'E_WITHDRAWN',
  'E_SHARED_CONFLICT',
  'E_ROOT_THRESHOLD',
  'E_ROOT_ROLLBACK',
  'E_ROOT_SKIPPED',
  'E_ROOT_EXPIRED',
  'E_ROOT_REPOSITORY',
  // a release that failed after its swap here and was rolled back (issue 16)
  'E_FAILED_RELEASE',
  // an update killed while it supervised a new release; finish it with the restart/watch flags
  'E_SUPERVISION_PENDING',
])

export class RelsealError extends Error {
  readonly code: RelsealErrorCode
  /** Extra machine-readable facts (paths, key ids) for JSON output and evidence logs. */
  readonly details: Readonly<Record<string, unknown>> | undefined

  constructor(
    code: RelsealErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'RelsealError'
    this.code = code
    this.details = options.details
  }
}

/** True when `err` is a RelsealError, optionally with the given code. */
export function isRelsealError(err: unknown, code?: RelsealErrorCode): err is RelsealError {
  return err instanceof RelsealError && (code === undefined || err.code === code)
}
