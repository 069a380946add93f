/**
 * What every git process relseal starts is told, whoever started relseal: which transports it may
 * use, which configuration it reads, and where its repository is (only `cwd`).
 */
import { execFileSync } from 'node:child_process'
import { devNull } from 'node:os'

/**
 * Transports git may use: https, ssh and local paths. `ext::` and `fd::` run commands or read
 * descriptors, `git://` and `http://` are unauthenticated; each is named explicitly because a
 * `protocol.<name>.allow` set anywhere (a repository's config, GIT_CONFIG_COUNT) beats
 * `protocol.allow`, and only a command-line `-c` beats every other source.
 */
export const PINNED_PROTOCOLS: readonly string[] = [
  'protocol.allow=never',
  'protocol.https.allow=always',
  'protocol.ssh.allow=always',
  'protocol.file.allow=always',
  'protocol.ext.allow=never',
  'protocol.fd.allow=never',
  'protocol.http.allow=never',
  'protocol.git.allow=never',
].flatMap((c) => ['-c', c])

/**
 * Set by git for its hooks and aliases; inherited, they would point git at another repository than
 * `cwd` (relseal run from a hook hashes the wrong tree). Callers that mean them pass them in `env`.
 */
const REPOSITORY_LOCATION = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR',
  'GIT_NAMESPACE',
  'GIT_PREFIX',
]

/** Ambient configuration besides the files: legacy GIT_CONFIG, `git -c` of a parent, GIT_CONFIG_COUNT. */
const isAmbientConfigVar = (name: string): boolean =>
  name === 'GIT_CONFIG' ||
  name === 'GIT_CONFIG_SYSTEM' ||
  name === 'GIT_CONFIG_PARAMETERS' ||
  name === 'GIT_CONFIG_COUNT' ||
  name.startsWith('GIT_CONFIG_KEY_') ||
  name.startsWith('GIT_CONFIG_VALUE_')

/** At most this many safe.directory values are carried into isolated git. */
const MAX_SAFE_DIRECTORIES = 64

/** The values read, keyed by the variables that choose which system and global files git reads. */
const safeDirectoriesSeen = new Map<string, string[]>()

/**
 * The ambient `safe.directory` values (system and global files). An isolated git reads neither
 * file, but the one thing it must keep from them is which directories their owner declared safe
 * (a runner's checkout in a container is owned by another uid): a command-line `-c` is protected
 * configuration, so they are passed that way. Read once per set of configuration files.
 */
function ambientSafeDirectories(): string[] {
  const e = process.env
  const key = [
    e.HOME,
    e.XDG_CONFIG_HOME,
    e.GIT_CONFIG_GLOBAL,
    e.GIT_CONFIG_SYSTEM,
    e.GIT_CONFIG_NOSYSTEM,
  ].join('\0')
  const seen = safeDirectoriesSeen.get(key)
  if (seen !== undefined) return seen
  let safeDirectories: string[]
  try {
    const out = execFileSync(
      'git',
      [...PINNED_PROTOCOLS, 'config', '--get-all', '--null', 'safe.directory'],
      {
        env: { ...withoutRepositoryLocation(process.env), GIT_PROTOCOL_FROM_USER: '0' },
        cwd: '/',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 10_000,
      },
    )
    safeDirectories = out.toString('utf8').split('\0').filter(Boolean).slice(0, MAX_SAFE_DIRECTORIES)
  } catch {
    safeDirectories = [] // unset (exit 1) or git missing: runGit reports the latter itself
  }
  safeDirectoriesSeen.set(key, safeDirectories)
  return safeDirectories
}

function withoutRepositoryLocation(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env }
  for (const name of REPOSITORY_LOCATION) delete out[name]
  return out
}

/**
 * The environment of a git process: no prompts, no pager, C locale, no inherited repository
 * location, `GIT_PROTOCOL_FROM_USER=0`. Isolated, it also reads no system or global configuration
 * and no configuration from inherited environment variables; `extra` (the caller's own, e.g. a
 * credential passed as GIT_CONFIG_COUNT) is applied last and always kept.
 */
export function gitEnv(extra: Record<string, string> = {}, isolated = false): NodeJS.ProcessEnv {
  const env = withoutRepositoryLocation(process.env)
  if (isolated) {
    for (const name of Object.keys(env)) if (isAmbientConfigVar(name)) delete env[name]
    env.GIT_CONFIG_NOSYSTEM = '1'
    env.GIT_CONFIG_GLOBAL = devNull
  }
  return {
    ...env,
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '',
    SSH_ASKPASS: '',
    GCM_INTERACTIVE: 'never',
    GIT_PAGER: 'cat',
    GIT_PROTOCOL_FROM_USER: '0',
    LC_ALL: 'C',
    ...extra,
  }
}

/** The `-c` options in front of every git command. */
export function gitConfigArgs(isolated: boolean): string[] {
  const safe = isolated ? ambientSafeDirectories().flatMap((d) => ['-c', `safe.directory=${d}`]) : []
  return ['-c', 'core.quotePath=false', ...PINNED_PROTOCOLS, ...safe]
}
