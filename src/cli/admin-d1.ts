/**
 * The admin commands for an edge deployment (Cloudflare Workers + D1), run on the operator's
 * machine: with --public-key FILE the member's own public JWK is registered (it made the pair with
 * `npm run client -- keygen`; no private key is made here), else the key pair is made here and its
 * private half printed once; the client rows go into
 * the D1 database through the same service and ledger the worker's own admin route uses
 * (createClient -> SqlLedger: the client, its key, the audit entry and the change-log row in one
 * batch), on a D1 binding that wrangler's getPlatformProxy opens:
 *
 *   npm run admin -- init --d1 DATABASE [--local | --remote] [--name NAME] [--public-key FILE] [--force] [--json]
 *   npm run admin -- client add --d1 DATABASE --role partner|admin|auditor|peer --name NAME [--public-key FILE] [--local | --remote] [--json]
 *   npm run admin -- client list --d1 DATABASE [--local | --remote] [--json]
 *
 * DATABASE is the binding or database_name of a [[d1_databases]] entry of wrangler.toml (or
 * --config FILE). --local (the default) writes the database `wrangler dev` and
 * `wrangler d1 migrations apply --local` use (.wrangler/state/v3, or --persist-to DIR); --remote
 * writes the deployed one, through wrangler's remote bindings (needs `wrangler login`). Migrations
 * must be applied first. The node's signing key is not made here: the worker makes it on its first
 * request, sealed with its NODE_SECRET, which this machine need not know.
 */
import { userInfo } from 'node:os';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { drizzle } from 'drizzle-orm/d1';
import { NO_FOLLOWER } from '../services/change-follower';
import { createClient, listClients } from '../services/clients';
import { SqlAuthStore } from '../storage/auth-store';
import type { AppDb } from '../storage/db';
import { SqlLedger } from '../storage/ledger';
import * as schema from '../storage/schema';
import { clientArgs, fail, messageOf, out, parse, userPath } from './args';
import { readPublicKey } from './key-files';

export const D1_USAGE = `usage (edge deployment, D1):
  npm run admin -- init --d1 DATABASE [--local | --remote] [--name NAME] [--public-key FILE] [--force] [--json]
  npm run admin -- client add --d1 DATABASE --role partner|admin|auditor|peer --name NAME [--public-key FILE] [--local | --remote] [--json]
  npm run admin -- client list --d1 DATABASE [--local | --remote] [--json]
  --public-key FILE: register the member's public JWK (from its \`npm run client -- keygen\`) instead of making a pair here
  options: --config wrangler.toml, --persist-to DIR (local state, as wrangler's --persist-to; default .wrangler/state)`;

const OPTIONS = {
  d1: { type: 'string' },
  local: { type: 'boolean' },
  remote: { type: 'boolean' },
  config: { type: 'string' },
  'persist-to': { type: 'string' },
  name: { type: 'string' },
  role: { type: 'string' },
  force: { type: 'boolean' },
  'public-key': { type: 'string' },
} as const;

interface D1Entry {
  binding: string;
  database_name?: string;
  database_id?: string;
  migrations_dir?: string;
}

/** A D1 binding of the named database, opened by wrangler (local state or, with remote, the deployed database). */
async function openD1(configPath: string, name: string, remote: boolean, persistTo: string | undefined) {
  const wrangler = await import('wrangler');
  const config = wrangler.unstable_readConfig({ config: configPath });
  const databases: D1Entry[] = config.d1_databases;
  const entry = databases.find((d) => d.binding === name || d.database_name === name);
  if (!entry)
    fail(
      `no D1 database ${JSON.stringify(name)} in ${configPath} (its [[d1_databases]]: ${databases.map((d) => `${d.binding} = ${d.database_name}`).join(', ') || 'none'})`,
      2,
    );
  // A configuration holding only this database, so nothing else (no other binding, no script) starts.
  const dir = mkdtempSync(join(tmpdir(), 'mhn-admin-d1-'));
  const tmpConfig = join(dir, 'wrangler.json');
  writeFileSync(
    tmpConfig,
    JSON.stringify({
      name: config.name,
      compatibility_date: config.compatibility_date,
      d1_databases: [{ binding: 'DB', database_name: entry.database_name, database_id: entry.database_id, ...(remote ? { remote: true } : {}) }],
    }),
  );
  const proxy = await wrangler.getPlatformProxy<{ DB: import('@cloudflare/workers-types').D1Database }>({
    configPath: tmpConfig,
    // wrangler's --persist-to DIR keeps its state in DIR/v3 (default .wrangler/state/v3 beside the configuration).
    persist: remote ? false : { path: join(resolve(persistTo ?? resolve(configPath, '..', '.wrangler/state')), 'v3') },
    remoteBindings: remote,
    envFiles: [],
  });
  const db = drizzle(proxy.env.DB as never, { schema }) as unknown as AppDb;
  const deps = {
    auth: new SqlAuthStore(db),
    ledger: new SqlLedger(db, { buckets: true }),
    follower: NO_FOLLOWER,
    now: Date.now,
    newId: () => crypto.randomUUID(),
  };
  const close = async () => {
    await proxy.dispose();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await deps.auth.countActiveAdmins();
  } catch (e) {
    await close();
    fail(
      `the D1 database ${entry.database_name} has no client tables${remote ? '' : ' in the local state'}: apply the migrations first (npx wrangler d1 migrations apply ${entry.database_name} ${remote ? '--remote' : '--local'}) [${messageOf(e).split('\n')[0]}]`,
    );
  }
  return { deps, close, label: `${entry.database_name} (${remote ? 'remote' : 'local'})` };
}

function actor(): string {
  let who = 'operator';
  try {
    who = userInfo().username.replace(/[^\w.@-]/g, '') || who;
  } catch {
    // no user name on this machine
  }
  return `cli:${who}`;
}

export async function runD1(argv: string[]): Promise<void> {
  const [cmd, ...more] = argv;
  const sub = cmd === 'client' ? more.shift() : undefined;
  const { values } = parse(more, OPTIONS);
  if (!values.d1) fail(`--d1 needs the database's binding or name\n${D1_USAGE}`, 2);
  if (values.local && values.remote) fail('--local and --remote exclude each other', 2);
  const configPath = resolve(userPath(values.config) ?? 'wrangler.toml');
  const isInit = cmd === 'init';
  const isAdd = cmd === 'client' && sub === 'add';
  if (!isInit && !isAdd && !(cmd === 'client' && sub === 'list')) fail(`unknown command: ${[cmd, sub].filter(Boolean).join(' ')}\n${D1_USAGE}`, 2);
  if (isAdd && (!values.role || !values.name)) fail(`client add needs --role and --name\n${D1_USAGE}`, 2);
  const given = values['public-key'] ? readPublicKey(userPath(values['public-key'])) : undefined;

  const { deps, close, label } = await openD1(configPath, values.d1, !!values.remote, userPath(values['persist-to']));
  try {
    if (!isInit && !isAdd) {
      const clients = await listClients(deps);
      return out(values.json, { clients }, clients.map((c) => `${c.id}  ${c.role.padEnd(8)} ${c.status.padEnd(9)} ${c.name}`).join('\n') || '(no clients)');
    }
    const who = clientArgs(isInit ? 'admin' : (values.role ?? ''), isInit ? (values.name ?? 'first admin') : (values.name ?? ''));
    if (isInit && !values.force) {
      const admins = await deps.auth.countActiveAdmins();
      if (admins > 0) fail(`${label} already has ${admins} active admin(s); use --force to create another`);
    }
    const pair = given ? undefined : await generateKeyPair('EdDSA', { extractable: true });
    // init without --force: the ledger's statement itself refuses when an admin exists meanwhile.
    const client = await createClient(deps, actor(), { ...who, jwk: pair ? await exportJWK(pair.publicKey) : given, onlyIfNoAdmin: isInit && !values.force });
    const kid = client.keys[0].kid;
    const made = { id: client.id, clientId: client.id, role: client.role, name: client.name, scopes: client.scopes, database: label, kid };
    if (!pair)
      return out(
        values.json,
        made,
        `${made.role} client ${made.clientId} (${made.name}) created in ${label} with the public key ${kid}; the private key stays with its holder.`,
      );
    const withKey = { ...made, privateJwk: { ...(await exportJWK(pair.privateKey)), kid, alg: 'EdDSA' } };
    return out(
      values.json,
      withKey,
      `${made.role} client ${made.clientId} (${made.name}) created in ${label}.\nIts private key (shown once; keep it safe):\n${JSON.stringify(withKey.privateJwk)}`,
    );
  } finally {
    await close();
  }
}
