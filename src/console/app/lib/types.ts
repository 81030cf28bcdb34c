/** The API's shapes the console reads (see /openapi.json for the full schemas). */
import type { components } from '../../../client/api-types';

export interface ClientKey {
  kid: string;
  alg: string;
  status: 'active' | 'revoked';
  /** ISO 8601, as every time the API gives. */
  createdAt: string;
  revokedAt: string | null;
  jwk: Record<string, unknown>;
}

export interface Client {
  id: string;
  name: string;
  role: 'partner' | 'admin' | 'auditor' | 'peer';
  status: 'active' | 'suspended';
  scopes: string[];
  createdAt: string;
  updatedAt: string;
  keys: ClientKey[];
}

export interface SignedTreeHead {
  treeSize: number;
  rootHash: string;
  timestamp: number;
  signature: string;
}

export interface AuditEntry {
  index: number;
  entry: string;
}

export interface Label {
  id: string;
  name: string;
  description: string;
}

export interface Match {
  id: string;
  type: string;
  value: string;
  distance: number;
  labels: string[];
  contributors: number;
  feedback: { confirm: number; dispute: number };
  variant?: string;
}

export interface MatchResult {
  query: { type: string; value: string; quality?: number };
  lowQuality?: boolean;
  matches: Match[];
}

export interface FeedEntry {
  kind: 'add' | 'update' | 'retract';
  at: string;
  hash: { id: string; type: string; value: string; status: 'active' | 'retracted'; labels: string[]; contributors: number };
}

/** A peer node this node pulls from (GET /v1/admin/peers), as the API's schema says; times in ISO 8601. */
export type Peer = components['schemas']['Peer'];
