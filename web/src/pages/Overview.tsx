import { useState } from 'react';
import { api, unwrap } from '../api/client';
import type { paths } from '../api/schema';
import { ActionForm, ProblemBanner, Status, useLoad, when } from '../ui';

type Overview = paths['/v1/admin/overview']['get']['responses'][200]['content']['application/json'];
type AtRisk = Overview['at_risk'][number];

/** needs_reauth: a one-time link for the tenant's person to sign in with Particle again. */
function ConnectLink({ item }: { item: AtRisk }) {
  const [url, setUrl] = useState<string | undefined>(undefined);
  if (url) {
    return (
      <a className="connect-link" href={url}>
        Connect link for {item.tenant_id}
      </a>
    );
  }
  return (
    <ActionForm
      label="Create connect link"
      action={async () => {
        const path = { id: item.tenant_id };
        const listed = unwrap(await api.GET('/v1/tenants/{id}/credentials', { params: { path } }));
        const credential = listed.items.find((c) => c.id === item.credential_id);
        // An imported token names no client: the tenant's (or a shared) web client runs the connect flow.
        const clients = unwrap(await api.GET('/v1/oauth-clients')).items;
        const web = clients.find(
          (c) => c.type === 'web' && (c.tenant_id === item.tenant_id || c.tenant_id === null),
        );
        const clientId = credential?.oauth_client_id ?? web?.id;
        if (!clientId) throw new Error(`Tenant ${item.tenant_id} has no web OAuth client for a connect link`);
        const body = { oauth_client_id: clientId, return_to: `${window.location.origin}/console/` };
        const created = unwrap(
          await api.POST('/v1/tenants/{id}/connect-sessions', { params: { path }, body }),
        );
        setUrl(created.url);
      }}
    />
  );
}

function Fix({ item, done }: { item: AtRisk; done: () => void }) {
  if (item.reason === 'oauth_client_invalid')
    return <a href="#/oauth-clients">Rotate the OAuth client secret</a>;
  if (item.status === 'needs_reauth') return <ConnectLink item={item} />;
  return (
    <ActionForm
      label="Force renewal"
      action={async () => {
        const path = { id: item.tenant_id, credentialId: item.credential_id };
        unwrap(
          await api.POST('/v1/tenants/{id}/credentials/{credentialId}/renewals', {
            params: { path },
            body: {},
          }),
        );
        done();
      }}
    />
  );
}

function Gauge({ label, used, limit }: { label: string; used: number; limit: number }) {
  return (
    <div className="gauge">
      <span>{label}</span>
      <meter min={0} max={limit} value={used} aria-label={label}>
        {used}/{limit}
      </meter>
      <span>
        {used} / {limit}
      </span>
    </div>
  );
}

export function OverviewPage() {
  const overview = useLoad(async () => unwrap(await api.GET('/v1/admin/overview')));
  const egress = useLoad(async () => unwrap(await api.GET('/v1/admin/egress')));
  const o = overview.data;
  const e = egress.data;
  return (
    <section>
      <h1>Overview</h1>
      <ProblemBanner problem={overview.problem ?? egress.problem} />
      {o && (
        <>
          <ul className="counts" aria-label="Credentials by status">
            <li>{o.tenants} tenants</li>
            {Object.entries(o.credentials).map(([status, n]) => (
              <li key={status}>
                <Status value={status} /> {n}
              </li>
            ))}
          </ul>
          <h2>At risk</h2>
          {o.at_risk.length === 0 ? (
            <p>Nothing needs attention.</p>
          ) : (
            <table>
              <caption>Credentials that need attention, most urgent first</caption>
              <thead>
                <tr>
                  <th scope="col">Tenant</th>
                  <th scope="col">Credential</th>
                  <th scope="col">Status</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Since</th>
                  <th scope="col">Fix</th>
                </tr>
              </thead>
              <tbody>
                {o.at_risk.map((item) => (
                  <tr key={item.credential_id} data-credential={item.credential_id}>
                    <td>
                      <a href={`#/tenants/${encodeURIComponent(item.tenant_id)}`}>{item.tenant_id}</a>
                    </td>
                    <td>
                      {item.kind} <code>{item.credential_id.slice(0, 8)}</code>
                    </td>
                    <td>
                      <Status value={item.status} />
                    </td>
                    <td className="reason">
                      {item.reason}
                      {item.last_error ? `: ${item.last_error}` : ''}
                    </td>
                    <td>{when(item.since)}</td>
                    <td>
                      <Fix item={item} done={overview.reload} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h2>Refresh and webhooks</h2>
          <p>
            Last sweep:{' '}
            {o.last_sweep
              ? `${when(o.last_sweep.at)}, ${o.last_sweep.renewed} renewed, ${o.last_sweep.failed} failed`
              : 'none yet'}
            . Oldest overdue: {o.oldest_overdue_seconds ?? 0} s. Webhooks: {o.webhooks.pending} pending,{' '}
            {o.webhooks.failing_endpoints} failing endpoints.
          </p>
        </>
      )}
      {e && (
        <>
          <h2>Shared egress</h2>
          <Gauge label="Token budget" used={e.token_budget.used} limit={e.token_budget.limit} />
          <Gauge label="API budget" used={e.api_budget.used} limit={e.api_budget.limit} />
          <Gauge label="Event streams" used={e.streams.open} limit={e.streams.limit} />
          <p>
            Breaker: <Status value={e.breaker.state} /> ({e.breaker.consecutive_failures} consecutive
            failures)
          </p>
        </>
      )}
    </section>
  );
}
