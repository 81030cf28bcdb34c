/**
 * The web console: one page, its views chosen by the location's hash (#/members, #/verify, …) and
 * by the role of the signed-in key. Everything runs against the node's own API with the session's
 * bearer token; nothing is loaded from anywhere else.
 */
import type { Child } from 'hono/jsx';
import { render, useEffect, useState } from 'hono/jsx/dom';
import { currentSession, onSession, signOut, type Role, type Session } from './lib/session';
import { Dashboard } from './pages/admin-dashboard';
import { MemberPage } from './pages/admin-member';
import { Members } from './pages/admin-members';
import { NodeKeys } from './pages/admin-node-keys';
import { Peers } from './pages/admin-peers';
import { Entries } from './pages/auditor-entries';
import { TreeHeadPage } from './pages/auditor-tree-head';
import { VerifyLog } from './pages/auditor-verify';
import { CheckFile } from './pages/partner-check';
import { Feed } from './pages/partner-feed';
import { SignIn } from './pages/sign-in';

interface View {
  path: string;
  title: string;
  roles: Role[];
  render: (arg?: string) => Child;
}

const VIEWS: View[] = [
  { path: 'dashboard', title: 'Dashboard', roles: ['admin'], render: () => <Dashboard /> },
  { path: 'members', title: 'Members', roles: ['admin'], render: (id) => (id ? <MemberPage id={id} /> : <Members />) },
  { path: 'node-keys', title: 'Node keys', roles: ['admin'], render: () => <NodeKeys /> },
  { path: 'peers', title: 'Peers', roles: ['admin'], render: () => <Peers /> },
  { path: 'tree-head', title: 'Tree head', roles: ['auditor'], render: () => <TreeHeadPage /> },
  { path: 'verify', title: 'Verify the log', roles: ['auditor'], render: () => <VerifyLog /> },
  { path: 'entries', title: 'Entries', roles: ['auditor'], render: () => <Entries /> },
  { path: 'check', title: 'Check a file', roles: ['partner'], render: () => <CheckFile /> },
  { path: 'feed', title: 'Feed', roles: ['partner'], render: () => <Feed /> },
];

const parseHash = (): { path: string; arg?: string } => {
  const [path = '', arg] = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  return { path, arg };
};

function useRoute() {
  const [route, setRoute] = useState(parseHash());
  useEffect(() => {
    const on = () => setRoute(parseHash());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

function App() {
  const [session, setSession] = useState<Session | undefined>(currentSession());
  useEffect(() => onSession(setSession), []);
  const route = useRoute();
  const mine = session ? VIEWS.filter((v) => v.roles.includes(session.role)) : [];
  const view = mine.find((v) => v.path === route.path) ?? mine[0];
  const title = session ? (view?.title ?? 'No pages for this role') : 'Sign in';

  useEffect(() => {
    document.title = `${title} · media-hash-node console`;
  }, [title]);

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <p class="brand">media-hash-node console</p>
        {session && (
          <div class="who">
            <span>
              Signed in as <strong>{session.clientId}</strong> ({session.role})
            </span>{' '}
            <button type="button" onClick={() => signOut()}>
              Sign out
            </button>
          </div>
        )}
        {mine.length > 0 && (
          <nav aria-label="Pages">
            <ul>
              {mine.map((v) => (
                <li>
                  <a href={`#/${v.path}`} aria-current={v === view ? 'page' : undefined}>
                    {v.title}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        {!session ? <SignIn /> : view ? view.render(route.arg) : <p>The role {session.role} has no pages in this console.</p>}
      </main>
    </>
  );
}

// Focus moves to the new page's heading when the user follows a link (not on every re-render).
addEventListener('hashchange', () => requestAnimationFrame(() => document.getElementById('page-title')?.focus()));

const root = document.getElementById('root');
if (root) render(<App />, root);
