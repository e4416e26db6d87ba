import { useState } from 'react';
import { api, unwrap } from '../api/client';
import { ActionForm, Field } from '../ui';

type Kind = 'client_credentials' | 'password' | 'token' | 'connect';

/** Onboarding of every kind (design.md §6), the MFA step included, and connect links to copy. */
export function Onboarding({ tenantId, done }: { tenantId: string; done: () => void }) {
  const path = { id: tenantId };
  const [kind, setKind] = useState<Kind>('client_credentials');
  const [client, setClient] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');
  const [otp, setOtp] = useState('');
  const [challenge, setChallenge] = useState<string | undefined>(undefined);
  const [link, setLink] = useState<string | undefined>(undefined);
  const [message, setMessage] = useState<string | undefined>(undefined);
  const finished = (what: string) => {
    setMessage(what);
    setPassword('');
    setToken('');
    setOtp('');
    setChallenge(undefined);
    done();
  };

  const create = async () => {
    setMessage(undefined);
    if (kind === 'connect') {
      const created = unwrap(
        await api.POST('/v1/tenants/{id}/connect-sessions', {
          params: { path },
          body: { oauth_client_id: client },
        }),
      );
      setLink(created.url);
      return;
    }
    const body =
      kind === 'client_credentials'
        ? { kind, oauth_client_id: client }
        : kind === 'password'
          ? { kind, username, password, ...(client ? { oauth_client_id: client } : {}) }
          : { kind, access_token: token };
    const result = await api.POST('/v1/tenants/{id}/credentials', { params: { path }, body });
    const created = unwrap(result);
    if (result.response.status === 202 && 'challenge_id' in created) {
      setPassword('');
      setChallenge(created.challenge_id);
      return;
    }
    finished(`Credential ${kind} created.`);
  };

  return (
    <section aria-labelledby="onboard">
      <h2 id="onboard">Add a credential</h2>
      {message && <p role="status">{message}</p>}
      {challenge ? (
        <ActionForm
          label="Verify code"
          action={async () => {
            const body = { challenge_id: challenge, otp };
            unwrap(await api.POST('/v1/tenants/{id}/credentials/mfa', { params: { path }, body }));
            finished('Credential password created after the MFA step.');
          }}
        >
          <p>Particle asks for the one-time code of {username}.</p>
          <Field label="One-time code" name="otp" value={otp} onChange={setOtp} required />
        </ActionForm>
      ) : (
        <ActionForm label={kind === 'connect' ? 'Create connect link' : 'Add credential'} action={create}>
          <label className="field">
            <span>Kind</span>
            <select name="kind" value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
              <option value="client_credentials">Client credentials (product OAuth client)</option>
              <option value="password">Password (username and password, MFA if asked)</option>
              <option value="token">Token (an existing access token)</option>
              <option value="connect">Connect link (the tenant's person signs in with Particle)</option>
            </select>
          </label>
          {kind !== 'token' && (
            <Field
              label={kind === 'password' ? 'OAuth client id (optional)' : 'OAuth client id'}
              name="oauth_client_id"
              value={client}
              onChange={setClient}
              required={kind !== 'password'}
            />
          )}
          {kind === 'password' && (
            <>
              <Field label="Username" name="username" value={username} onChange={setUsername} required />
              <Field
                label="Password"
                name="password"
                type="password"
                value={password}
                onChange={setPassword}
                required
              />
            </>
          )}
          {kind === 'token' && (
            <Field
              label="Access token"
              name="access_token"
              type="password"
              value={token}
              onChange={setToken}
              required
            />
          )}
        </ActionForm>
      )}
      {link && (
        <p>
          Connect link (one use): <a href={link}>{link}</a>{' '}
          <button type="button" onClick={() => void navigator.clipboard?.writeText(link)}>
            Copy
          </button>
        </p>
      )}
    </section>
  );
}
