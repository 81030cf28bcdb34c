/** Admin: peer nodes. A placeholder until the node has a federation API (DESIGN §8). */
import { PageTitle } from '../ui';

export function Peers() {
  return (
    <section aria-labelledby="page-title">
      <PageTitle>Peers</PageTitle>
      <div class="card notice">
        <h2>Not available yet</h2>
        <p>
          This node has no federation API yet (<code>/v1/admin/peers</code> and <code>/v1/federation/feed</code>, DESIGN §8). When it has, this page will show, for
          each peer node:
        </p>
        <ul>
          <li>its URL, the client id this node was given there, and whether pulling is on;</li>
          <li>the pull interval, the labels accepted, and whether its hashes take part in matching;</li>
          <li>the last pull: when, the cursor range, items received, and the last error with its time;</li>
          <li>its JWKS (the keys its feed batches are checked against);</li>
        </ul>
        <p>and will let an admin add a peer, change these settings, pause or remove it. Peers that pull from this node are members with the role <code>peer</code>, on the Members page.</p>
      </div>
    </section>
  );
}
