import type { OptionSpec } from './args.js'

/** --progress and --quiet, for the commands that report progress on stderr. */
export const PROGRESS_OPTIONS = {
  progress: {
    type: 'boolean',
    description: 'show progress on stderr even when it is not a terminal',
    defaultText: 'on a terminal only',
  },
  quiet: { type: 'boolean', short: 'q', description: 'no progress output, even on a terminal' },
} as const satisfies Record<string, OptionSpec>

/** --tag-prefix, for the commands that bind a release's tag to its version (manifest/tag-version.ts). */
export const TAG_PREFIX_OPTION = {
  'tag-prefix': {
    type: 'string',
    value: 'P',
    description: 'release tags are P followed by the version (monorepos: app-v)',
    defaultText: 'v<version> or <version>',
  },
} as const satisfies Record<string, OptionSpec>
