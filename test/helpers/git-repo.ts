import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { tempDir } from './tmp.js'

/** Environment for test git commands: a fixed identity and dates, no user or system config. */
export const GIT_TEST_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Relseal Test',
  GIT_AUTHOR_EMAIL: 'test@relseal.invalid',
  GIT_COMMITTER_NAME: 'Relseal Test',
  GIT_COMMITTER_EMAIL: 'test@relseal.invalid',
  GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
}

/** Runs git in `cwd` and returns trimmed stdout; throws with git's stderr on failure. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    env: GIT_TEST_ENV,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim()
}

export type TreeSpec = Record<string, string | Buffer | { symlink: string } | { exec: string | Buffer }>

/** Writes files (and symlinks, and executables) under `root`. */
export function writeTree(root: string, files: TreeSpec): void {
  for (const [rel, spec] of Object.entries(files)) {
    const path = join(root, rel)
    mkdirSync(dirname(path), { recursive: true })
    if (typeof spec === 'object' && 'symlink' in spec) symlinkSync(spec.symlink, path)
    else if (typeof spec === 'object' && 'exec' in spec) {
      writeFileSync(path, spec.exec)
      chmodSync(path, 0o755)
    } else writeFileSync(path, spec)
  }
}

/** A new repository in a temp folder with `files` committed on `main`; returns its path. */
export function makeRepo(files: TreeSpec = { 'README.md': '# test\n' }): string {
  const dir = tempDir('relseal-repo-')
  git(dir, 'init', '-q', '-b', 'main')
  writeTree(dir, files)
  commitAll(dir, 'initial')
  return dir
}

/** Stages everything and commits; returns the new commit id. */
export function commitAll(dir: string, message: string): string {
  git(dir, 'add', '-A')
  git(dir, 'commit', '-q', '--allow-empty', '-m', message)
  return git(dir, 'rev-parse', 'HEAD')
}
