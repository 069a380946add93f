import { RelsealError } from '../../../src/errors.js'

/**
 * Splits one command line into an argument list the way a POSIX shell splits words, and nothing
 * more: 'single' and "double" quotes and backslash escapes group words; no variables, globs,
 * pipes or redirections are interpreted. The program is then started directly, never through a
 * shell, so nothing in the line can inject a second command. A line that wants a shell says so:
 * `bash -c 'npm test | tee test.log'`.
 */
export function splitCommandLine(line: string, what: string): string[] {
  const args: string[] = []
  let word = ''
  let inWord = false
  let quote: "'" | '"' | undefined
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (quote === "'") {
      if (c === "'") quote = undefined
      else word += c
    } else if (quote === '"') {
      if (c === '"') quote = undefined
      else if (c === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) word += line[++i]
      else word += c
    } else if (c === "'" || c === '"') {
      quote = c
      inWord = true
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i]
      inWord = true
    } else if (c === ' ' || c === '\t') {
      if (inWord) args.push(word)
      word = ''
      inWord = false
    } else {
      word += c
      inWord = true
    }
  }
  if (quote)
    throw new RelsealError(
      'E_BAD_INPUT',
      `${what} has an unclosed ${quote} quote: ${JSON.stringify(line)}; close it or escape it with \\`,
    )
  if (inWord) args.push(word)
  return args
}

/** The non-empty, non-comment lines of a multi-line command input, each split into arguments. */
export function parseCommands(text: string, input: string): string[][] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l, i) => splitCommandLine(l, `line ${i + 1} of input ${input}`))
}
