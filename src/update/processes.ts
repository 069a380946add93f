import { readFileSync, readdirSync, readlinkSync } from 'node:fs'
import { sep } from 'node:path'

/**
 * Process listing through Linux's /proc, for two clean-ups: killing a signalled updater's children
 * and finding git processes a killed updater left running. Elsewhere the list is empty (those
 * clean-ups then rely on git's own lock handling).
 */
interface ProcInfo {
  pid: number
  ppid: number
  pgid: number
}

function readStat(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return { pid, ppid: Number(rest[1]), pgid: Number(rest[2]) }
  } catch {
    return undefined
  }
}

function allProcesses(): ProcInfo[] {
  let names: string[]
  try {
    names = readdirSync('/proc')
  } catch {
    return []
  }
  const out: ProcInfo[] = []
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue
    const p = readStat(Number(n))
    if (p) out.push(p)
  }
  return out
}

/** Every living descendant of `root` (children first found, then theirs). */
export function descendantsOf(root: number): ProcInfo[] {
  const all = allProcesses()
  const found: ProcInfo[] = []
  const parents = new Set([root])
  for (let grew = true; grew;) {
    grew = false
    for (const p of all) {
      if (parents.has(p.ppid) && !parents.has(p.pid)) {
        parents.add(p.pid)
        found.push(p)
        grew = true
      }
    }
  }
  return found
}

/** Sends SIGKILL to every descendant of this process, and to the process groups they lead. */
export function killDescendants(): number {
  const found = descendantsOf(process.pid)
  for (const p of found) {
    try {
      if (p.pgid === p.pid) process.kill(-p.pid, 'SIGKILL') // a detached command's whole group
      process.kill(p.pid, 'SIGKILL')
    } catch {
      /* already gone */
    }
  }
  return found.length
}

/** git processes (and their helpers: git-remote-https, index-pack) working inside one of `dirs`. */
export function gitProcessesIn(dirs: readonly string[]): number[] {
  const out: number[] = []
  for (const p of allProcesses()) {
    try {
      if (!readFileSync(`/proc/${p.pid}/comm`, 'latin1').startsWith('git')) continue
      const cwd = readlinkSync(`/proc/${p.pid}/cwd`)
      if (dirs.some((d) => cwd === d || cwd.startsWith(d + sep))) out.push(p.pid)
    } catch {
      /* gone, or not ours to inspect */
    }
  }
  return out
}
