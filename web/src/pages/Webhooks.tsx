import { useState } from 'react';
import { api, unwrap } from '../api/client';
import { ActionForm, Field, ProblemBanner, ShownOnce, useLoad, when } from '../ui';

function Deliveries({ id }: { id: string }) {
  const list = useLoad(
    async () => unwrap(await api.GET('/v1/webhooks/{id}/deliveries', { params: { path: { id } } })),
    [id],
  );
  return (
    <table>
      <caption>Recent deliveries</caption>
      <thead>
        <tr>
          <th scope="col">Event</th>
          <th scope="col">State</th>
          <th scope="col">Attempt</th>
          <th scope="col">Status</th>
          <th scope="col">At</th>
        </tr>
      </thead>
      <tbody>
        {(list.data?.items ?? []).map((d) => (
          <tr key={d.id}>
            <td>{d.type}</td>
            <td>{d.state}</td>
            <td>{d.attempt}</td>
            <td>{d.status_code ?? d.error ?? '—'}</td>
            <td>{when(d.at)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function WebhooksPage() {
  const hooks = useLoad(async () => unwrap(await api.GET('/v1/webhooks')));
  const [url, setUrl] = useState('');
  const [shown, setShown] = useState<{ label: string; secret: string } | undefined>(undefined);
  const [open, setOpen] = useState<string | undefined>(undefined);
  return (
    <section>
      <h1>Webhooks</h1>
      <ProblemBanner problem={hooks.problem} />
      {shown && <ShownOnce label={shown.label} value={shown.secret} />}
      {(hooks.data?.items ?? []).map((h) => (
        <article key={h.id} className="card" aria-labelledby={`hook-${h.id}`}>
          <h2 id={`hook-${h.id}`}>{h.url}</h2>
          <p>
            Events {h.events.join(', ')} for tenants {h.tenants.join(', ')}. {h.description ?? ''}
          </p>
          <div className="actions">
            <button type="button" onClick={() => setOpen(open === h.id ? undefined : h.id)}>
              {open === h.id ? 'Hide deliveries' : 'Show deliveries'}
            </button>
            <ActionForm
              label="Send a test event"
              action={async () => {
                unwrap(await api.POST('/v1/webhooks/{id}/test', { params: { path: { id: h.id } } }));
              }}
            />
            <ActionForm
              label="Rotate secret (old one valid 24 h)"
              action={async () => {
                const rotated = unwrap(
                  await api.POST('/v1/webhooks/{id}/rotate-secret', {
                    params: { path: { id: h.id } },
                    body: { grace_seconds: 86_400 },
                  }),
                );
                setShown({ label: `New signing secret for ${h.url}`, secret: rotated.secret });
              }}
            />
            <ActionForm
              label="Delete"
              confirm={`Delete the webhook to ${h.url}?`}
              action={async () => {
                unwrap(await api.DELETE('/v1/webhooks/{id}', { params: { path: { id: h.id } } }));
                hooks.reload();
              }}
            />
          </div>
          {open === h.id && <Deliveries id={h.id} />}
        </article>
      ))}
      <h2>New webhook</h2>
      <ActionForm
        label="Create webhook"
        action={async () => {
          const created = unwrap(
            await api.POST('/v1/webhooks', { body: { url, events: ['*'], tenants: ['*'] } }),
          );
          setShown({ label: `Signing secret for ${created.url}`, secret: created.secret });
          setUrl('');
          hooks.reload();
        }}
      >
        <Field
          label="URL"
          name="url"
          value={url}
          onChange={setUrl}
          required
          placeholder="https://ops.example/hooks"
        />
      </ActionForm>
    </section>
  );
}
