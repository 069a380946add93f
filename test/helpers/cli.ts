import { main } from '../../src/cli/main.js'

/** Runs the CLI in-process and captures its output and exit code. */
export async function runCli(argv: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  let stdout = ''
  let stderr = ''
  const code = await main(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env,
    cwd,
    stderrIsTTY: false,
  })
  return { code, stdout, stderr }
}
