/**
 * The auditor's verifier: checks the node's audit log (DESIGN §7) trusting nothing but the node's
 * JWKS and the auditor's own state file.
 *
 *   npm run verify -- --node URL --client-id ID --key FILE [--state FILE] [--json]
 *
 * It signs in with the auditor's private JWK (private_key_jwt), verifies the signed tree head,
 * fetches every entry and recomputes the RFC 9162 root, names the first entry that was changed,
 * deleted, inserted or moved, and checks the head extends the one it verified last time (no
 * rollback, no split view). The state file (default ./audit-state.json) is written only after a
 * run that found nothing wrong. Exit status: 0 verified, 1 a problem found (or the check could not
 * run), 2 bad arguments. The checks themselves are in ./verify/check.ts.
 */
import { fail, main, out, parse, userPath, userStatePath } from './args';
import { readPrivateKey } from './key-files';
import { progress } from './progress';
import { check, type Verdict } from './verify/check';
import { connect } from './verify/node-api';
import { loadState, saveState } from './verify/state';

const USAGE = 'usage: npm run verify -- --node URL --client-id ID --key FILE [--state FILE] [--json]';

main(async () => {
  const { values } = parse(process.argv.slice(2), {
    node: { type: 'string' },
    'client-id': { type: 'string' },
    key: { type: 'string' },
    state: { type: 'string' },
  });
  if (values.help) return out(false, null, USAGE);
  if (!values.node || !values['client-id'] || !values.key) fail(`--node, --client-id and --key are required\n${USAGE}`, 2);
  const stateFile = userStatePath(values.state ?? 'audit-state.json', '--state');
  const jwk = readPrivateKey(userPath(values.key));
  const prev = loadState(stateFile);
  const bar = progress('verifying: entries', { json: values.json });
  // A node that is down fails here: "cannot reach the node at URL: connection refused …".
  const api = await connect(values.node, values['client-id'], jwk, {
    onRetry: (i) => bar.note(`the node answered ${i.status}; trying again in ${(i.delayMs / 1000).toFixed(1)} s`),
  });
  if (prev && prev.node !== api.url) fail(`${stateFile} holds the state of ${prev.node}, not ${api.url}; give another --state`);

  const { verdict, state } = await check(api, prev, undefined, (done, total) => bar.update(done, total));
  bar.end();
  if (state) saveState(stateFile, state);
  out(values.json, { ...verdict, stateFile, stateWritten: !!state }, human(verdict, stateFile));
  if (!verdict.ok) process.exitCode = 1;
});

function human(v: Verdict, stateFile: string): string {
  const h = v.treeHead;
  if (v.ok && h) {
    const since = !v.previous
      ? '; first run'
      : v.previous.treeSize === h.treeSize
        ? `; no new entries since the head verified on ${v.previous.verifiedAt} (the same ${h.treeSize} entries)`
        : `; extends the head verified on ${v.previous.verifiedAt} (${v.previous.treeSize} entries) by ${h.treeSize - v.previous.treeSize}`;
    return `OK: ${h.treeSize} entries, root ${h.rootHash}, signed by kid ${h.kid} at ${h.time}${since}. State written to ${stateFile}.`;
  }
  const lines = [`FAILED: ${v.problems.join('; ')}`];
  const f = v.firstBadEntry;
  if (f) {
    const what = [f.action, f.time, f.actor && `by ${f.actor}`].filter(Boolean).join(', ');
    const why = {
      missing: 'the node no longer serves it (deleted)',
      differs: 'its text does not hash to the leaf the signed tree holds (changed, inserted or moved)',
      changed: 'it is in the signed tree, but is not the entry verified before (history rewritten and re-signed)',
      dropped: 'it and every later entry verified before are no longer in the signed tree',
    }[f.finding];
    const gone = f.finding === 'missing' || f.finding === 'dropped';
    const was = !f.verifiedLeafPrefix
      ? ''
      : `; it was verified on ${v.previous?.verifiedAt} with leaf hash ${f.verifiedLeafPrefix}…${gone ? '' : ', so it changed since'}`;
    lines[0] += `, first bad entry: #${f.index}${what ? ` (${what})` : ''}`;
    lines.push(`  #${f.index}: ${why}${was}`);
  }
  if (v.proofRequests) lines.push(`  (found with ${v.proofRequests} inclusion proofs)`);
  lines.push(`  The state file ${stateFile} was left unchanged.`);
  return lines.join('\n');
}
