/**
 * The operator's command line. Two ways to reach the node:
 *
 * - Through its API, with an admin's own key, from any machine (src/cli/admin-api.ts): every
 *   command but `init`, when --node (or MHN_NODE) is given. The node applies each change at once.
 *
 *     npm run admin -- --node URL --client-id ID --key FILE client list|get|add|suspend|reactivate|key add|key revoke
 *     npm run admin -- --node URL --client-id ID --key FILE keys rotate
 *
 * - On the node's own machine, against the configured database (DATABASE_URL etc., as `npm start`):
 *   `init`, which makes the first admin (no admin can sign in before it exists), and, kept for
 *   existing scripts, the other commands. Actions are recorded in the audit log with the operator as
 *   actor: `cli:<--actor NAME>`, by default `cli:<the OS user>`. A running node learns of these
 *   writes from the change log within a second.
 *
 *     npm run admin -- init [--name NAME] [--public-key FILE | --out FILE [--overwrite]] [--force] [--json]
 *     npm run admin -- client add --role partner|admin|auditor|peer --name NAME [--public-key FILE | --out FILE [--overwrite]] [--json]
 *     npm run admin -- client list [--json]
 *     npm run admin -- client suspend|reactivate ID [--json]
 *     npm run admin -- keys rotate [--json]
 *     (every local command: [--actor NAME] [--create])
 *
 * With --public-key FILE only that public JWK is registered: no private key is made or shown on this
 * machine (the member ran `npm run client -- keygen` on its own). Without it, `init` and `client add`
 * make the key pair here: with --out FILE the private JWK goes to a new file of mode 0600, else it is
 * printed once. Only the public half is stored either way. The file is written before the client is
 * created, so no client is ever committed whose key was thrown away: an --out FILE that exists is
 * refused before anything is done, unless --overwrite (the new key then replaces it once the client
 * exists). --force is init's alone: another admin although one is active; it replaces no file.
 *
 * A `file:` DATABASE_URL whose file does not exist is refused unless `--create` is given: a typo in
 * the path must not admit a client into a new, empty database that no node reads. In the same way the
 * node's secret (NODE_SECRET, or the file NODE_SECRET_FILE names) must be the node's own: a secret
 * file is made only for a database that holds no signing key yet, and a secret that does not open the
 * stored key is refused, naming where it was read from, before anything is done.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { redactUrl } from '../config';
import { loadConfig, nodeSecret, type NodeConfig } from '../runtime/node/config';
import { databaseFile, databaseFileProblem, openDatabase } from '../runtime/node/database';
import { createClient, listClients, setClientStatus } from '../services/clients';
import { Keyring } from '../services/keyring';
import { SecretBox } from '../services/secret-box';
import { ACCESS_TOKEN_TTL_S, CLOCK_SKEW_S } from '../services/tokens';
import { SqlAuthStore } from '../storage/auth-store';
import { SqlLedger } from '../storage/ledger';
import { NO_FOLLOWER } from '../services/change-follower';
import { clientArgs, fail, main, out, parse, userPath } from './args';
import { generateClientKey } from '../client/keys';
import { checkNewKeyFile, readPublicKey, withPrivateKeyFile } from './key-files';

const USAGE = `usage (on the node's machine, its own database):
  npm run admin -- init [--name NAME] [--public-key FILE | --out FILE [--overwrite]] [--force] [--json]
  npm run admin -- client add --role partner|admin|auditor|peer --name NAME [--public-key FILE | --out FILE [--overwrite]] [--json]
  npm run admin -- client list [--json]
  npm run admin -- client suspend|reactivate ID [--json]
  npm run admin -- keys rotate [--json]
  --public-key FILE  register this public JWK (the member's, from \`npm run client -- keygen\`); no private key is made here
  --out FILE         make the key pair here and write the private JWK to FILE (mode 0600) instead of printing it;
                     the file is written before the client is created, and an existing FILE is refused (nothing is done)
  --overwrite        with --out: replace an existing FILE (the key it held is lost)
  --force            init only: create another admin although one is active (it replaces no file: that is --overwrite)
every local command also takes:
  --actor NAME   who you are, for the audit log (recorded as cli:NAME; default cli:<your OS user>)
  --create       create the database if DATABASE_URL names a file that does not exist yet
Through the API instead (every command but init; from any machine, with an admin key):
  npm run admin -- --node URL --client-id ID --key FILE client list|get|add|suspend|reactivate|key add|key revoke, keys rotate
  (npm run admin -- --node URL --help for the details)`;

/** Options every command takes. */
const COMMON = { actor: { type: 'string' }, create: { type: 'boolean' } } as const;

/** How init and client add get the client's key: a public JWK given, or a pair made here (printed, or written to a 0600 file). */
const KEY_OPTIONS = { 'public-key': { type: 'string' }, out: { type: 'string' }, overwrite: { type: 'boolean' } } as const;

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
  return { config, database, deps, keyring: () => keyringOf(config, deps) };
}

/**
 * The node's signing keys, opened with the node's secret; only the commands that sign or make a key
 * ask for them. A node's stored key is sealed with its secret: a secret that does not open it, or a
 * secret file that is not there, stops the command here with nothing done (and no stray secret file).
 */
async function keyringOf(config: NodeConfig, deps: { auth: SqlAuthStore; ledger: SqlLedger }): Promise<Keyring> {
  const sealed = (await deps.auth.nodeKeys()).find((k) => k.status === 'current');
  const from = config.NODE_SECRET ? 'NODE_SECRET' : `the file ${resolve(config.NODE_SECRET_FILE)} (NODE_SECRET_FILE)`;
  const same = `Run the admin CLI with the same NODE_SECRET or NODE_SECRET_FILE as the node; nothing was done`;
  if (sealed && !config.NODE_SECRET && !existsSync(config.NODE_SECRET_FILE))
    fail(
      `this node's signing key is sealed with its secret, but there is no secret file at ${resolve(config.NODE_SECRET_FILE)} (NODE_SECRET_FILE; NODE_SECRET is not set). ${same}`,
    );
  // No stored key: a new node, whose first key is made here (its secret file too, as the node's first start would).
  const secretBox = new SecretBox(nodeSecret(config));
  if (sealed)
    await secretBox
      .open(sealed.privateJwk)
      .catch(() =>
        fail(`this node's stored signing key does not open with the secret read from ${from} (wrong secret, or the stored key is damaged). ${same}`),
      );
  return new Keyring({ auth: deps.auth, ledger: deps.ledger, secretBox, now: Date.now, retiredKeyGraceMs: (ACCESS_TOKEN_TTL_S + CLOCK_SKEW_S) * 1000 });
}

type KeyChoice = { publicKey?: string; out?: string; overwrite?: boolean };

/** The key options as given, their files found where the command was run. */
const keyChoiceOf = (v: { 'public-key'?: string; out?: string; overwrite?: boolean }): KeyChoice => ({
  publicKey: userPath(v['public-key']),
  out: userPath(v.out),
  overwrite: v.overwrite,
});

/** The key options' own checks, made before the database is opened: nothing is done when one fails. */
function checkKeyChoice(opts: KeyChoice): void {
  if (opts.publicKey && opts.out) fail('--public-key and --out exclude each other: --public-key registers a key the member made, --out makes one here', 2);
  if (opts.overwrite && !opts.out) fail('--overwrite replaces the file --out writes; without --out there is none', 2);
  if (opts.out) checkNewKeyFile(opts.out, !!opts.overwrite, '--overwrite');
}

async function newClient(role: string, name: string, opts: { actor: string; create?: boolean; onlyIfNoAdmin?: boolean } & KeyChoice) {
  checkKeyChoice(opts);
  const who = clientArgs(role, name);
  // Read (and checked) before the database is opened: a private key given as the public one stops here.
  const given = opts.publicKey ? readPublicKey(opts.publicKey) : undefined;
  const { database, deps, keyring } = await open(opts);
  try {
    await (await keyring()).ensureCurrent(opts.actor);
    const pair = given ? undefined : await generateClientKey('EdDSA');
    const create = async () => {
      const client = await createClient(deps, opts.actor, { ...who, jwk: pair ? pair.publicJwk : given, onlyIfNoAdmin: opts.onlyIfNoAdmin });
      // `id`, as every other client the CLIs print; `clientId`, the same, kept for the scripts written against it.
      return { id: client.id, clientId: client.id, role: client.role, name: client.name, scopes: client.scopes, kid: client.keys[0].kid };
    };
    if (!pair) return await create();
    if (!opts.out) return { ...(await create()), privateJwk: pair.privateJwk };
    // The key on disk first, then the client: one whose key could not be written is never created.
    const { value, file } = await withPrivateKeyFile(
      opts.out,
      JSON.stringify(pair.privateJwk) + '\n',
      {
        overwrite: !!opts.overwrite,
        replaceFlag: '--overwrite',
        committed: () => new SqlAuthStore(database.writer).hasClientKey(pair.kid),
      },
      create,
    );
    return { ...value, keyFile: file };
  } finally {
    await database.close();
  }
}

/** What init and client add say about the key, by how it was made. */
function keyWords(made: Awaited<ReturnType<typeof newClient>>, whose: string): string {
  if ('privateJwk' in made) return `Its private key (shown once; ${whose}):\n${JSON.stringify(made.privateJwk)}`;
  if ('keyFile' in made) return `Its private key is in ${made.keyFile} (mode 0600; ${whose}).`;
  return `Registered the public key ${made.kid}; the private key stays with its holder.`;
}

main(async () => {
  // An edge deployment's D1 database (src/cli/admin-d1.ts); without --d1, the node's own database.
  if (process.argv.includes('--d1')) return (await import('./admin-d1')).runD1(process.argv.slice(2));
  // Through the API (src/cli/admin-api.ts) when a node URL is given; init is always local.
  const argv = process.argv.slice(2);
  if (argv.some((a) => a === '--node' || a.startsWith('--node=')) || (process.env.MHN_NODE && argv[0] !== 'init'))
    return (await import('./admin-api')).runApi(argv);
  const [cmd, sub, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h') return out(false, null, USAGE);

  if (cmd === 'init') {
    const { values } = parse([sub, ...rest].filter(Boolean), { ...COMMON, ...KEY_OPTIONS, name: { type: 'string' }, force: { type: 'boolean' } });
    const actor = actorOf(values.actor);
    const keyChoice = keyChoiceOf(values);
    // The key file first: one that exists stops init before the database is opened (or created).
    checkKeyChoice(keyChoice);
    const { database, deps } = await open(values);
    const admins = await deps.auth.countActiveAdmins();
    await database.close();
    if (admins > 0 && !values.force) fail(`this node already has ${admins} active admin(s); use --force to create another`);
    // Two inits at once make one admin: the ledger writes it only while none is active (unless --force).
    const made = await newClient('admin', values.name ?? 'first admin', { actor, ...keyChoice, onlyIfNoAdmin: !values.force });
    return out(values.json, made, `admin client ${made.clientId} created.\n${keyWords(made, 'keep it safe')}`);
  }

  if (cmd === 'client' && sub === 'add') {
    const { values } = parse(rest, { ...COMMON, ...KEY_OPTIONS, role: { type: 'string' }, name: { type: 'string' } });
    if (!values.role || !values.name) fail(`client add needs --role and --name\n${USAGE}`, 2);
    const made = await newClient(values.role, values.name, { ...values, actor: actorOf(values.actor), ...keyChoiceOf(values) });
    return out(
      values.json,
      made,
      `${made.role} client ${made.clientId} (${made.name}) created.\n${keyWords(made, 'give it to the member, then delete it here')}`,
    );
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
      const keys = await keyring();
      const kid = await keys.rotate(actor);
      return out(values.json, { kid, jwks: await keys.jwks() }, `new signing key ${kid}; running nodes pick it up from the change log within a second`);
    } finally {
      await database.close();
    }
  }

  fail(`unknown command: ${[cmd, sub].filter(Boolean).join(' ')}\n${USAGE}`, 2);
});
