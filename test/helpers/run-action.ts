import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { tempDir } from './tmp.js'

export interface ActionRun {
  status: number | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  runnerTemp: string
}

/** Parses a GITHUB_OUTPUT file (name<<delimiter … delimiter, or name=value). */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]!)
    if (heredoc) {
      const end = lines.indexOf(heredoc[2]!, i + 1)
      out[heredoc[1]!] = lines.slice(i + 1, end).join('\n')
      i = end
    } else if (lines[i]!.includes('='))
      out[lines[i]!.split('=')[0]!] = lines[i]!.slice(lines[i]!.indexOf('=') + 1)
  }
  return out
}

/**
 * Runs actions/<name>/dist/index.js as the runner does: every input as INPUT_<NAME> (hyphens kept,
 * upper-cased), defaults from action.yml, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY as files.
 */
export async function runAction(
  name: string,
  inputs: Record<string, string>,
  env: Record<string, string>,
): Promise<ActionRun> {
  const dir = new URL(`../../actions/${name}/`, import.meta.url).pathname
  const spec = parse(readFileSync(join(dir, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>
  }
  const work = tempDir('relseal-runner-')
  const [output, summary, runnerTemp] = [
    join(work, 'output'),
    join(work, 'summary'),
    tempDir('relseal-runner-temp-'),
  ]
  writeFileSync(output, '')
  writeFileSync(summary, '')
  const inputEnv: Record<string, string> = {}
  for (const [k, v] of Object.entries(spec.inputs)) {
    const value = inputs[k] ?? (v.default?.startsWith('${{') ? '' : (v.default ?? ''))
    inputEnv[`INPUT_${k.toUpperCase()}`] = value
  }
  // The runner starts an action in the workspace. Asynchronously: the fake GitHub API may run in
  // this very process, and a synchronous spawn would block it.
  const child = spawn(process.execPath, [join(dir, 'dist/index.js')], {
    cwd: env.GITHUB_WORKSPACE ?? work,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...inputEnv,
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
      RUNNER_TEMP: runnerTemp,
      ...env,
    },
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')))
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')))
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve))
  const r = { status, stdout, stderr }
  return {
    status: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    outputs: parseOutputs(readFileSync(output, 'utf8')),
    summary: readFileSync(summary, 'utf8'),
    runnerTemp,
  }
}
