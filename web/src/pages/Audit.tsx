import { useEffect, useState } from 'react';
import { api, unwrap } from '../api/client';
import { Field, ProblemBanner, useLoad, when } from '../ui';

const TAIL_MS = 3_000;

export function AuditPage() {
  const [tenant, setTenant] = useState('');
  const [action, setAction] = useState('');
  const [live, setLive] = useState(true);
  const events = useLoad(async () => {
    const query = { limit: 100, ...(tenant ? { tenant_id: tenant } : {}), ...(action ? { action } : {}) };
    return unwrap(await api.GET('/v1/audit-events', { params: { query } }));
  }, [tenant, action]);
  const { reload } = events;
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(reload, TAIL_MS);
    return () => clearInterval(timer);
  }, [live, reload]);
  return (
    <section>
      <h1>Audit</h1>
      <ProblemBanner problem={events.problem} />
      <div className="filters">
        <Field label="Tenant" name="tenant_id" value={tenant} onChange={setTenant} />
        <Field label="Action" name="action" value={action} onChange={setAction} placeholder="token.issue" />
        <label className="field">
          <span>Live tail</span>
          <input type="checkbox" name="live" checked={live} onChange={(e) => setLive(e.target.checked)} />
        </label>
      </div>
      <table>
        <caption>Newest first</caption>
        <thead>
          <tr>
            <th scope="col">At</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Tenant</th>
            <th scope="col">Outcome</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {(events.data?.items ?? []).map((e) => (
            <tr key={e.id}>
              <td>{when(e.at)}</td>
              <td className="actor">{e.actor}</td>
              <td>{e.action}</td>
              <td>{e.tenant_id ?? '—'}</td>
              <td>{e.outcome}</td>
              <td>
                <code>{JSON.stringify(e.details)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
