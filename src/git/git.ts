/**
 * The only code in relseal that runs git. Every call is an argument array (never a shell
 * string), prompts are disabled, and callers put `--end-of-options` before refs and `--`
 * before paths; `assertSafeRef` refuses refs that could be read as options.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { RelsealError } from '../errors.js'

export interface GitOptions {
  /** Working directory (or a bare repository) to run in. */
  cwd: string
  /** Bytes written to git's stdin. */
  input?: string | Buffer
  /** Extra environment variables (merged over the process environment). */
  env?: Record<string, string>
  /** Exit codes that are not errors (default: only 0). */
  okCodes?: readonly number[]
  /** Kill git after this many milliseconds. */
  timeoutMs?: number
  /** Receives stdout as it arrives, for output too large to hold; `stdout` is then empty. */
  onStdout?: (chunk: Buffer) => void
}

export interface GitResult {
  stdout: Buffer
  stderr: string
  code: number
}

/** The environment every git process gets: no prompts, no pager, no user/system config surprises. */
export function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '',
    SSH_ASKPASS: '',
    GCM_INTERACTIVE: 'never',
    GIT_PAGER: 'cat',
    LC_ALL: 'C',
    ...extra,
  }
}

/** Starts a long-lived git process (for streamed use such as `git cat-file --batch`). */
export function spawnGit(
  args: readonly string[],
  options: Omit<GitOptions, 'input' | 'okCodes' | 'onStdout'>,
): ChildProcessWithoutNullStreams {
  return spawn('git', ['-c', 'core.quotePath=false', ...args], {
    cwd: options.cwd,
    env: gitEnv(options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  })
}

/** Runs git to completion and returns its output; a non-zero exit throws `E_GIT`. */
export async function runGit(args: readonly string[], options: GitOptions): Promise<GitResult> {
  const child = spawnGit(args, options)
  const out: Buffer[] = []
  const err: Buffer[] = []
  child.stdout.on('data', options.onStdout ?? ((b: Buffer) => out.push(b)))
  child.stderr.on('data', (b: Buffer) => err.push(b))
  const timer =
    options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs)
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
  const result = { stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), code }
  if (!(options.okCodes ?? [0]).includes(code)) {
    throw new RelsealError(
      'E_GIT',
      `git ${describeArgs(args)} failed (exit ${code}): ${result.stderr.trim() || 'no output'}`,
      {
        details: { args: [...args], code, stderr: result.stderr },
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
