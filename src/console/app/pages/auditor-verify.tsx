/** Auditor: the whole log verified in this browser, with progress and the first bad entry named. */
import { useState } from 'hono/jsx/dom';
import { verifyLog, type Progress, type Verdict } from '../lib/audit';
import { currentSession } from '../lib/session';
import { ErrorBox, Mono, PageTitle, Status, useAction, when } from '../ui';

const PHASES: Record<Progress['phase'], string> = {
  head: 'Checking the signed tree head',
  entries: 'Downloading entries',
  hashing: 'Hashing entries (SHA-256)',
  root: 'Recomputing the root',
  consistency: 'Checking consistency with the head verified last time',
  bisect: 'Finding the first bad entry (consistency proofs)',
  done: 'Done',
};

export function VerifyLog() {
  const [progress, setProgress] = useState<Progress | undefined>(undefined);
  const [verdict, setVerdict] = useState<Verdict | undefined>(undefined);
  const run = useAction(async () => {
    setVerdict(undefined);
    setVerdict(await verifyLog(currentSession()?.issuer ?? '', setProgress));
  });
  return (
    <section aria-labelledby="page-title">
      <PageTitle>Verify the log</PageTitle>
      <p>
        Downloads every entry, hashes each with WebCrypto SHA-256 and recomputes the RFC 9162 root in this browser, compares it with the signed tree head
        (signature checked against the node's JWKS), and checks that the log extends the head this browser verified last time. If anything differs it names the
        first entry the signed tree does not vouch for.
      </p>
      <div class="actions">
        <button type="button" class="primary" id="verify-run" disabled={run.busy} onClick={() => run.go()}>
          {run.busy ? 'Verifying…' : 'Verify the whole log'}
        </button>
      </div>
      {progress && run.busy && (
        <div class="progress">
          <label for="verify-progress">{PHASES[progress.phase]}</label>
          <progress id="verify-progress" max={progress.total || 1} value={progress.done} />
          <span>
            {progress.done.toLocaleString('en-US')} / {progress.total.toLocaleString('en-US')}
          </span>
        </div>
      )}
      <ErrorBox error={run.error} context="Verification could not run" />
      <Status>
        {verdict && (
          <p id="verify-verdict" class={verdict.ok ? 'verdict good' : 'verdict bad'}>
            {verdict.ok ? `The log verifies: ${verdict.entries.toLocaleString('en-US')} entries.` : `The log does NOT verify: ${verdict.reason}.`}
          </p>
        )}
      </Status>
      {verdict && (
        <>
          {!verdict.ok && verdict.firstBad && (
            <div class="card bad" id="first-bad">
              <h2>First bad entry: #{verdict.firstBad.index}</h2>
              {verdict.firstBad.entry !== undefined ? (
                <>
                  <p>As the node serves it now:</p>
                  <pre class="entry">{verdict.firstBad.entry}</pre>
                </>
              ) : (
                <p>The node does not serve it.</p>
              )}
            </div>
          )}
          {verdict.checked.length > 0 && (
            <>
              <h2>What held</h2>
              <ul>
                {verdict.checked.map((c) => (
                  <li>{c}</li>
                ))}
              </ul>
            </>
          )}
          {verdict.head && (
            <p class="muted">
              Tree head: size {verdict.head.treeSize}, root <Mono>{verdict.head.rootHash}</Mono>, signed {when(verdict.head.timestamp)}.
            </p>
          )}
        </>
      )}
    </section>
  );
}
