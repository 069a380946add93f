/**
 * Where update events go (issue 16, item 4): a command reading JSON lines on stdin, and a URL that
 * receives each event as a JSON POST. Both are best effort: a slow, failing or missing receiver
 * is reported once per run through `warn` and never changes the update's outcome.
 */
import { spawn } from 'node:child_process'
import { fetchPinned } from '../net/index.js'
import { tailLines } from './run-command.js'

/** Bytes of events waiting in a notify command's stdin pipe before further events are dropped. */
export const MAX_PENDING_COMMAND_BYTES = 256 * 1024
/** Events waiting to be posted before further ones are dropped. */
export const MAX_QUEUED_POSTS = 100
/** Bytes of a receiver's answer read (and ignored). */
const MAX_ANSWER_BYTES = 64 * 1024

export interface Sink {
  send(line: string): void
  /** Resolves once everything sent is delivered or `deadline` (epoch ms) has passed. */
  close(deadline: number): Promise<void>
}

/** Waits for `p` or until `deadline` (epoch ms), whichever comes first. */
async function settleBy(p: Promise<void>, deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    p,
    new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now())))),
  ])
  clearTimeout(timer)
}

/**
 * One `sh -c CMD` per run, in `cwd`, with the run's events on stdin, one JSON object per line; its
 * stdin closes when the run ends, and it is killed (with its process group) if it is still running
 * at the deadline. Its output is kept only to explain a failure.
 */
export function commandSink(command: string, cwd: string, warn: (m: string) => void): Sink {
  const child = spawn('sh', ['-c', command], { cwd, stdio: ['pipe', 'pipe', 'pipe'], detached: true })
  let output = Buffer.alloc(0)
  const keep = (b: Buffer) => (output = Buffer.concat([output, b]).subarray(-8192))
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  let warned = false
  const once = (m: string) => {
    if (!warned) warn(m)
    warned = true
  }
  child.stdin.on('error', () => undefined) // EPIPE: the command stopped reading; 'close' reports it
  child.on('error', (e) => once(`the notify command could not start: ${e.message}`))
  const exited = new Promise<void>((resolve) =>
    child.on('close', (status, signal) => {
      if (status !== 0)
        once(
          `the notify command ${signal ? `was killed by ${signal}` : `exited ${status}`}; its last output:\n${tailLines(output, 2000)}`,
        )
      resolve()
    }),
  )
  return {
    send(line) {
      if (child.stdin.destroyed || child.stdin.writableEnded) return
      if (child.stdin.writableLength > MAX_PENDING_COMMAND_BYTES)
        return once('the notify command does not read its events; later events of this run were dropped')
      child.stdin.write(`${line}\n`)
    },
    async close(deadline) {
      child.stdin.end()
      await settleBy(exited, deadline)
      if (child.exitCode === null && child.signalCode === null) {
        once(`the notify command was still running at the deadline and was killed`)
        try {
          process.kill(-child.pid!, 'SIGKILL')
        } catch {
          /* gone meanwhile */
        }
      }
    },
  }
}

/**
 * POSTs each event, in order, to `url` (checked by the caller: https, or http to loopback), one
 * at a time, each within `postTimeoutMs`. An HTTP error is reported and the next event still
 * sent; a timeout or unreachable receiver ends posting for the run. `shown` is the URL with its
 * secrets masked: only it ever appears in messages.
 */
export function urlSink(url: string, shown: string, postTimeoutMs: number, warn: (m: string) => void): Sink {
  const queue: string[] = []
  let dead = false
  let warned = false
  let idle: Promise<void> = Promise.resolve()
  const once = (m: string) => {
    if (!warned) warn(`notify URL ${shown}: ${m}; later failures of this run are not reported`)
    warned = true
  }
  const post = async (body: string): Promise<void> => {
    try {
      const res = await fetchPinned({
        url,
        what: `notify URL ${shown}`,
        method: 'POST',
        body: Buffer.from(body),
        headers: { 'content-type': 'application/json', 'user-agent': 'relseal' },
        maxBytes: MAX_ANSWER_BYTES,
        deadlineMs: postTimeoutMs,
      })
      if (res.status < 200 || res.status >= 300) once(`answered HTTP ${res.status}`)
    } catch (e) {
      dead = true
      queue.length = 0
      // fetchPinned's messages name only the origin, never the path or query (where tokens live).
      once(
        (e as { code?: string }).code === 'E_TIMEOUT'
          ? `no answer within ${postTimeoutMs / 1000} s`
          : (e as Error).message,
      )
    }
  }
  const drain = async (): Promise<void> => {
    for (let next = queue.shift(); next !== undefined && !dead; next = queue.shift()) await post(next)
  }
  return {
    send(line) {
      if (dead) return
      if (queue.length >= MAX_QUEUED_POSTS)
        return once(`more than ${MAX_QUEUED_POSTS} events waiting; later events of this run were dropped`)
      queue.push(line)
      if (queue.length === 1) idle = idle.then(drain)
    },
    async close(deadline) {
      await settleBy(idle, deadline)
      if (queue.length > 0) once('the deadline passed before every event was posted')
      dead = true
      queue.length = 0
    },
  }
}
