/**
 * The one symlink rule of relseal (docs/code-hash.md, "Symlinks"): every tree source (a
 * directory, a git working tree, a commit) hands its symlinks to `assertLinksStayInside`, so `hash`,
 * `hash --rev`, `sign`, `verify --dir` and the updater give one verdict for one tree.
 *
 * A target is resolved lexically, as the kernel would resolve it once the tree is on disk, but
 * using only the tree's own links: a component naming a link of the tree is replaced by that
 * link's resolved location, `..` goes to the parent of where the walk is, and any other name is a
 * plain directory step. Nothing on disk is read or followed.
 */
import { RelsealError } from '../errors.js'

/** A symlink of a tree: its path (relative, `/`-separated) and its target text. */
export interface TreeLink {
  path: string
  target: string
}

/**
 * A symlink's target is held whole (the symlink rule checks it), so it is capped: Linux refuses
 * targets of PATH_MAX (4096) bytes or more, so a longer one can never be checked out as a link,
 * and a hostile repository could otherwise make this process hold a blob of any size.
 */
export const MAX_LINK_TARGET_BYTES = 4096

/** The refusal of a link whose target is over MAX_LINK_TARGET_BYTES (`size`, or just "more than"). */
export function linkTooLong(path: string, size?: number): RelsealError {
  const what = size === undefined ? `more than ${MAX_LINK_TARGET_BYTES}` : String(size)
  return new RelsealError(
    'E_BAD_INPUT',
    `${JSON.stringify(path)} is a symlink whose target is ${what} bytes; no checkout can hold a link target over ${MAX_LINK_TARGET_BYTES} bytes (PATH_MAX), so this commit cannot be installed: fix the link and commit again`,
  )
}

/** Links nested deeper than this are refused, as Linux refuses them (MAXSYMLINKS, ELOOP). */
export const MAX_LINK_NESTING = 40

interface Node {
  parent: number
  /** The target text when this node is a link, else undefined (a directory). */
  target: string | undefined
  path: string
  /** A directory's children by exact name, and by folded name (see `child`). */
  exact: Map<string, number> | undefined
  folded: Map<string, number> | undefined
  /**
   * A link's resolved place once known: a known directory `node` and how many unknown directory
   * names were stepped into below it (below an unknown name there are no links, so a count is
   * enough). -1 while unresolved, -2 while being resolved.
   */
  node: number
  below: number
}

type Failure = { kind: 'escape' | 'loop' | 'ambiguous' | 'backslash'; via: string }

class LinkFailure extends Error {
  constructor(readonly failure: Failure) {
    super(failure.kind)
  }
}

const UNRESOLVED = -1
const RESOLVING = -2

const fold = (name: string): string => name.normalize('NFC').toLowerCase()

const newNode = (parent: number, path: string, target: string | undefined): Node => ({
  parent,
  target,
  path,
  exact: target === undefined ? new Map() : undefined,
  folded: target === undefined ? new Map() : undefined,
  node: target === undefined ? 0 : UNRESOLVED,
  below: 0,
})

/**
 * The tree's links and their ancestor directories as nodes. Only these are needed: a path with
 * no link at or below it resolves the same whether it exists or not.
 */
class LinkGraph {
  readonly nodes: Node[] = [newNode(-1, '', undefined)]

  constructor(links: readonly TreeLink[]) {
    for (const link of links) this.add(link)
  }

  private add(link: TreeLink): void {
    const names = link.path.split('/')
    let at = 0
    names.forEach((name, i) => {
      const last = i === names.length - 1
      const dir = this.nodes[at]!
      const found = dir.exact!.get(name)
      if (found !== undefined && (last || this.nodes[found]!.target !== undefined)) {
        throw new RelsealError(
          'E_BAD_INPUT',
          `the tree holds ${JSON.stringify(names.slice(0, i + 1).join('/'))} both as a symlink and as a directory or a second symlink; ` +
            `a checkout cannot hold both: remove one of them`,
          { details: { path: link.path } },
        )
      }
      if (found !== undefined) at = found
      else {
        const id = this.nodes.length
        this.nodes.push(
          newNode(at, last ? link.path : names.slice(0, i + 1).join('/'), last ? link.target : undefined),
        )
        dir.exact!.set(name, id)
        const f = fold(name)
        if (!dir.folded!.has(f)) dir.folded!.set(f, id)
        at = id
      }
    })
  }

  /** The child named `name` of a known directory; a name that matches only after folding is refused. */
  private child(dir: Node, name: string): number | undefined {
    const id = dir.exact!.get(name)
    if (id !== undefined) return id
    const near = dir.folded!.get(fold(name))
    // On a case-insensitive or normalising file system (macOS, Windows) this name would open
    // `near`, here it opens something else: the two verdicts could differ, so refuse.
    if (near !== undefined) throw new LinkFailure({ kind: 'ambiguous', via: this.nodes[near]!.path })
    return undefined
  }

  /** Resolves link `id` (sets its `node` and `below`); memoised, so each link is walked once. */
  resolve(id: number, nesting: number): Node {
    const link = this.nodes[id]!
    if (link.node >= 0) return link
    if (link.node === RESOLVING || nesting > MAX_LINK_NESTING)
      throw new LinkFailure({ kind: 'loop', via: link.path })
    const target = link.target!
    if (target.startsWith('/')) throw new LinkFailure({ kind: 'escape', via: link.path })
    // Windows reads a backslash as a separator; Linux as part of a name. Refused, not guessed.
    if (target.includes('\\')) throw new LinkFailure({ kind: 'backslash', via: link.path })
    link.node = RESOLVING
    let node = link.parent
    let below = 0
    // Walks the target's names with indexOf: a 1 MB target is not split into an array first.
    for (let from = 0; from <= target.length;) {
      let to = target.indexOf('/', from)
      if (to < 0) to = target.length
      const len = to - from
      const dot = len > 0 && target.charCodeAt(from) === 0x2e
      if (len === 0 || (len === 1 && dot)) {
        /* an empty name or `.`: stay */
      } else if (len === 2 && dot && target.charCodeAt(from + 1) === 0x2e) {
        if (below > 0) below--
        else if (node === 0) throw new LinkFailure({ kind: 'escape', via: link.path })
        else node = this.nodes[node]!.parent
      } else if (below > 0) below++
      else {
        const next = this.child(this.nodes[node]!, target.slice(from, to))
        if (next === undefined) below = 1
        else if (this.nodes[next]!.target === undefined) node = next
        else ({ node, below } = this.resolve(next, nesting + 1))
      }
      from = to + 1
    }
    link.node = node
    link.below = below
    return link
  }

  /** The links in byte order of path (as entries are sorted), whatever order the source used. */
  linkIds(): number[] {
    const keyed: { id: number; key: Buffer }[] = []
    this.nodes.forEach((n, id) => {
      if (n.target !== undefined) keyed.push({ id, key: Buffer.from(n.path, 'utf8') })
    })
    return keyed.sort((a, b) => Buffer.compare(a.key, b.key)).map((k) => k.id)
  }
}

const WHY: Record<Failure['kind'], string> = {
  escape: 'resolves outside the tree',
  loop: `is a symlink loop (or nests more than ${MAX_LINK_NESTING} links)`,
  ambiguous: 'names a path that differs from one of the tree’s own only in case or Unicode normalisation',
  backslash: 'holds a backslash, which Windows reads as a path separator',
}

/**
 * Refuses (E_SYMLINK_ESCAPE, naming the link) a tree with a symlink whose target, resolved through
 * the tree's own links, leaves the tree, is absolute, loops, or could resolve differently on a
 * case-insensitive or Windows file system. Cost: linear in the total length of the links' paths
 * and targets (each link is resolved once); no file system access.
 *
 * @example
 * assertLinksStayInside([{ path: 'd', target: '.' }, { path: 'p', target: 'd/d/../../etc/passwd' }])
 * // throws E_SYMLINK_ESCAPE naming "p"
 */
export function assertLinksStayInside(links: readonly TreeLink[]): void {
  if (links.length === 0) return
  const graph = new LinkGraph(links)
  for (const id of graph.linkIds()) {
    const path = graph.nodes[id]!.path
    try {
      graph.resolve(id, 0)
    } catch (e) {
      if (!(e instanceof LinkFailure)) throw e
      const target = graph.nodes[id]!.target!
      const { kind, via } = e.failure
      throw new RelsealError(
        'E_SYMLINK_ESCAPE',
        `symlink ${JSON.stringify(path)} (to ${JSON.stringify(target)}) ${WHY[kind]}` +
          `${via === path ? '' : ` (through ${JSON.stringify(via)})`}; ` +
          `a release must be self-contained: make the link relative and inside the tree, or remove it`,
        { details: { path, target, reason: kind } },
      )
    }
  }
}
