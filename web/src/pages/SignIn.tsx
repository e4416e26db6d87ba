import { useState } from 'react';
import { api, unwrap } from '../api/client';
import { ActionForm, Field } from '../ui';

/** The admin key is exchanged for an HttpOnly session cookie; it is never kept by the browser. */
export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [key, setKey] = useState('');
  return (
    <main className="sign-in">
      <h1>Sign in to the broker console</h1>
      <ActionForm
        label="Sign in"
        action={async () => {
          unwrap(await api.POST('/v1/console/session', { body: { api_key: key } }));
          setKey('');
          onSignedIn();
        }}
      >
        <Field label="Admin API key" name="api_key" type="password" value={key} onChange={setKey} required />
      </ActionForm>
    </main>
  );
}
