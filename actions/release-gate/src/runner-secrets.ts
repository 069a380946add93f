import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs'

/**
 * Runner variables a test or build command must not get. The runner hands ACTIONS_RUNTIME_TOKEN (the
 * run's artifact and cache service; it can poison the cache) to every JavaScript action, whatever the
 * job's permissions; the others are refused in check mode before any command runs (inputs.ts), and
 * dropped here too in case a runner adds them later.
 */
export const RUNNER_SECRETS = [
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_URL',
  'GITHUB_TOKEN',
  'GH_TOKEN',
] as const

const isSecretName = (k: string) =>
  k.startsWith('INPUT_') || (RUNNER_SECRETS as readonly string[]).includes(k)

/**
 * The environment a test or build command gets: the runner's, minus every INPUT_* variable and every
 * runner secret, so nothing given to this action reaches code under test through its environment.
 */
export function commandEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !isSecretName(k)) out[k] = v
  return out
}

/**
 * Removes the runner secrets from this process for good, so a command cannot read them from
 * /proc/<this pid>/environ either: that file shows the environment block the process started with,
 * which `delete process.env.X` (unsetenv) leaves in memory. On Linux the block's address range is in
 * /proc/self/stat (fields 50 and 51, env_start and env_end; proc(5)), and a process may write its own
 * memory through /proc/self/mem: each secret's value is overwritten with NUL bytes there. Returns the
 * names it could not wipe from the block (empty on success, or where there is no /proc).
 */
export function wipeRunnerSecrets(): string[] {
  const present = RUNNER_SECRETS.filter((k) => process.env[k] !== undefined)
  for (const k of present) delete process.env[k]
  if (present.length === 0 || !existsSync('/proc/self/environ')) return present
  let block: Buffer | undefined
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8')
    // Field 2 (comm) may hold spaces and parentheses: count fields from the last ')', which ends it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const envStart = Number(fields[50 - 3])
    block = readFileSync('/proc/self/environ')
    const fd = openSync('/proc/self/mem', 'r+')
    try {
      for (const k of present) {
        const key = Buffer.from(`${k}=`)
        for (let at = block.indexOf(key); at !== -1; at = block.indexOf(key, at + 1)) {
          if (at > 0 && block[at - 1] !== 0) continue // KEY= inside another variable's value
          const from = at + key.length
          const end = block.indexOf(0, from)
          const len = (end === -1 ? block.length : end) - from
          if (len > 0) writeSync(fd, Buffer.alloc(len), 0, len, envStart + from)
        }
      }
    } finally {
      closeSync(fd)
    }
    const after = readFileSync('/proc/self/environ')
    const left = present.filter((k) => after.includes(Buffer.from(`${k}=`)) && !wiped(after, k))
    after.fill(0)
    return left
  } catch {
    return present
  } finally {
    block?.fill(0)
  }
}

/** True when every `k=` entry of the environment block holds only NUL bytes. */
function wiped(block: Buffer, k: string): boolean {
  const key = Buffer.from(`${k}=`)
  for (let at = block.indexOf(key); at !== -1; at = block.indexOf(key, at + 1)) {
    if (at > 0 && block[at - 1] !== 0) continue
    const next = at + key.length
    if (next < block.length && block[next] !== 0) return false
  }
  return true
}
