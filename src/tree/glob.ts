import { RelsealError } from '../errors.js'

/**
 * Compiles a glob to a RegExp over POSIX relative paths: `*` and `?` stay within one path
 * segment, `**` spans segments, `[abc]`/`[!a-z]` are classes. A pattern without `/` matches the
 * file name at any depth (as .gitignore does); `dir/**` also matches `dir` itself.
 */
export function compileGlob(pattern: string): RegExp {
  if (pattern.length === 0)
    throw new RelsealError('E_USAGE', 'an empty --include/--exclude pattern matches nothing; remove it')
  const anchored = pattern.includes('/')
  let p = pattern.startsWith('/') ? pattern.slice(1) : pattern
  let trailingAll = false
  if (p.endsWith('/**')) {
    trailingAll = true
    p = p.slice(0, -3)
  }
  let re = ''
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!
    if (c === '*' && p[i + 1] === '*') {
      const slash = p[i + 2] === '/'
      re += slash ? '(?:.*/)?' : '.*'
      i += slash ? 2 : 1
    } else if (c === '*') re += '[^/]*'
    else if (c === '?') re += '[^/]'
    else if (c === '[') {
      const end = p.indexOf(']', i + 2)
      if (end < 0) throw new RelsealError('E_USAGE', `glob ${JSON.stringify(pattern)} has an unclosed "["`)
      let cls = p.slice(i + 1, end)
      if (cls.startsWith('!')) cls = `^${cls.slice(1)}`
      re += `[${cls.replace(/\\/g, '\\\\')}]`
      i = end
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&')
  }
  const tail = trailingAll ? '(?:/.*)?' : ''
  // eslint-disable-next-line security/detect-non-literal-regexp -- built from escaped pieces above
  return new RegExp(anchored ? `^${re}${tail}$` : `^(?:.*/)?${re}${tail}$`, 's')
}

/** A path filter from include and exclude globs; no include means everything is included. */
export function pathFilter(
  include: readonly string[] = [],
  exclude: readonly string[] = [],
): (path: string) => boolean {
  const inc = include.map(compileGlob)
  const exc = exclude.map(compileGlob)
  return (path) => (inc.length === 0 || inc.some((r) => r.test(path))) && !exc.some((r) => r.test(path))
}

/** True when a directory can be skipped entirely because an exclude glob covers it. */
export function dirExcluded(exclude: readonly RegExp[], dirPath: string): boolean {
  return exclude.some((r) => r.test(dirPath))
}
