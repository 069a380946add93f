import { readPassphraseFromTty } from './passphrase.js'

/** What a CLI command may touch of the outside world; tests pass their own. */
export interface CliIO {
  stdout: { write(chunk: string): unknown }
  stderr: { write(chunk: string): unknown }
  env: NodeJS.ProcessEnv
  cwd: string
  /** True when stderr is a terminal (progress output goes there only then). */
  stderrIsTTY: boolean
  /** Asks for a passphrase on the terminal without echo; absent when stdin is not a terminal. */
  readPassphrase?: (prompt: string) => Promise<string>
}

export function processIO(): CliIO {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    ...(process.stdin.isTTY ? { readPassphrase: readPassphraseFromTty } : {}),
  }
}

export type Command = (args: string[], io: CliIO) => Promise<number>
