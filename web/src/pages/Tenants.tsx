import { useState } from 'react';
import { api, unwrap } from '../api/client';
import { ActionForm, Field, ProblemBanner, Status, useLoad, when } from '../ui';
import { Onboarding } from './Onboarding';

export function TenantsPage() {
  const [after, setAfter] = useState<string | undefined>(undefined);
  const [search, setSearch] = useState('');
  const list = useLoad(
    async () =>
      unwrap(await api.GET('/v1/tenants', { params: { query: { limit: 50, ...(after ? { after } : {}) } } })),
    [after],
  );
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const items = (list.data?.items ?? []).filter(
    (t) => !search || t.id.includes(search) || t.name.includes(search),
  );
  return (
    <section>
      <h1>Tenants</h1>
      <ProblemBanner problem={list.problem} />
      <Field label="Search this page" name="search" value={search} onChange={setSearch} />
      <table>
        <caption>Tenants</caption>
        <thead>
          <tr>
            <th scope="col">Id</th>
            <th scope="col">Name</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {items.map((t) => (
            <tr key={t.id}>
              <td>
                <a href={`#/tenants/${encodeURIComponent(t.id)}`}>{t.id}</a>
              </td>
              <td>{t.name}</td>
              <td>{when(t.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="pager">
        {after && (
          <button type="button" onClick={() => setAfter(undefined)}>
            First page
          </button>
        )}
        {list.data?.next_after && (
          <button type="button" onClick={() => setAfter(list.data?.next_after ?? undefined)}>
            Next page
          </button>
        )}
      </div>
      <h2>New tenant</h2>
      <ActionForm
        label="Create tenant"
        action={async () => {
          unwrap(await api.POST('/v1/tenants', { body: { id, name } }));
          setId('');
          setName('');
          list.reload();
        }}
      >
        <Field label="Id" name="id" value={id} onChange={setId} required placeholder="acme" />
        <Field label="Name" name="name" value={name} onChange={setName} required />
      </ActionForm>
    </section>
  );
}

export function TenantPage({ id }: { id: string }) {
  const path = { id };
  const credentials = useLoad(
    async () => unwrap(await api.GET('/v1/tenants/{id}/credentials', { params: { path } })),
    [id],
  );
  const [deleted, setDeleted] = useState(false);
  if (deleted) return <p role="status">Tenant {id} was deleted.</p>;
  return (
    <section>
      <h1>Tenant {id}</h1>
      <ProblemBanner problem={credentials.problem} />
      <table>
        <caption>Credentials</caption>
        <thead>
          <tr>
            <th scope="col">Kind</th>
            <th scope="col">Status</th>
            <th scope="col">Access expires</th>
            <th scope="col">Last renewed</th>
            <th scope="col">Last error</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {(credentials.data?.items ?? []).map((c) => (
            <tr key={c.id} data-credential={c.id}>
              <td>
                {c.kind} <code>{c.id.slice(0, 8)}</code>
              </td>
              <td>
                <Status value={c.status} />
              </td>
              <td>{when(c.access_expires_at)}</td>
              <td>{when(c.last_renewed_at)}</td>
              <td>{c.last_error ?? '—'}</td>
              <td className="actions">
                <ActionForm
                  label="Force renewal"
                  action={async () => {
                    const p = { id, credentialId: c.id };
                    unwrap(
                      await api.POST('/v1/tenants/{id}/credentials/{credentialId}/renewals', {
                        params: { path: p },
                        body: {},
                      }),
                    );
                    credentials.reload();
                  }}
                />
                <ActionForm
                  label="Delete"
                  confirm={`Revoke and delete this ${c.kind} credential of ${id}?`}
                  action={async () => {
                    const p = { id, credentialId: c.id };
                    unwrap(
                      await api.DELETE('/v1/tenants/{id}/credentials/{credentialId}', {
                        params: { path: p },
                      }),
                    );
                    credentials.reload();
                  }}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Onboarding tenantId={id} done={credentials.reload} />
      <h2>Danger zone</h2>
      <ActionForm
        label="Delete tenant"
        confirm={`Delete tenant ${id}? Its tokens are revoked at Particle and its secrets erased.`}
        action={async () => {
          unwrap(await api.DELETE('/v1/tenants/{id}', { params: { path } }));
          setDeleted(true);
        }}
      />
    </section>
  );
}
