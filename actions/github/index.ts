export { createClient, type GitHubClient, type ClientOptions } from './client.js'
export * from './releases.js'
export { assetHolds, immutableReleaseError, isLocked, putReleaseAsset, type AssetOutcome } from './assets.js'
export { assetNameProblem, checkAssetName, MAX_ASSET_NAME_LENGTH } from './asset-name.js'
export { githubError, isAlreadyExists } from './errors.js'
export {
  withRetry,
  retryDelay,
  rateLimitWait,
  isRateLimited,
  DEFAULT_RETRY,
  MIN_SECONDARY_LIMIT_WAIT_MS,
  type RetryPolicy,
  type RateLimitBudget,
} from './retry.js'
