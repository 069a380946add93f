import { readFileSync } from 'node:fs'
import { OpenAPIBackend } from 'openapi-backend'
import type { FakeRequest } from './handlers.js'

let backend: OpenAPIBackend | undefined

/** GitHub's published description of the operations relseal uses (scripts/extract-openapi.mjs). */
async function api(): Promise<OpenAPIBackend> {
  if (!backend) {
    const definition = JSON.parse(
      readFileSync(new URL('../fixtures/github-openapi.json', import.meta.url), 'utf8'),
    ) as object
    backend = new OpenAPIBackend({
      definition: definition as never,
      quick: true,
      validate: true,
      strict: false,
    })
    await backend.init()
  }
  return backend
}

/** Checks a request against the description; returns what is wrong, or undefined. */
export async function openApiViolation(q: FakeRequest): Promise<string | undefined> {
  const b = await api()
  const query: Record<string, string> = {}
  q.query.forEach((v, k) => (query[k] = v))
  const contentType = String(q.headers['content-type'] ?? '')
  const body =
    contentType.includes('json') && q.body.length > 0
      ? (JSON.parse(q.body.toString('utf8')) as unknown)
      : q.body.length > 0
        ? q.body.toString('latin1')
        : undefined
  const req = { method: q.method, path: q.path, query, headers: q.headers as Record<string, string>, body }
  const op = b.matchOperation(req)
  if (!op) return `${q.method} ${q.path}: no such operation in GitHub's REST API description`
  const v = b.validateRequest(req, op)
  if (!v.valid) return `${q.method} ${q.path} (${op.operationId}): ${JSON.stringify(v.errors)}`
  return undefined
}
