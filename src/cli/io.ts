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
  /**
   * Makes `dir` the process's working directory and returns how to go back (undefined when it
   * cannot be entered). Only the installed command has it: code that embeds the CLI keeps its
   * directory.
   */
  enterDirectory?: (dir: string) => (() => void) | undefined
}

export function processIO(): CliIO {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    ...(process.stdin.isTTY ? { readPassphrase: readPassphraseFromTty } : {}),
    enterDirectory,
  }
}

function enterDirectory(dir: string): (() => void) | undefined {
  const before = process.cwd()
  try {
    process.chdir(dir)
  } catch {
    return undefined
  }
  return () => {
    try {
      process.chdir(before)
    } catch {
      /* the directory went away meanwhile; the command is ending anyway */
    }
  }
}

export type Command = (args: string[], io: CliIO) => Promise<number>
