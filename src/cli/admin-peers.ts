/**
 * `npm run admin -- --node URL --client-id ID --key FILE peers ...`: the peer nodes a node pulls
 * from (federation), through its API with an admin's key.
 *
 *   peers list
 *   peers add PEER_URL --peer-client-id ID [--interval SECONDS] [--labels L1,L2|all] [--matching on|off]
 *   peers set ID [--interval SECONDS] [--labels L1,L2|all] [--matching on|off]
 *   peers pause|resume|remove ID
 *   peers restart ID
 */
import { isLabelId, type LabelId, type NodeClient, type PeerView } from '../client';
import { fail, out } from './args';

export const PEERS_USAGE = `  peers list                                 the peers this node pulls from, and where each stands
  peers add PEER_URL --peer-client-id ID     pull from the node at PEER_URL (its PUBLIC_URL), signing in there
      [--interval SECONDS] [--labels L1,L2|all] [--matching on|off]
                                             as the peer client ID its admin gave this node
  peers set ID [--interval SECONDS] [--labels L1,L2|all] [--matching on|off]
  peers pause|resume|remove ID
  peers restart ID                           pull the peer's feed again from its start, settings kept
                                             (after it refused this node's cursor: see its last error)`;

export const PEERS_OPTIONS = {
  'peer-client-id': { type: 'string' },
  interval: { type: 'string' },
  labels: { type: 'string' },
  matching: { type: 'string' },
} as const;

interface PeerFlags {
  'peer-client-id'?: string;
  interval?: string;
  labels?: string;
  matching?: string;
  json?: boolean;
}

export function describePeer(p: PeerView): string {
  const when = p.pulledAt ?? 'never';
  const error = p.lastError ? `; last error (${p.failures} in a row): ${p.lastError}` : '';
  return `${p.id}  ${p.status.padEnd(7)} ${p.url}  as ${p.clientId}  every ${p.intervalMs / 1000} s  labels: ${p.labels?.join(',') ?? 'all'}  matching: ${p.matching ? 'on' : 'off'}  pulled: ${p.pulledItems} items, last ${when}, cursor ${p.cursor || '(start)'}${error}`;
}

/** --labels L1,L2: label ids, an unknown one refused here (exit 2) before anything is sent. */
function labelsArg(list: string): LabelId[] {
  return list
    .split(',')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => (isLabelId(l) ? l : fail(`--labels: unknown label ${JSON.stringify(l)} (\`client labels\` lists them)`, 2)));
}

/** The settings given on the command line (those not given are left out). */
function settings(v: PeerFlags): { intervalMs?: number; labels?: LabelId[] | null; matching?: boolean } {
  const out: { intervalMs?: number; labels?: LabelId[] | null; matching?: boolean } = {};
  if (v.interval !== undefined) {
    const s = Number(v.interval);
    if (!Number.isFinite(s) || s <= 0) fail(`--interval must be a number of seconds, got ${JSON.stringify(v.interval)}`, 2);
    out.intervalMs = Math.round(s * 1000);
  }
  if (v.labels !== undefined) out.labels = v.labels === 'all' ? null : labelsArg(v.labels);
  if (v.matching !== undefined) {
    if (v.matching !== 'on' && v.matching !== 'off') fail('--matching must be on or off', 2);
    out.matching = v.matching === 'on';
  }
  return out;
}

export async function runPeers(api: () => NodeClient, sub: string | undefined, args: string[], v: PeerFlags): Promise<void> {
  const show = (p: PeerView, human: string) => out(v.json, p, human);
  if (sub === 'list') {
    const { peers } = await api().admin.listPeers();
    return out(v.json, { peers }, peers.map(describePeer).join('\n') || '(no peers)');
  }
  if (sub === 'add') {
    if (!args[0] || !v['peer-client-id'])
      fail(`peers add needs the peer's URL and --peer-client-id (the client id its admin gave this node)\n${PEERS_USAGE}`, 2);
    const p = await api().admin.addPeer({ url: args[0], clientId: v['peer-client-id'], ...settings(v) });
    return show(p, `pulling from ${p.url} as ${p.clientId} (peer ${p.id})`);
  }
  if (sub === 'set') {
    if (!args[0]) fail('peers set needs a peer id', 2);
    const s = settings(v);
    if (!Object.keys(s).length) fail('peers set needs --interval, --labels or --matching', 2);
    const p = await api().admin.updatePeer(args[0], s);
    return show(p, describePeer(p));
  }
  if (sub === 'pause' || sub === 'resume' || sub === 'remove') {
    if (!args[0]) fail(`peers ${sub} needs a peer id`, 2);
    const a = api().admin;
    const p = await (sub === 'pause' ? a.pausePeer(args[0]) : sub === 'resume' ? a.resumePeer(args[0]) : a.removePeer(args[0]));
    return show(p, `${p.url} is now ${p.status}`);
  }
  if (sub === 'restart') {
    if (!args[0]) fail('peers restart needs a peer id', 2);
    const p = await api().admin.restartPeer(args[0]);
    return show(p, `${p.url} will be pulled again from its start (peer ${p.id}, ${p.status})`);
  }
  fail(`unknown command: peers ${[sub, ...args].filter(Boolean).join(' ')}\n${PEERS_USAGE}`, 2);
}
