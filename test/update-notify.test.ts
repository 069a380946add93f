import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { evidenceLines } from './helpers/app-root.js'
import { runCli } from './helpers/cli.js'
import { makeOrigin, signVersion, type Origin } from './helpers/origin.js'
import { tempDir } from './helpers/tmp.js'

interface Event {
  run_id: string
  time: string
  event: string
  step?: string
  percent?: number
  message: string
  from?: string
  to?: string
  error_code?: string
}

/** A receiver on 127.0.0.1 that records every request and answers with `answer` (or never). */
async function receiver(answer: (res: ServerResponse) => void) {
  const seen: { method: string; path: string; type: string; body: string }[] = []
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = ''
    req.on('data', (b: Buffer) => (body += b.toString()))
    req.on('end', () => {
      seen.push({ method: req.method!, path: req.url!, type: req.headers['content-type'] ?? '', body })
      answer(res)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  servers.push(server)
  return { seen, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

const servers: Server[] = []
afterEach(() => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections()
    s.close()
  }
})

async function appRoot(o: Origin): Promise<string> {
  const root = join(tempDir('relseal-app-'), 'app')
  const r = await runCli(['init', '--app-root', root, '--remote', o.bare, '--repository', 'acme/app'], '/')
  expect(r.code).toBe(0)
  return root
}

const update = (root: string, o: Origin, manifest: string, extra: string[]) =>
  runCli(['update', '--app-root', root, '--manifest', manifest, '--pubkey', o.pubFile, ...extra], '/')

const SECRET_PATH = '/bot123456:AAE-secret-token/sendMessage'

describe('--notify-url', () => {
  it('posts started, every step with its percent and updated, as JSON, with the run id of the evidence', async () => {
    const o = await makeOrigin(['1.0.0', '2.0.0'])
    const root = await appRoot(o)
    expect((await update(root, o, await signVersion(o, '1.0.0'), [])).code).toBe(0)
    const rx = await receiver((res) => res.writeHead(200).end('{"ok":true}'))
    const r = await update(root, o, await signVersion(o, '2.0.0'), ['--notify-url', rx.url + SECRET_PATH])
    expect(r.code, r.stderr).toBe(0)
    const events = rx.seen.map((s) => JSON.parse(s.body) as Event)
    expect(rx.seen.every((s) => s.method === 'POST' && s.path === SECRET_PATH)).toBe(true)
    expect(rx.seen[0]!.type).toBe('application/json')
    expect(events[0]).toMatchObject({ event: 'started', from: '1.0.0' })
    expect(events.at(-1)).toMatchObject({ event: 'updated', from: '1.0.0', to: '2.0.0' })
    const steps = events.filter((e) => e.event === 'step')
    expect(steps.map((e) => e.step)).toEqual(expect.arrayContaining(['verify', 'fetch', 'swap', 'prune']))
    expect(steps.map((e) => e.percent)).toEqual([...steps.map((e) => e.percent!)].sort((a, b) => a - b))
    expect(new Set(events.map((e) => e.run_id))).toEqual(new Set([evidenceLines(root).at(-1)!.run_id]))
    expect(r.stdout + r.stderr).not.toContain('secret-token')
  })

  it('refuses a plain-http URL off this machine before anything runs, without printing it', async () => {
    const o = await makeOrigin(['1.0.0'])
    const root = await appRoot(o)
    const r = await update(root, o, await signVersion(o, '1.0.0'), [
      '--notify-url',
      `http://example.org${SECRET_PATH}`,
    ])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('E_INSECURE_TRANSPORT')
    expect(r.stderr).not.toContain('secret-token')
    expect(evidenceLines.bind(null, root)).toThrow() // no run started: no evidence log
  })
})

describe('a failing receiver never fails the update', () => {
  it.each([
    ['answers 500', (res: ServerResponse) => res.writeHead(500).end('down'), 'HTTP 500'],
    ['never answers', () => undefined, 'no answer within 1 s'],
  ])('when it %s: exit 0, one warning naming only its origin', async (_, answer, warning) => {
    const o = await makeOrigin(['1.0.0'])
    const root = await appRoot(o)
    const rx = await receiver(answer)
    const r = await update(root, o, await signVersion(o, '1.0.0'), [
      '--notify-url',
      rx.url + SECRET_PATH,
      '--notify-timeout',
      '1s',
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('updated 1.0.0')
    expect(readFileSync(join(root, 'current/src/version.js'), 'utf8')).toContain('1.0.0')
    const warnings = r.stderr.split('\n').filter((l) => l.includes('warning'))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain(warning)
    expect(warnings[0]).toContain(`${rx.url}/…`)
    expect(r.stderr).not.toContain('secret-token')
  })
})

describe('--notify-cmd', () => {
  it('gets the events of each run on stdin, one JSON object per line: updated, refused, up-to-date', async () => {
    const o = await makeOrigin(['1.0.0', '2.0.0'])
    const root = await appRoot(o)
    const log = join(tempDir('relseal-events-'), 'events.jsonl')
    const cmd = ['--notify-cmd', `cat >> '${log}'`]
    const v1 = await signVersion(o, '1.0.0')
    expect((await update(root, o, await signVersion(o, '2.0.0'), cmd)).code).toBe(0)
    expect((await update(root, o, v1, cmd)).code).toBe(1) // a downgrade: refused
    expect((await update(root, o, await signVersion(o, '2.0.0'), cmd)).code).toBe(0)
    const events = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Event)
    const ends = events.filter((e) => e.event !== 'step' && e.event !== 'started')
    expect(ends.map((e) => e.event)).toEqual(['updated', 'refused', 'up-to-date'])
    expect(ends[1]).toMatchObject({ error_code: 'E_DOWNGRADE', from: '2.0.0' })
    expect(events.filter((e) => e.event === 'started')).toHaveLength(3)
    expect(evidenceLines(root).map((e) => e.run_id)).toEqual(
      events.filter((e) => e.event === 'started').map((e) => e.run_id),
    )
  })

  it('a notify command that fails is reported once on stderr; the update succeeds', async () => {
    const o = await makeOrigin(['1.0.0'])
    const root = await appRoot(o)
    const r = await update(root, o, await signVersion(o, '1.0.0'), [
      '--notify-cmd',
      'echo broken adapter >&2; exit 7',
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr.match(/warning/g)).toHaveLength(1)
    expect(r.stderr).toContain('exited 7')
    expect(r.stderr).toContain('broken adapter')
  })
})
