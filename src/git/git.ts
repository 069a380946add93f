/**
 * The only code in relseal that runs git. Every call is an argument array (never a shell
 * string), prompts are disabled, and callers put `--end-of-options` before refs and `--`
 * before paths; `assertSafeRef` refuses refs that could be read as options. Every call pins the
 * transports (https, ssh, local paths only), reads no system or global configuration unless asked
 * (`ambientConfig`), and network commands have a deadline that kills git's whole process tree.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { RelsealError } from '../errors.js'
import { gitConfigArgs, gitEnv } from './git-env.js'
import { killProcessTree } from './kill-tree.js'

export { gitEnv } from './git-env.js'

export interface GitOptions {
  /** Working directory (or a bare repository) to run in. */
  cwd: string
  /** Bytes written to git's stdin. */
  input?: string | Buffer
  /** Extra environment variables (merged over the process environment, kept when isolated). */
  env?: Record<string, string>
  /** Exit codes that are not errors (default: only 0). */
  okCodes?: readonly number[]
  /**
   * Deadline in milliseconds; on expiry git and its children (git-remote-https, ssh) are killed
   * and `E_TIMEOUT` is thrown. Default: `NETWORK_DEADLINES_MS` for network commands, none otherwise.
   */
  timeoutMs?: number
  /** Receives stdout as it arrives, for output too large to hold; `stdout` is then empty. */
  onStdout?: (chunk: Buffer) => void
  /**
   * Read the system and global git configuration (and GIT_CONFIG_* inherited from the
   * environment). Off by default: the updater's store is relseal's own, and whatever a global
   * `url.*.insteadOf`, `core.hooksPath`, `core.sshCommand`, credential helper or filter says must not
   * steer what it fetches or checks out. On for code that reads a checkout the way its owner's git
   * does (src/tree: core.autocrlf decides what is on disk). Isolated git still honours the ambient
   * `safe.directory` (a runner's checkout in a container), and protocols are pinned either way.
   */
  ambientConfig?: boolean
}

export interface GitResult {
  stdout: Buffer
  stderr: string
  code: number
}

/**
 * Default deadlines of the commands that talk to a remote: a remote that accepts and never answers
 * would otherwise hold the updater (and its lock) forever.
 */
export const NETWORK_DEADLINES_MS: Readonly<Record<string, number>> = {
  fetch: 10 * 60_000,
  clone: 10 * 60_000,
  pull: 10 * 60_000,
  push: 10 * 60_000,
  'ls-remote': 60_000,
}

/** The git subcommand of an argument list (after any `-c key=value` / `-C dir`), and its first operand. */
function commandOf(args: readonly string[]): { command: string; operand: string | undefined } {
  let i = 0
  while (i < args.length && args[i]!.startsWith('-')) i += args[i] === '-c' || args[i] === '-C' ? 2 : 1
  const command = args[i] ?? ''
  const operand = args.slice(i + 1).find((a) => !a.startsWith('-'))
  return { command, operand }
}

/** The deadline a call gets: the caller's, else the default of its command, else none. */
export function deadlineFor(
  args: readonly string[],
  options: Pick<GitOptions, 'timeoutMs'>,
): number | undefined {
  const { command } = commandOf(args)
  return (
    options.timeoutMs ??
    (Object.hasOwn(NETWORK_DEADLINES_MS, command) ? NETWORK_DEADLINES_MS[command] : undefined)
  )
}

/** A remote as it may be shown: credentials in a URL's user part are hidden. */
function showRemote(remote: string): string {
  return remote.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@')
}

/** Starts a long-lived git process (for streamed use such as `git cat-file --batch`). */
export function spawnGit(
  args: readonly string[],
  options: Omit<GitOptions, 'input' | 'okCodes' | 'onStdout' | 'timeoutMs'>,
): ChildProcessWithoutNullStreams {
  const isolated = options.ambientConfig !== true
  return spawn('git', [...gitConfigArgs(isolated), ...args], {
    cwd: options.cwd,
    env: gitEnv(options.env, isolated),
    stdio: ['pipe', 'pipe', 'pipe'],
  })
}

function timeoutError(args: readonly string[], ms: number): RelsealError {
  const { command, operand } = commandOf(args)
  const remote =
    Object.hasOwn(NETWORK_DEADLINES_MS, command) && operand !== undefined ? showRemote(operand) : undefined
  return new RelsealError(
    'E_TIMEOUT',
    `git ${command}${remote === undefined ? '' : ` (remote ${JSON.stringify(remote)})`} did not finish within ${ms / 1000} s ` +
      `and was stopped; ${remote === undefined ? 'try again' : 'check that the remote is reachable and answers, then try again'}`,
    { details: { args: args.map(showRemote), timeoutMs: ms, ...(remote === undefined ? {} : { remote }) } },
  )
}

/** Runs git to completion and returns its output; a non-zero exit throws `E_GIT`, a deadline `E_TIMEOUT`. */
export async function runGit(args: readonly string[], options: GitOptions): Promise<GitResult> {
  const child = spawnGit(args, options)
  const out: Buffer[] = []
  const err: Buffer[] = []
  child.stdout.on('data', options.onStdout ?? ((b: Buffer) => out.push(b)))
  child.stderr.on('data', (b: Buffer) => err.push(b))
  const deadline = deadlineFor(args, options)
  let expired = false
  const timer =
    deadline === undefined
      ? undefined
      : setTimeout(() => {
          expired = true
          if (child.pid !== undefined) killProcessTree(child.pid)
          // A descendant that escaped the kill must not keep 'close' from firing by holding a pipe.
          child.stdout.destroy()
          child.stderr.destroy()
        }, deadline)
  child.stdin.on('error', () => {
    /* git may exit before reading all input; the exit code tells the story */
  })
  child.stdin.end(options.input ?? '')
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', (e) =>
      reject(
        new RelsealError(
          'E_GIT',
          `could not start git (${e.message}); install git and make sure it is on PATH`,
          {
            cause: e,
          },
        ),
      ),
    )
    child.on('close', (c, signal) => resolve(c ?? (signal ? 128 : 1)))
  }).finally(() => clearTimeout(timer))
  if (expired) throw timeoutError(args, deadline!)
  const result = { stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), code }
  if (!(options.okCodes ?? [0]).includes(code)) {
    throw new RelsealError(
      'E_GIT',
      `git ${describeArgs(args.map(showRemote))} failed (exit ${code}): ${result.stderr.trim() || 'no output'}`,
      {
        details: { args: args.map(showRemote), code, stderr: result.stderr },
      },
    )
  }
  return result
}

/** Runs git and returns stdout as trimmed UTF-8 text. */
export async function gitText(args: readonly string[], options: GitOptions): Promise<string> {
  return (await runGit(args, options)).stdout.toString('utf8').trim()
}

function describeArgs(args: readonly string[]): string {
  return args
    .filter((a) => !a.includes('\n'))
    .slice(0, 4)
    .join(' ')
}

// A control character anywhere, or a leading '-', would let a ref from a manifest act as an option
// or smuggle a second line into git's batch protocols.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/

/**
 * Refuses a ref, tag, commit id or path that starts with `-` or holds control characters,
 * before it reaches any git command.
 */
export function assertSafeRef(value: string, what: string): string {
  if (value.length === 0 || value.startsWith('-') || CONTROL_CHARS.test(value)) {
    throw new RelsealError(
      'E_BAD_INPUT',
      `${what} ${JSON.stringify(value)} is not safe to pass to git: it is empty, starts with '-' or holds control characters; ` +
        `use a plain tag, branch or full commit id`,
    )
  }
  return value
}

const FULL_COMMIT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/

/** True for a full SHA-1 or SHA-256 commit id in lower-case hex. */
export function isFullCommitId(value: string): boolean {
  return FULL_COMMIT_ID.test(value)
}
