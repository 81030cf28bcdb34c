/**
 * A real node, as a partner meets it: `tsx src/main.node.ts` on a fresh database in a temp folder
 * and a random port, a partner admitted with the operator's CLI (`npm run admin -- client add`), and
 * access tokens bought with the partner's key through the client-assertion flow (src/cli/oauth.ts).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JWK } from 'jose';
import { requestToken } from '../oauth';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');

export interface ShareAnswer {
  status: number;
  body: {
    hashes?: Record<string, { value: string; quality?: number }>;
    items?: { id: string; type: string; value: string }[];
    /** Perceptual hashes the node left out (below their quality gate). */
    omitted?: { type: string; variant: string }[];
    code?: string;
    detail?: string;
  };
}

export interface MatchAnswer {
  status: number;
  body: {
    hashes?: Record<string, { value: string; quality?: number }>;
    results?: { query: { type: string; value: string }; matches: { id: string; type: string; value: string; distance: number; variant?: string }[] }[];
    code?: string;
    detail?: string;
  };
}

export class EvalNode {
  private token = '';
  private tokenUntil = 0;

  private constructor(
    readonly base: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
    private readonly partner: { clientId: string; privateJwk: JWK },
  ) {}

  static async start(log: (s: string) => void): Promise<EvalNode> {
    const dir = mkdtempSync(join(tmpdir(), 'mhn-eval-'));
    const port = 20000 + Math.floor(Math.random() * 20000);
    const base = `http://127.0.0.1:${port}`;
    const env = {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: `file:${join(dir, 'node.db')}`,
      PUBLIC_URL: base,
      NODE_SECRET_FILE: join(dir, 'node.secret'),
      RATE_LIMIT_PER_SECOND: '0',
      NODE_ENV: 'development',
    };
    // The operator admits the partner on the node's machine; the CLI prints the private key once.
    const made = JSON.parse(
      execFileSync(TSX, [join(ROOT, 'src/cli/admin.ts'), 'client', 'add', '--role', 'partner', '--name', 'eval partner', '--json', '--create'], {
        cwd: dir,
        env,
        encoding: 'utf8',
      }),
    );
    const child = spawn(TSX, [join(ROOT, 'src/main.node.ts')], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (d) => log(`node: ${String(d).trim()}`));
    const node = new EvalNode(base, child, dir, made);
    const t0 = Date.now();
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the node exited with ${child.exitCode}`);
      const ok = await fetch(`${base}/health`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (Date.now() - t0 > 120_000) throw new Error('the node did not become ready in 120 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    log(`node ready at ${base} after ${((Date.now() - t0) / 1000).toFixed(1)} s (database in ${dir})`);
    return node;
  }

  /** A token, bought again a minute before the 10-minute one runs out. */
  private async auth(): Promise<string> {
    if (Date.now() > this.tokenUntil) {
      const t = await requestToken(this.base, this.partner.clientId, this.partner.privateJwk);
      this.token = t.access_token;
      this.tokenUntil = Date.now() + ((t.expires_in ?? 600) - 60) * 1000;
    }
    return `Bearer ${this.token}`;
  }

  /** One request, retried on 429/503 (Retry-After) and once on 401 with a fresh token. */
  private async call(path: string, init: () => RequestInit): Promise<{ status: number; body: never }> {
    for (let attempt = 0; ; attempt++) {
      const req = init();
      const headers = new Headers(req.headers);
      headers.set('authorization', await this.auth());
      const res = await fetch(`${this.base}${path}`, { ...req, headers });
      const body = (await res.json().catch(() => ({}))) as never;
      if (res.status === 401 && attempt === 0) {
        this.tokenUntil = 0;
        continue;
      }
      if ((res.status === 429 || res.status === 503) && attempt < 20) {
        await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get('retry-after') ?? 1)));
        continue;
      }
      return { status: res.status, body };
    }
  }

  /** POST /v1/hashes/media: multipart `file` + `labels`. */
  shareMedia(bytes: Buffer, type: string, labels: string[], externalId: string): Promise<ShareAnswer> {
    return this.call('/v1/hashes/media', () => {
      const form = new FormData();
      form.set('file', new Blob([new Uint8Array(bytes)], { type }), externalId);
      form.set('labels', labels.join(','));
      form.set('externalId', externalId);
      return { method: 'POST', body: form };
    });
  }

  /** POST /v1/hashes: hashes a partner computed itself. */
  shareHashes(items: { type: string; value: string; labels: string[]; externalId: string }[]): Promise<ShareAnswer> {
    return this.call('/v1/hashes', () => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items }) }));
  }

  /** POST /v1/hash: the node's hashes of an image, nothing stored. */
  hash(bytes: Buffer, type: string): Promise<MatchAnswer> {
    return this.call('/v1/hash', () => ({ method: 'POST', headers: { 'content-type': type }, body: new Uint8Array(bytes) }));
  }

  /** POST /v1/match/media with the image as the body and `query` as query parameters. */
  matchMedia(bytes: Buffer, type: string, query: URLSearchParams): Promise<MatchAnswer> {
    const qs = query.toString();
    return this.call(`/v1/match/media${qs ? `?${qs}` : ''}`, () => ({ method: 'POST', headers: { 'content-type': type }, body: new Uint8Array(bytes) }));
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
