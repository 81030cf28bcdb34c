/**
 * The admin commands through the node's API, signed in with an admin's own key, from any machine:
 *
 *   npm run admin -- --node URL --client-id ID --key FILE client list
 *   npm run admin -- ... client get ID
 *   npm run admin -- ... client add --role partner|admin|auditor|peer --name NAME --public-key FILE
 *   npm run admin -- ... client suspend|reactivate ID
 *   npm run admin -- ... client key add ID --public-key FILE
 *   npm run admin -- ... client key revoke ID KID
 *   npm run admin -- ... keys rotate
 *   npm run admin -- ... peers list|add|set|pause|resume|remove   (src/cli/admin-peers.ts)
 *
 * (--node, --client-id, --key or MHN_NODE, MHN_CLIENT_ID, MHN_KEY.) The node writes each change
 * with its audit entry (the actor is the admin client) and applies it at once: a suspension stops
 * the member's next request, a rotated signing key signs the next token; other instances follow
 * within a second. Nothing here touches a database.
 */
import type { ClientView, NodeClient } from '../client';
import { fail, out, parse, userPath } from './args';
import { connect, CONNECT_HELP, CONNECT_OPTIONS } from './connect';
import { PEERS_OPTIONS, PEERS_USAGE, runPeers } from './admin-peers';
import { readPublicKey } from './key-files';

export const API_USAGE = `usage (through the node's API, with an admin key; from any machine):
  npm run admin -- --node URL --client-id ID --key FILE COMMAND
  client list
  client get ID
  client add --role partner|admin|auditor|peer --name NAME --public-key FILE   the member's public key (from its \`client keygen\`)
  client add --role peer --name NAME --jwks-url URL    a peer node, its keys read from its JWKS (URL/.well-known/jwks.json)
  client suspend|reactivate ID
  client key add ID --public-key FILE        another key for the member (key rotation on its side)
  client key revoke ID KID
  keys rotate                                a new node signing key
${PEERS_USAGE}
${CONNECT_HELP}
  --json            machine-readable output`;

const OPTIONS = {
  ...CONNECT_OPTIONS,
  ...PEERS_OPTIONS,
  role: { type: 'string' },
  name: { type: 'string' },
  'public-key': { type: 'string' },
  'jwks-url': { type: 'string' },
  actor: { type: 'string' },
  create: { type: 'boolean' },
} as const;

const ROLES = ['partner', 'admin', 'auditor', 'peer'] as const;

export function describeClient(c: ClientView): string {
  const keys = c.keys.map((k) => `${k.kid} (${k.alg}${k.status === 'revoked' ? ', revoked' : ''})`).join(', ') || 'no key';
  return `${c.id}  ${c.role.padEnd(8)} ${c.status.padEnd(9)} ${c.name}  keys: ${keys}`;
}

export async function runApi(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, OPTIONS);
  const [cmd, sub, ...args] = positionals;
  if (values.help || !cmd) return out(false, null, API_USAGE);
  if (cmd === 'init')
    fail("admin init creates the first admin in the node's own database, on its machine: run it there without --node (and without MHN_NODE)", 2);
  if (values.actor !== undefined || values.create)
    fail("--actor and --create are for the node's local database; through the API the audit log names your admin client", 2);
  const api = (): NodeClient => connect(values, { scope: 'admin' });
  const show = (c: ClientView, human: string) => out(values.json, c, human);

  if (cmd === 'client' && sub === 'list') {
    const { clients } = await api().admin.listClients();
    return out(values.json, { clients }, clients.map(describeClient).join('\n') || '(no clients)');
  }
  if (cmd === 'client' && sub === 'get') {
    if (!args[0]) fail('client get needs a client id', 2);
    const c = await api().admin.getClient(args[0]);
    return show(c, describeClient(c));
  }
  if (cmd === 'client' && sub === 'add') {
    if (!values.role || !values.name) fail(`client add needs --role and --name\n${API_USAGE}`, 2);
    const role = ROLES.find((r) => r === values.role);
    if (!role) fail(`--role must be one of ${ROLES.join(', ')}`, 2);
    if (values['jwks-url']) {
      if (values.role !== 'peer' || values['public-key']) fail('--jwks-url is for --role peer, instead of --public-key', 2);
      const c = await api().admin.createClient({ role: 'peer', name: values.name, jwksUrl: values['jwks-url'] });
      return show(c, `peer client ${c.id} (${c.name}) admitted; its keys are read from ${c.jwksUrl}. Give its admin this client id: ${c.id}`);
    }
    if (!values['public-key'])
      fail(
        'client add through the API needs --public-key FILE (a peer node: or --jwks-url URL): the member makes its key pair (npm run client -- keygen) and sends you the .pub.json; the node never sees a private key',
        2,
      );
    const jwk = readPublicKey(userPath(values['public-key']));
    const c = await api().admin.createClient({ role, name: values.name, jwk });
    return show(c, `${c.role} client ${c.id} (${c.name}) admitted with key ${c.keys[0]?.kid}. Give the member its client id: ${c.id}`);
  }
  if (cmd === 'client' && (sub === 'suspend' || sub === 'reactivate')) {
    if (!args[0]) fail(`client ${sub} needs a client id`, 2);
    const c = sub === 'suspend' ? await api().admin.suspendClient(args[0]) : await api().admin.reactivateClient(args[0]);
    return show(c, `${c.id} is now ${c.status}`);
  }
  if (cmd === 'client' && sub === 'key' && args[0] === 'add') {
    if (!args[1] || !values['public-key']) fail('client key add needs a client id and --public-key FILE', 2);
    const c = await api().admin.addClientKey(args[1], readPublicKey(userPath(values['public-key'])));
    return show(c, describeClient(c));
  }
  if (cmd === 'client' && sub === 'key' && args[0] === 'revoke') {
    if (!args[1] || !args[2]) fail('client key revoke needs a client id and a kid', 2);
    const c = await api().admin.revokeClientKey(args[1], args[2]);
    return show(c, describeClient(c));
  }
  if (cmd === 'keys' && sub === 'rotate') {
    const r = await api().admin.rotateNodeKeys();
    return out(values.json, r, `new signing key ${r.kid}: the node signs with it now; the previous keys stay in its JWKS until their tokens expire`);
  }
  if (cmd === 'peers') return runPeers(api, sub, args, values);
  fail(`unknown command: ${[cmd, sub, ...args].join(' ')}\n${API_USAGE}`, 2);
}
