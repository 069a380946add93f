import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'

describe('npm start (relseal demo)', () => {
  it('runs the chain offline and proves a tampered manifest is refused with nothing changed', () => {
    const r = spawnSync(process.execPath, [new URL('../bin/relseal.js', import.meta.url).pathname, 'demo'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
    })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/with tags v1\.0\.0, v1\.1\.0/)
    expect(r.stdout).toMatch(/pins commit [0-9a-f]{40}; its tree hashes to sha256:[0-9a-f]{64}, as signed/)
    expect(r.stdout).toContain('E_BAD_SIGNATURE')
    expect(r.stdout).toContain('files unchanged: yes')
    expect(r.stdout).toMatch(
      /app updated to 1\.1\.0\n {3}from 1\.0\.0, current -> releases\/1\.1\.0, health check passed/,
    )
    expect(r.stdout).toContain('the updater refused it too; app still runs releases/1.1.0')
  })
})
