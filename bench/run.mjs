// Benchmarks, side by side with the tools a user would otherwise use.
// Usage: node bench/run.mjs [hash|update|action|hostile] [--repo DIR]
const part = process.argv[2] ?? 'hash'
const parts = { hash: './hash.mjs', update: './update.mjs', action: './action.mjs', hostile: './hostile.mjs' }
if (!Object.hasOwn(parts, part)) {
  console.error(`unknown benchmark ${part}; choose one of: ${Object.keys(parts).join(', ')}`)
  process.exit(2)
}
await import(parts[part])
