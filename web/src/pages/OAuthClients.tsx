import { useState } from 'react';
import { api, unwrap } from '../api/client';
import { ActionForm, Field, ProblemBanner, Status, useLoad, when } from '../ui';

export function OAuthClientsPage() {
  const clients = useLoad(async () => unwrap(await api.GET('/v1/oauth-clients')));
  const [secret, setSecret] = useState('');
  const [grace, setGrace] = useState('86400');
  const [message, setMessage] = useState<string | undefined>(undefined);
  return (
    <section>
      <h1>OAuth clients</h1>
      <ProblemBanner problem={clients.problem} />
      {message && <p role="status">{message}</p>}
      <Field
        label="New client secret (for a manual rotation)"
        name="client_secret"
        type="password"
        value={secret}
        onChange={setSecret}
      />
      <Field label="Grace (seconds)" name="grace_seconds" value={grace} onChange={setGrace} />
      {(clients.data?.items ?? []).map((c) => (
        <article key={c.id} className="card" aria-labelledby={`client-${c.id}`}>
          <h2 id={`client-${c.id}`}>
            {c.id} <Status value={c.status} />
          </h2>
          <p>
            {c.type} client <code>{c.client_id}</code> of {c.tenant_id ?? 'every tenant'}
            {c.product_id ? `, product ${c.product_id}` : ''}
            {c.last_error ? `. Last error: ${c.last_error}` : ''}
          </p>
          <table>
            <caption>Secret versions of {c.id}</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Client id</th>
                <th scope="col">State</th>
                <th scope="col">Created</th>
                <th scope="col">Retired after</th>
              </tr>
            </thead>
            <tbody>
              {c.secret_versions.map((v) => (
                <tr key={v.version}>
                  <td>{v.version}</td>
                  <td>
                    <code>{v.client_id}</code>
                  </td>
                  <td>{v.state}</td>
                  <td>{when(v.created_at)}</td>
                  <td>{when(v.retire_after)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="actions">
            <ActionForm
              label="Rotate with the new secret"
              action={async () => {
                const body = { client_secret: secret, grace_seconds: Number(grace) };
                unwrap(
                  await api.POST('/v1/oauth-clients/{id}/rotations', {
                    params: { path: { id: c.id } },
                    body,
                  }),
                );
                setSecret('');
                setMessage(`${c.id}: the new secret is active (Particle accepted it).`);
                clients.reload();
              }}
            />
            <ActionForm
              label="Rotate at Particle"
              confirm={`Let the broker create a new client at Particle for ${c.id} and switch over?`}
              action={async () => {
                const body = { mode: 'particle' as const, grace_seconds: Number(grace) };
                unwrap(
                  await api.POST('/v1/oauth-clients/{id}/rotations', {
                    params: { path: { id: c.id } },
                    body,
                  }),
                );
                setMessage(`${c.id}: rotated at Particle.`);
                clients.reload();
              }}
            />
            <ActionForm
              label="Roll back"
              confirm={`Go back to the previous secret of ${c.id}?`}
              action={async () => {
                unwrap(
                  await api.POST('/v1/oauth-clients/{id}/rotations/rollback', {
                    params: { path: { id: c.id } },
                  }),
                );
                setMessage(`${c.id}: rolled back to the previous secret.`);
                clients.reload();
              }}
            />
          </div>
        </article>
      ))}
    </section>
  );
}
