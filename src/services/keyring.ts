/**
 * The node's signing keys (EdDSA / Ed25519). One is current and signs access tokens, tree heads and
 * feed batches; a retired key stays in the JWKS until the tokens it signed have expired. Imported
 * keys are cached; an unknown kid makes the cache reload once, so a key rotated by another instance
 * is found.
 */
import { exportJWK, generateKeyPair, importJWK, calculateJwkThumbprint, type CryptoKey as JoseKey, type JWK } from 'jose';
import type { AuthStore, Ledger, NodeKeyRow } from '../storage/types';
import type { SecretBox } from './secret-box';

export const NODE_ALG = 'EdDSA';

/** A node key's public half as published: Ed25519 (OKP), with its kid, alg and use. */
export type PublicJwk = { kty: string; crv: string; x: string; kid: string; alg: string; use: string };

/** A stored JWK (a client's public key) as jose takes it: its string members. */
export function jwkOf(stored: Record<string, unknown>): JWK {
  const out: JWK = {};
  for (const k of ['kty', 'crv', 'x', 'y', 'kid', 'alg', 'use'] as const) {
    const v = stored[k];
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}

/** The stored public JWK, read member by member (a row that lacks one is a broken database, not input). */
function publicJwkOf(r: NodeKeyRow): PublicJwk {
  const { kty, crv, x, kid, alg, use } = r.publicJwk;
  if (
    typeof kty !== 'string' ||
    typeof crv !== 'string' ||
    typeof x !== 'string' ||
    typeof kid !== 'string' ||
    typeof alg !== 'string' ||
    typeof use !== 'string'
  ) {
    throw new Error(`node key ${r.kid}: its stored public JWK lacks kty, crv, x, kid, alg or use`);
  }
  return { kty, crv, x, kid, alg, use };
}

export interface KeyringDeps {
  auth: AuthStore;
  ledger: Ledger;
  secretBox: SecretBox;
  now: () => number;
  /** How long a retired key stays published: the access-token lifetime plus clock skew. */
  retiredKeyGraceMs: number;
}

interface Loaded {
  rows: NodeKeyRow[];
  publicKeys: Map<string, JoseKey | Uint8Array>;
  signing?: { kid: string; key: JoseKey | Uint8Array };
}

export class Keyring {
  private loaded?: Promise<Loaded>;

  constructor(private readonly deps: KeyringDeps) {}

  /** Makes sure a current key exists (first start) and returns its kid. */
  async ensureCurrent(actor = 'node'): Promise<string> {
    const l = await this.load();
    if (l.signing) return l.signing.kid;
    await this.rotate(actor, true);
    // Another process may have made the first key at the same moment: use whichever is current.
    return (await this.signingKey()).kid;
  }

  /** A new current key; the old one is retired. Returns the new kid. */
  async rotate(actor: string, onlyIfNoCurrent = false): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair(NODE_ALG, { extractable: true });
    const pub = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(pub);
    const priv = await exportJWK(privateKey);
    const now = this.deps.now();
    const privateJwk = await this.deps.secretBox.seal(JSON.stringify(priv));
    await this.deps.ledger.rotateNodeKey({
      at: now,
      actor,
      key: { kid, alg: NODE_ALG, publicJwk: { ...pub, kid, alg: NODE_ALG, use: 'sig' }, privateJwk, status: 'current', createdAt: now, retiredAt: null },
      onlyIfNoCurrent,
    });
    this.forget();
    return kid;
  }

  /** Reloads the keys at the next use (a key was rotated, here or by another process). */
  forget(): void {
    this.loaded = undefined;
  }

  async signingKey(): Promise<{ kid: string; key: JoseKey | Uint8Array }> {
    const l = await this.load();
    if (!l.signing) throw new Error('the node has no current signing key');
    return l.signing;
  }

  /** The public key for a kid, if it is current or retired within the grace period. */
  async publicKey(kid: string): Promise<JoseKey | Uint8Array | undefined> {
    let l = await this.load();
    if (!l.publicKeys.has(kid)) {
      this.loaded = undefined;
      l = await this.load();
    }
    const row = l.rows.find((r) => r.kid === kid);
    return row && this.published(row) ? l.publicKeys.get(kid) : undefined;
  }

  /** The JWKS: current key first, then retired keys still within their grace period. */
  async jwks(): Promise<{ keys: PublicJwk[] }> {
    const l = await this.load();
    const keys = l.rows
      .filter((r) => this.published(r))
      .sort((a, b) => (a.status === 'current' ? -1 : 0) - (b.status === 'current' ? -1 : 0) || b.createdAt - a.createdAt);
    return { keys: keys.map(publicJwkOf) };
  }

  private published(r: NodeKeyRow): boolean {
    return r.status === 'current' || (r.retiredAt !== null && r.retiredAt + this.deps.retiredKeyGraceMs > this.deps.now());
  }

  private load(): Promise<Loaded> {
    if (!this.loaded) {
      this.loaded = (async () => {
        const rows = await this.deps.auth.nodeKeys();
        const publicKeys = new Map<string, JoseKey | Uint8Array>();
        for (const r of rows) publicKeys.set(r.kid, await importJWK(publicJwkOf(r), NODE_ALG));
        const cur = rows.find((r) => r.status === 'current');
        const signing = cur ? { kid: cur.kid, key: await importJWK(JSON.parse(await this.deps.secretBox.open(cur.privateJwk)), NODE_ALG) } : undefined;
        return { rows, publicKeys, signing };
      })();
      this.loaded.catch(() => (this.loaded = undefined));
    }
    return this.loaded;
  }
}
