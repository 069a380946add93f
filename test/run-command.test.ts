import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { MAX_KEPT_OUTPUT_BYTES, runReleaseCommand, tailLines } from '../src/update/run-command.js'
import { tempDir } from './helpers/tmp.js'

const LINE = /^line \d+ x+$/

describe('a failed command keeps the end of its output in whole lines', () => {
  it('runs a real failing install and keeps its last lines whole, the cause included', async () => {
    const dir = tempDir()
    // 300 lines of 97 bytes, then the cause on stderr, as npm prints it last.
    writeFileSync(
      join(dir, 'install.sh'),
      'i=0; while [ $i -lt 300 ]; do printf "line %03d %s\\n" $i "$(printf "x%.0s" $(seq 1 88))"; i=$((i+1)); done\n' +
        'echo "npm error code ERESOLVE: the real cause" >&2\nexit 1\n',
    )
    const err = await runReleaseCommand('sh install.sh', dir, 30_000, 'E_INSTALL_FAILED').then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toMatchObject({ code: 'E_INSTALL_FAILED' })
    const message = (err as Error).message
    const output = message.slice(message.indexOf('its last output:\n') + 'its last output:\n'.length)
    const lines = output.split('\n')
    expect(lines[0]).toMatch(/^\[… \d+ earlier bytes of output left out\]$/)
    expect(lines.at(-1)).toBe('npm error code ERESOLVE: the real cause')
    for (const l of lines.slice(1, -1)) expect(l).toMatch(LINE)
    expect(lines.at(-2)).toMatch(/^line 299 /)
    expect(Buffer.byteLength(lines.slice(1).join('\n'))).toBeLessThanOrEqual(MAX_KEPT_OUTPUT_BYTES)
  })

  it('keeps short output as it is', () => {
    expect(tailLines(Buffer.from('a\nb\n'))).toBe('a\nb')
  })

  it('keeps the end of one over-long line from a character boundary, never half a character', () => {
    const out = tailLines(Buffer.from(`${'é'.repeat(3000)}\n`), 101)
    expect(out).not.toContain('\uFFFD')
    expect(out.endsWith('é'.repeat(50))).toBe(true)
  })

  it('counts bytes let go earlier, and drops the first line when it may be cut', () => {
    const out = tailLines(Buffer.from('ial line\nwhole line\n'), 100, 5000)
    expect(out).toBe('[… 5009 earlier bytes of output left out]\nwhole line')
  })
})
