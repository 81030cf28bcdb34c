/**
 * Federation between consortium nodes (DESIGN §8): the signed feed this node serves (feed.ts), the
 * peers it pulls from (peers.ts) and the loop that pulls them (puller.ts, verify.ts), the keys other
 * nodes publish (remote-jwks.ts), and which pulled hashes may match (origins.ts).
 */
export { readFederationFeed, FEDERATION_DEFAULT_LIMIT, FEDERATION_MAX_LIMIT, SCAN_WINDOW, type FederationPage } from './feed';
export { addPeer, changePeer, getPeer, listPeers, newPeerRow, PEER_INTERVAL, type PeerDeps, type PeerInput, type PeerView } from './peers';
export { Puller, PullError, DEFAULT_PULLER, PEER_MIN_LIMIT, type PullerDeps, type PullerSettings, type PullOutcome } from './puller';
export { RemoteJwks, RemoteJwksError, readCapped, type FetchLike, type RemoteJwksOptions, type RemoteKey } from './remote-jwks';
export { OriginPolicy, originMatches } from './origins';
export { verifyBatch, jwksUrlOf, sha256Hex, type BatchExpectation, type VerifiedBatch } from './verify';
