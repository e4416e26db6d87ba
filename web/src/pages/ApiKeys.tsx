import { useState } from 'react';
import { api, unwrap } from '../api/client';
import { ActionForm, Field, ProblemBanner, ShownOnce, useLoad, when } from '../ui';

export function ApiKeysPage() {
  const keys = useLoad(async () => unwrap(await api.GET('/v1/api-keys')));
  const [name, setName] = useState('');
  const [role, setRole] = useState<'admin' | 'service' | 'proxy'>('service');
  const [tenants, setTenants] = useState('*');
  const [grace, setGrace] = useState('0');
  const [shown, setShown] = useState<{ label: string; key: string } | undefined>(undefined);
  return (
    <section>
      <h1>API keys</h1>
      <ProblemBanner problem={keys.problem} />
      {shown && <ShownOnce label={shown.label} value={shown.key} />}
      <table>
        <caption>API keys</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
            <th scope="col">Tenants</th>
            <th scope="col">Prefix</th>
            <th scope="col">Last used</th>
            <th scope="col">Expires</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {(keys.data?.items ?? []).map((k) => (
            <tr key={k.id}>
              <td>{k.name}</td>
              <td>{k.role}</td>
              <td>{k.tenants.join(', ')}</td>
              <td>
                <code>{k.key_prefix}</code>
              </td>
              <td>{when(k.last_used_at)}</td>
              <td>{when(k.expires_at)}</td>
              <td className="actions">
                <ActionForm
                  label="Rotate"
                  action={async () => {
                    const body = { grace_seconds: Number(grace) };
                    const rotated = unwrap(
                      await api.POST('/v1/api-keys/{id}/rotate', { params: { path: { id: k.id } }, body }),
                    );
                    setShown({ label: `New key for ${k.name}`, key: rotated.key });
                    keys.reload();
                  }}
                />
                <ActionForm
                  label="Delete"
                  confirm={`Delete the key ${k.name}? Callers using it are refused within 5 s.`}
                  action={async () => {
                    unwrap(await api.DELETE('/v1/api-keys/{id}', { params: { path: { id: k.id } } }));
                    keys.reload();
                  }}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Field label="Grace for rotations (seconds)" name="grace_seconds" value={grace} onChange={setGrace} />
      <h2>New key</h2>
      <ActionForm
        label="Create key"
        action={async () => {
          const body = {
            name,
            role,
            tenants: tenants
              .split(',')
              .map((t) => t.trim())
              .filter(Boolean),
          };
          const created = unwrap(await api.POST('/v1/api-keys', { body }));
          setShown({ label: `Key ${created.name}`, key: created.key });
          setName('');
          keys.reload();
        }}
      >
        <Field label="Name" name="name" value={name} onChange={setName} required />
        <label className="field">
          <span>Role</span>
          <select name="role" value={role} onChange={(e) => setRole(e.target.value as typeof role)}>
            <option value="service">service (tokens and the proxy)</option>
            <option value="proxy">proxy (the proxy only)</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <Field
          label="Tenants (comma-separated, or *)"
          name="tenants"
          value={tenants}
          onChange={setTenants}
          required
        />
      </ActionForm>
    </section>
  );
}
