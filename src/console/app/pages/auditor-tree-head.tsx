/** Auditor: the latest signed tree head, its signature checked here against the node's JWKS. */
import { checkHeadSignature, fetchHead, fetchJwks, forgetHead, rememberedHead } from '../lib/audit';
import { currentSession } from '../lib/session';
import { ErrorBox, Mono, PageTitle, Status, useLoad, when, messageOf } from '../ui';

export function TreeHeadPage() {
  const issuer = currentSession()?.issuer ?? '';
  const check = useLoad(async () => {
    const [head, jwks] = await Promise.all([fetchHead(true), fetchJwks()]);
    try {
      const { kid } = await checkHeadSignature(head, jwks);
      const problem: string | undefined = undefined;
      return { head, kid, problem };
    } catch (e) {
      return { head, kid: undefined, problem: messageOf(e) };
    }
  });
  const previous = rememberedHead(issuer);
  const d = check.data;
  return (
    <section aria-labelledby="page-title">
      <PageTitle>Signed tree head</PageTitle>
      <ErrorBox error={check.error} context="Could not read the tree head" />
      <Status>{check.loading ? 'Reading and checking the tree head…' : ''}</Status>
      {d && (
        <>
          <p id="head-verdict" class={d.problem ? 'verdict bad' : 'verdict good'}>
            {d.problem
              ? `The signature does not hold: ${d.problem}`
              : `The signature holds: signed by the node's key ${d.kid} (checked in this browser against /.well-known/jwks.json).`}
          </p>
          <dl class="facts">
            <dt>Tree size</dt>
            <dd id="head-size">{d.head.treeSize.toLocaleString('en-US')} entries</dd>
            <dt>Root hash (SHA-256, base64)</dt>
            <dd>
              <Mono>{d.head.rootHash}</Mono>
            </dd>
            <dt>Signed at</dt>
            <dd>{when(d.head.timestamp)}</dd>
            <dt>Signature (compact JWS)</dt>
            <dd>
              <Mono>{d.head.signature}</Mono>
            </dd>
          </dl>
        </>
      )}
      <h2>Last verified in this browser</h2>
      {previous ? (
        <>
          <p>
            Size {previous.treeSize.toLocaleString('en-US')}, root <Mono>{previous.rootHash}</Mono>, verified {when(previous.verifiedAt)}. The next full
            verification checks that the log still extends it.
          </p>
          <button type="button" onClick={() => (forgetHead(issuer), check.reload())}>
            Forget it
          </button>
        </>
      ) : (
        <p>
          None yet: run <a href="#/verify">Verify the log</a>.
        </p>
      )}
    </section>
  );
}
