/**
 * The URL room: URLs as the node's `url` hash type. The documented canonical form (canonical.ts, with
 * the tracking parameters it drops in tracking.ts), its SHA-256, and the keys and digests for
 * matching a whole host or a path prefix (keys.ts). Pure.
 */
export { canonicalUrl, URL_MAX_FOLDERS, URL_MAX_LENGTH, type UrlResult } from './canonical';
export { hashUrl, hostKey, pathPrefixKey, prefixDigest, prefixDigests, urlDigest, type UrlCandidate } from './keys';
export { isTrackingParameter, TRACKING_PARAMETERS } from './tracking';
