import { useEffect, useState } from 'react';
import { api } from './api/client';
import { ApiKeysPage } from './pages/ApiKeys';
import { AuditPage } from './pages/Audit';
import { EncryptionPage } from './pages/Encryption';
import { OAuthClientsPage } from './pages/OAuthClients';
import { OverviewPage } from './pages/Overview';
import { SignIn } from './pages/SignIn';
import { TenantPage, TenantsPage } from './pages/Tenants';
import { WebhooksPage } from './pages/Webhooks';

const PAGES = [
  ['overview', 'Overview'],
  ['tenants', 'Tenants'],
  ['oauth-clients', 'OAuth clients'],
  ['api-keys', 'API keys'],
  ['webhooks', 'Webhooks'],
  ['audit', 'Audit'],
  ['encryption', 'Encryption'],
] as const;

function useHash(): string {
  const [hash, setHash] = useState(window.location.hash.slice(2));
  useEffect(() => {
    const on = () => setHash(window.location.hash.slice(2));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function Page({ route }: { route: string }) {
  const [page, id] = route.split('/');
  switch (page) {
    case 'tenants':
      return id ? <TenantPage id={decodeURIComponent(id)} /> : <TenantsPage />;
    case 'oauth-clients':
      return <OAuthClientsPage />;
    case 'api-keys':
      return <ApiKeysPage />;
    case 'webhooks':
      return <WebhooksPage />;
    case 'audit':
      return <AuditPage />;
    case 'encryption':
      return <EncryptionPage />;
    default:
      return <OverviewPage />;
  }
}

/** Hash routes (#/tenants/acme): the broker serves one index.html, whatever the page. */
export function App() {
  const route = useHash();
  const [signedIn, setSignedIn] = useState<boolean | undefined>(undefined);
  useEffect(() => {
    // A cheap admin read tells whether the cookie still holds a session.
    void api.GET('/v1/admin/encryption').then((r) => setSignedIn(r.response.ok));
  }, []);
  if (signedIn === undefined) return <main className="loading">Loading…</main>;
  if (!signedIn) return <SignIn onSignedIn={() => setSignedIn(true)} />;
  const current = route.split('/')[0] || 'overview';
  const signOut = () => void api.DELETE('/v1/console/session').then(() => setSignedIn(false));
  return (
    <>
      <header>
        <span className="brand">particle-token-broker</span>
        <nav aria-label="Pages">
          {PAGES.map(([path, label]) => (
            <a key={path} href={`#/${path}`} aria-current={current === path ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <button type="button" className="link" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main>
        <Page route={route} />
      </main>
    </>
  );
}
