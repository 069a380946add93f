import { lstatSync, readdirSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'
import { compileGlob, dirExcluded, pathFilter } from './glob.js'
import { decodePathName } from './entry.js'
import { RAW_REGULAR, RAW_SYMLINK, type RawTree } from './raw-tree.js'
import { assertLinksStayInside, type TreeLink } from './symlink-rule.js'

/**
 * Lists a plain directory: every regular file and symlink, filtered by globs; no git involved.
 * Its files are to be opened as `base + path` (`root/`, or '' when `root` is the process's directory).
 */
export function listDirectory(
  root: string,
  include: readonly string[],
  exclude: readonly string[],
  base = root.endsWith('/') ? root : `${root}/`,
): RawTree {
  const keep = pathFilter(include, exclude)
  const excludeRes = exclude.map(compileGlob)
  const paths: string[] = []
  const kinds: number[] = []
  const fixed = new Map<number, Buffer>()
  const links: TreeLink[] = []
  const walk = (absDir: string, relDir: string): void => {
    const names = readdirSync(absDir, { encoding: 'buffer' })
    for (const raw of names) {
      const name = decodePathName(raw, relDir === '' ? '.' : relDir)
      const rel = relDir === '' ? name : `${relDir}/${name}`
      const abs = join(absDir, name)
      const st = lstatSync(abs)
      if (st.isDirectory()) {
        if (!dirExcluded(excludeRes, rel)) walk(abs, rel)
      } else if (!keep(rel)) continue
      else if (st.isSymbolicLink()) {
        const target = readlinkSync(abs, { encoding: 'buffer' })
        links.push({ path: rel, target: decodePathName(target, rel) })
        fixed.set(paths.length, target)
        paths.push(rel)
        kinds.push(RAW_SYMLINK)
      } else if (st.isFile()) {
        paths.push(rel)
        kinds.push(RAW_REGULAR)
      }
    }
  }
  walk(root, '')
  assertLinksStayInside(links)
  return { base, paths, kinds: Uint8Array.from(kinds), fixed }
}
