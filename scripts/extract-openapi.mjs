// Extracts the operations relseal calls from GitHub's published OpenAPI description (the npm
// package @octokit/openapi, ~385 MB, so it is not a dependency) into test/fixtures/github-openapi.json,
// with every component they reference. The HTTP fake of the GitHub API validates requests against it.
// Usage: npm i --prefix /tmp/octokit-openapi @octokit/openapi && node scripts/extract-openapi.mjs /tmp/octokit-openapi
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const OPERATIONS = [
  'repos/get-release-by-tag',
  'repos/get-latest-release',
  'repos/get-release',
  'repos/list-releases',
  'repos/create-release',
  'repos/update-release',
  'repos/list-release-assets',
  'repos/upload-release-asset',
  'repos/get-release-asset',
  'repos/update-release-asset',
  'repos/delete-release-asset',
  'git/get-ref',
  'git/create-ref',
  'git/list-matching-refs',
  'git/get-tag',
  'repos/get',
]

const prefix = process.argv[2] ?? '/tmp/octokit-openapi'
const pkg = join(prefix, 'node_modules/@octokit/openapi')
const spec = JSON.parse(readFileSync(join(pkg, 'generated/api.github.com.json'), 'utf8'))
const version = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).version

const paths = {}
for (const [path, item] of Object.entries(spec.paths)) {
  for (const [method, op] of Object.entries(item)) {
    if (!OPERATIONS.includes(op.operationId)) continue
    paths[path] ??= { ...(item.parameters ? { parameters: item.parameters } : {}) }
    paths[path][method] = op
  }
}
const missing = OPERATIONS.filter(
  (id) => !Object.values(paths).some((item) => Object.values(item).some((op) => op.operationId === id)),
)
if (missing.length) throw new Error(`not in the description: ${missing.join(', ')}`)

// Copy every component reachable through $ref from the chosen operations.
const components = {}
const seen = new Set()
function walk(node) {
  if (Array.isArray(node)) return node.forEach(walk)
  if (node === null || typeof node !== 'object') return
  if (typeof node.$ref === 'string' && !seen.has(node.$ref)) {
    seen.add(node.$ref)
    const [, , kind, name] = node.$ref.split('/')
    const value = spec.components[kind][name]
    ;(components[kind] ??= {})[name] = value
    walk(value)
  }
  for (const v of Object.values(node)) walk(v)
}
walk(paths)

const out = {
  openapi: spec.openapi,
  info: {
    ...spec.info,
    'x-extracted-by': 'scripts/extract-openapi.mjs',
    'x-octokit-openapi-version': version,
    'x-operations': OPERATIONS,
  },
  servers: spec.servers,
  paths,
  components,
}
writeFileSync(new URL('../test/fixtures/github-openapi.json', import.meta.url), JSON.stringify(out) + '\n')
console.log(
  `wrote ${Object.keys(paths).length} paths, ${seen.size} components, from @octokit/openapi ${version}`,
)
