import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { runGit } from '../git/git.js'

/** A fixed identity and clock, so the demo's commits are the same on every machine. */
const DEMO_GIT_ENV = {
  GIT_AUTHOR_NAME: 'relseal demo',
  GIT_AUTHOR_EMAIL: 'demo@relseal.invalid',
  GIT_COMMITTER_NAME: 'relseal demo',
  GIT_COMMITTER_EMAIL: 'demo@relseal.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
}

/** The embedded default app: two versions of a tiny Node service. */
export const DEMO_VERSIONS: { version: string; files: Record<string, string> }[] = [
  {
    version: '1.0.0',
    files: {
      'package.json': '{ "name": "demo-app", "version": "1.0.0", "type": "module" }\n',
      'src/server.js': "export const greeting = () => 'hello from 1.0.0'\n",
      'README.md': '# demo-app\n',
    },
  },
  {
    version: '1.1.0',
    files: {
      'package.json': '{ "name": "demo-app", "version": "1.1.0", "type": "module" }\n',
      'src/server.js': "export const greeting = () => 'hello from 1.1.0, now faster'\n",
      'src/health.js': 'export const healthy = () => true\n',
    },
  },
]

/** Creates a repository with one tagged commit per demo version; returns its path. */
export async function createDemoOrigin(dir: string): Promise<string> {
  const git = (args: string[], date: string) =>
    runGit(args, { cwd: dir, env: { ...DEMO_GIT_ENV, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } })
  mkdirSync(dir, { recursive: true })
  await git(['init', '-q', '-b', 'main'], '2026-01-01T00:00:00Z')
  for (const [i, v] of DEMO_VERSIONS.entries()) {
    const date = `2026-0${i + 1}-01T00:00:00Z`
    for (const [path, content] of Object.entries(v.files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true })
      writeFileSync(join(dir, path), content)
    }
    await git(['add', '-A'], date)
    await git(['commit', '-q', '-m', `release ${v.version}`], date)
    await git(['tag', '-a', `v${v.version}`, '-m', `v${v.version}`], date)
  }
  return dir
}
