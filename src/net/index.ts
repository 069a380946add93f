export {
  DEFAULT_DEADLINE_MS,
  MAX_API_JSON_BYTES,
  MAX_REDIRECTS,
  expectOk,
  fetchPinned,
  type PinnedRequest,
  type PinnedResponse,
} from './fetch.js'
export { GITHUB_ASSET_HOSTS, checkFetchUrl, isLoopbackHost } from './url-policy.js'
