/**
 * The operator's command line, run on the node's own machine against the configured database
 * (DATABASE_URL etc., as `npm start`). Actions are recorded in the audit log with the operator as
 * actor: `cli:<--actor NAME>`, by default `cli:<the OS user>`.
 *
 *   npm run admin -- init [--name NAME] [--force] [--json]
 *   npm run admin -- client add --role partner|admin|auditor|peer --name NAME [--json]
 *   npm run admin -- client list [--json]
 *   npm run admin -- client suspend|reactivate ID [--json]
 *   npm run admin -- keys rotate [--json]
 *   (every command: [--actor NAME] [--create])
 *
 * `init` and `client add` make the key pair here and print the private JWK once; only the public
 * half is stored. Keep it: the node cannot show it again.
 *
 * A `file:` DATABASE_URL whose file does not exist is refused unless `--create` is given: a typo in
 * the path must not admit a client into a new, empty database that no node reads.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { exportJWK, generateKeyPair } from 'jose';
import { loadConfig, redactUrl } from '../runtime/node/config';
import { databaseFile, databaseFileProblem } from '../runtime/node/database-file';
import { openDatabase } from '../runtime/node/db';
import { nodeSecret } from '../runtime/node/secret';
import { createClient, listClients, setClientStatus } from '../services/clients';
import { Keyring } from '../services/keyring';
import { SecretBox } from '../services/secret-box';
import { ACCESS_TOKEN_TTL_S, CLOCK_SKEW_S } from '../services/tokens';
import { SqlAuthStore } from '../storage/auth-store';
import { SqlLedger } from '../storage/ledger';
import { NO_FOLLOWER } from '../services/change-follower';
import { fail, main, out, parse } from './args';

const USAGE = `usage:
  npm run admin -- init [--name NAME] [--force] [--json]
  npm run admin -- client add --role partner|admin|auditor|peer --name NAME [--json]
  npm run admin -- client list [--json]
  npm run admin -- client suspend|reactivate ID [--json]
  npm run admin -- keys rotate [--json]
every command also takes:
  --actor NAME   who you are, for the audit log (recorded as cli:NAME; default cli:<your OS user>)
  --create       create the database if DATABASE_URL names a file that does not exist yet`;

/** Options every command takes. */
const COMMON = { actor: { type: 'string' }, create: { type: 'boolean' } } as const;

/** The operator as the audit log records them. */
function actorOf(name: string | undefined): string {
  let who = name;
  if (who === undefined) {
    try {
      who = userInfo().username;
    } catch {
      who = `uid-${process.getuid?.() ?? 'unknown'}`;
    }
  }
  if (!/^[\w.@-]{1,64}$/.test(who)) fail(`--actor must be 1 to 64 letters, digits, or . _ @ - (got ${JSON.stringify(who)})`, 2);
  return `cli:${who}`;
}

async function open(opts: { create?: boolean }) {
  const config = loadConfig();
  const file = databaseFile(config.DATABASE_URL);
  if (file) {
    if (!existsSync(file) && !opts.create) {
      fail(
        `there is no database at ${file} (DATABASE_URL=${redactUrl(config.DATABASE_URL)}); nothing was done. ` +
          'If DATABASE_URL is wrong, fix it. If this is a new node, start it once (npm start creates its database), or pass --create to create the database here.',
      );
    }
    const problem = databaseFileProblem(file);
    if (problem) fail(`cannot open the database (DATABASE_URL=${redactUrl(config.DATABASE_URL)}): ${problem}`);
  }
  const database = await openDatabase(config.DATABASE_URL, config.DATABASE_AUTH_TOKEN);
  const auth = new SqlAuthStore(database.reader);
  // The CLI keeps nothing in memory: a running node learns of its writes from the change log.
  const ledger = new SqlLedger(database.writer);
  const deps = { auth, ledger, follower: NO_FOLLOWER, now: Date.now, newId: () => randomUUID() };
  const keyring = new Keyring({ auth, ledger, secretBox: new SecretBox(nodeSecret(config)), now: Date.now, retiredKeyGraceMs: (ACCESS_TOKEN_TTL_S + CLOCK_SKEW_S) * 1000 });
  return { config, database, deps, keyring };
}

async function newClient(role: string, name: string, opts: { actor: string; create?: boolean }) {
  const { database, deps, keyring } = await open(opts);
  try {
    await keyring.ensureCurrent(opts.actor);
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { extractable: true });
    const client = await createClient(deps, opts.actor, { role, name, jwk: await exportJWK(publicKey) });
    const kid = client.keys[0].kid;
    return { clientId: client.id, role: client.role, name: client.name, scopes: client.scopes, privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'EdDSA' } };
  } finally {
    await database.close();
  }
}

main(async () => {
  // An edge deployment's D1 database (src/cli/admin-d1.ts); without --d1, the node's own database.
  if (process.argv.includes('--d1')) return (await import('./admin-d1')).runD1(process.argv.slice(2));
  const [cmd, sub, ...rest] = process.argv.slice(2);
  if (!cmd || cmd === '--help' || cmd === '-h') return out(false, null, USAGE);

  if (cmd === 'init') {
    const { values } = parse([sub, ...rest].filter(Boolean), { ...COMMON, name: { type: 'string' }, force: { type: 'boolean' } });
    const actor = actorOf(values.actor);
    const { database, deps } = await open(values);
    const admins = await deps.auth.countActiveAdmins();
    await database.close();
    if (admins > 0 && !values.force) fail(`this node already has ${admins} active admin(s); use --force to create another`);
    const made = await newClient('admin', values.name ?? 'first admin', { actor });
    return out(values.json, made, `admin client ${made.clientId} created.\nIts private key (shown once; keep it safe):\n${JSON.stringify(made.privateJwk)}`);
  }

  if (cmd === 'client' && sub === 'add') {
    const { values } = parse(rest, { ...COMMON, role: { type: 'string' }, name: { type: 'string' } });
    if (!values.role || !values.name) fail(`client add needs --role and --name\n${USAGE}`, 2);
    const made = await newClient(values.role, values.name, { ...values, actor: actorOf(values.actor) });
    return out(values.json, made, `${made.role} client ${made.clientId} (${made.name}) created.\nIts private key (shown once; give it to the member, then delete it here):\n${JSON.stringify(made.privateJwk)}`);
  }

  if (cmd === 'client' && (sub === 'list' || sub === 'suspend' || sub === 'reactivate')) {
    const { values, positionals } = parse(rest, COMMON);
    const actor = actorOf(values.actor);
    const { database, deps } = await open(values);
    try {
      if (sub === 'list') {
        const clients = await listClients(deps);
        return out(values.json, { clients }, clients.map((c) => `${c.id}  ${c.role.padEnd(8)} ${c.status.padEnd(9)} ${c.name}`).join('\n') || '(no clients)');
      }
      if (!positionals[0]) fail(`client ${sub} needs a client id`, 2);
      const c = await setClientStatus(deps, actor, positionals[0], sub === 'suspend' ? 'suspended' : 'active');
      return out(values.json, c, `${c.id} is now ${c.status}`);
    } finally {
      await database.close();
    }
  }

  if (cmd === 'keys' && sub === 'rotate') {
    const { values } = parse(rest, COMMON);
    const actor = actorOf(values.actor);
    const { database, keyring } = await open(values);
    try {
      const kid = await keyring.rotate(actor);
      return out(values.json, { kid, jwks: await keyring.jwks() }, `new signing key ${kid}; running nodes pick it up from the change log within a second`);
    } finally {
      await database.close();
    }
  }

  fail(`unknown command: ${[cmd, sub].filter(Boolean).join(' ')}\n${USAGE}`, 2);
});
