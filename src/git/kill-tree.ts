/**
 * Ends a git process and every process below it. git runs its transports as children
 * (git-remote-https, ssh, the command of GIT_SSH_COMMAND) that do not die with git: killed alone,
 * git leaves them holding the connection and, for a fetch, the repository's `shallow.lock`.
 * git stays in relseal's own process group (so whoever ends relseal's group ends git too), so
 * its descendants are found by parent pid rather than by a group of their own.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

/** pid -> parent pid of every process, from /proc (Linux) or `ps` (macOS, BSD). */
function parentPids(): Map<number, number> {
  const parents = new Map<number, number>()
  try {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue
      try {
        // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces and parentheses.
        const stat = readFileSync(`/proc/${name}/stat`, 'latin1')
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
        parents.set(Number(name), ppid)
      } catch {
        /* the process ended while we looked */
      }
    }
    if (parents.size > 0) return parents
  } catch {
    /* no /proc: ask ps */
  }
  try {
    const out = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8', timeout: 10_000 })
    for (const line of out.split('\n')) {
      const [pid, ppid] = line.trim().split(/\s+/).map(Number)
      if (pid !== undefined && ppid !== undefined && !Number.isNaN(pid)) parents.set(pid, ppid)
    }
  } catch {
    /* nothing more can be learnt; the root is still killed */
  }
  return parents
}

/** The pids below `root`, found before any is killed (an orphan's parent becomes pid 1). */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>()
  for (const [pid, ppid] of parentPids()) {
    const list = children.get(ppid)
    if (list) list.push(pid)
    else children.set(ppid, [pid])
  }
  const found: number[] = []
  for (let queue = [root]; queue.length > 0;) {
    const next = children.get(queue.pop()!) ?? []
    found.push(...next)
    queue.push(...next)
  }
  return found
}

/** Sends SIGKILL to `pid` and all its descendants. */
export function killProcessTree(pid: number): void {
  const below = process.platform === 'win32' ? [] : descendants(pid)
  for (const p of [pid, ...below]) {
    try {
      process.kill(p, 'SIGKILL')
    } catch {
      /* already gone */
    }
  }
}
