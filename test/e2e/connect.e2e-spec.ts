import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../support/clock.js';
import { Call, client } from '../support/http.js';
import { ParticleFake } from '../support/particle-fake.js';
import { freePort } from '../support/process.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';

const WEB_SECRET = 'web-client-secret-cccccccccccccccc';
const RANDOM_TOKEN = /^[A-Za-z0-9_-]{43}$/;
const MINUTE = 60_000;

interface Answer {
  status: number;
  location: string | null;
  headers: Headers;
  text: string;
}

interface AuditItem {
  actor: string;
  tenant_id: string;
  target: string | null;
  outcome: string;
  details: Record<string, unknown>;
}

interface SessionRow {
  opened_at: Date | null;
  completed_at: Date | null;
  outcome: string | null;
  credential_id: string | null;
}

describe('connect flow (authorization code)', () => {
  let fake: ParticleFake;
  let t: TestApp;
  let api: Call;
  let publicUrl: string;
  let callbackUrl: string;
  const clock = new TestClock();
  const admin = { key: TEST_ADMIN_KEY };
  const apiBodies: string[] = [];
  const browserBodies: string[] = [];
  /** Every link token, state and code the flow produced, for the leak check at the end. */
  const links: string[] = [];
  const flowSecrets: string[] = [];

  /** One browser step: no redirect is followed, so each hop is checked. */
  async function browse(url: string): Promise<Answer> {
    const res = await fetch(url, { redirect: 'manual' });
    const text = await res.text();
    if (url.startsWith(publicUrl)) browserBodies.push(text);
    return { status: res.status, location: res.headers.get('location'), headers: res.headers, text };
  }

  async function newLink(body: Record<string, unknown> = { oauth_client_id: 'acme-web' }): Promise<string> {
    const res = await api<{ url: string; expires_at: string }>('POST', '/v1/tenants/acme/connect-sessions', {
      ...admin,
      body,
    });
    expect(res.status).toBe(201);
    const link = res.body.url.slice(`${publicUrl}/connect/`.length);
    expect(link).toMatch(RANDOM_TOKEN);
    links.push(link);
    return res.body.url;
  }

  /** Opens the link and lets the fake decide at its consent page: the broker's callback URL, with code or error. */
  async function throughConsent(linkUrl: string): Promise<URL> {
    const opened = await browse(linkUrl);
    expect(opened.status).toBe(302);
    const authorize = new URL(opened.location ?? '');
    flowSecrets.push(authorize.searchParams.get('state') ?? '');
    const consent = await browse(authorize.toString());
    expect(consent.status).toBe(302);
    const callback = new URL(consent.location ?? '');
    expect(callback.origin + callback.pathname).toBe(callbackUrl);
    if (callback.searchParams.get('code')) flowSecrets.push(callback.searchParams.get('code') ?? '');
    return callback;
  }

  const sessionRows = () =>
    t.db.query<SessionRow>(
      'SELECT opened_at, completed_at, outcome, credential_id FROM connect_sessions ORDER BY created_at',
    );
  const credentialCount = async () => (await t.db.query('SELECT id FROM credentials')).length;
  const codeExchanges = () => fake.tokenCalls({ grantType: 'authorization_code' });
  const auditOf = async (action: string) =>
    (await api<{ items: AuditItem[] }>('GET', `/v1/audit-events?action=${action}`, admin)).body.items;

  beforeAll(async () => {
    fake = await ParticleFake.start();
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    callbackUrl = `${publicUrl}/oauth/callback`;
    fake.addClient({
      id: 'acme-web-1',
      secret: WEB_SECRET,
      kind: 'product',
      type: 'web',
      redirectUri: callbackUrl,
      productId: 1001,
    });
    t = await startTestApp({
      env: {
        PARTICLE_API_URL: fake.url,
        BROKER_PUBLIC_URL: publicUrl,
        BROKER_RETURN_ORIGINS: 'https://console.acme.example',
      },
      clock,
      port,
    });
    expect(t.url).toBe(publicUrl);
    api = client(t.url, apiBodies);
    await api('POST', '/v1/tenants', { ...admin, body: { id: 'acme', name: 'Acme' } });
    const clients = [
      { id: 'acme-web', client_id: 'acme-web-1', type: 'web', redirect_uri: callbackUrl },
      { id: 'acme-installed', client_id: 'acme-inst-1', type: 'installed' },
      {
        id: 'acme-web-elsewhere',
        client_id: 'acme-web-2',
        type: 'web',
        redirect_uri: 'https://app.acme.example/cb',
      },
    ];
    for (const c of clients) {
      const res = await api('POST', '/v1/oauth-clients', {
        ...admin,
        body: { ...c, tenant_id: 'acme', client_secret: WEB_SECRET, product_id: '1001' },
      });
      expect(res.status).toBe(201);
    }
  });
  afterEach(() => {
    fake.authorizeApprovals = 'approve';
    fake.clearFaults();
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('connects a Particle account: link -> Particle consent -> callback -> return_to, and stores the credential', async () => {
    const linkUrl = await newLink({ oauth_client_id: 'acme-web', return_to: `${publicUrl}/done?from=test` });
    // A link scanner's HEAD does not spend the link.
    expect((await fetch(linkUrl, { method: 'HEAD', redirect: 'manual' })).status).toBe(200);
    expect((await sessionRows())[0]?.opened_at).toBeNull();
    const opened = await browse(linkUrl);
    expect(opened.status).toBe(302);
    expect(opened.headers.get('cache-control')).toBe('no-store');
    const authorize = new URL(opened.location ?? '');
    expect(authorize.origin + authorize.pathname).toBe(`${fake.url}/oauth/authorize`);
    const state = authorize.searchParams.get('state') ?? '';
    flowSecrets.push(state);
    expect(state).toMatch(RANDOM_TOKEN);
    expect(Object.fromEntries(authorize.searchParams)).toEqual({
      client_id: 'acme-web-1',
      response_type: 'code',
      redirect_uri: callbackUrl,
      state,
    });
    const consent = await browse(authorize.toString());
    const callback = new URL(consent.location ?? '');
    flowSecrets.push(callback.searchParams.get('code') ?? '');
    expect(callback.searchParams.get('state')).toBe(state);

    const done = await browse(callback.toString());
    expect(done.status).toBe(302);
    expect(done.headers.get('referrer-policy')).toBe('no-referrer');
    expect(done.headers.get('cache-control')).toBe('no-store');
    const back = new URL(done.location ?? '');
    expect(back.origin + back.pathname).toBe(`${publicUrl}/done`);
    expect(back.searchParams.get('from')).toBe('test');
    expect(back.searchParams.get('connect')).toBe('success');
    const credentialId = back.searchParams.get('credential_id') ?? '';

    const list = await api<{
      items: { id: string; kind: string; oauth_client_id: string; refresh_expires_at: string | null }[];
    }>('GET', '/v1/tenants/acme/credentials', admin);
    expect(list.body.items).toEqual([
      expect.objectContaining({ id: credentialId, kind: 'authorization_code', oauth_client_id: 'acme-web' }),
    ]);
    expect(list.body.items[0]?.refresh_expires_at).not.toBeNull();
    expect(codeExchanges()).toBe(1);
    const exchange = fake.requests.find((r) => r.form?.grant_type === 'authorization_code');
    expect(exchange?.form).toMatchObject({
      code: callback.searchParams.get('code'),
      redirect_uri: callbackUrl,
    });
    // ParticleClient's call (client authenticated by HTTP Basic), not node-oauth's (secret in the form).
    expect(exchange?.headers.authorization).toMatch(/^Basic /);
    expect(exchange?.form?.client_secret).toBeUndefined();
    const rows = await sessionRows();
    expect(rows).toEqual([expect.objectContaining({ outcome: 'success', credential_id: credentialId })]);
    expect(rows[0]?.completed_at).toBeInstanceOf(Date);
    expect(await auditOf('credential.connect')).toEqual([
      expect.objectContaining({
        actor: 'connect-link',
        tenant_id: 'acme',
        target: credentialId,
        outcome: 'success',
      }),
    ]);
    expect((await auditOf('connect_session.create')).length).toBeGreaterThan(0);

    // The link is single use, and so is the state: a replayed callback changes nothing.
    const again = await browse(linkUrl);
    expect(again.status).toBe(410);
    expect(again.location).toBeNull();
    expect(again.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const replay = await browse(callback.toString());
    expect(replay.status).toBe(400);
    expect(replay.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(replay.headers.get('cache-control')).toBe('no-store');
    expect(codeExchanges()).toBe(1);
    expect(await credentialCount()).toBe(1);
    expect((await sessionRows())[0]).toMatchObject({ outcome: 'success', credential_id: credentialId });
  });

  it('turns away a forged state without touching the session that is waiting', async () => {
    const callback = await throughConsent(await newLink());
    const before = await sessionRows();
    const forged = new URL(callback);
    forged.searchParams.set('state', 'A'.repeat(43));
    expect((await browse(forged.toString())).status).toBe(400);
    expect((await browse(`${callbackUrl}?code=abc`)).status).toBe(400);
    expect((await browse(callbackUrl)).status).toBe(400);
    expect(await sessionRows()).toEqual(before);
    // The genuine callback still works: the forgery consumed nothing.
    const done = await browse(callback.toString());
    expect(done.status).toBe(200);
    expect(done.text).toContain('Connected');
    expect(codeExchanges()).toBe(2);
  });

  it('refuses an expired link, and an expired state at the callback', async () => {
    const unopened = await newLink();
    clock.advance(11 * MINUTE);
    expect((await browse(unopened)).status).toBe(410);

    const callback = await throughConsent(await newLink());
    clock.advance(11 * MINUTE);
    const credentials = await credentialCount();
    const exchanges = codeExchanges();
    const late = await browse(callback.toString());
    expect(late.status).toBe(400);
    expect(late.text).toContain('Nothing was changed');
    expect((await sessionRows()).at(-1)).toMatchObject({ completed_at: null, outcome: null });
    expect(codeExchanges()).toBe(exchanges);
    expect(await credentialCount()).toBe(credentials);
  });

  it('records a denial, stores nothing and says so', async () => {
    fake.authorizeApprovals = 'deny';
    const credentials = await credentialCount();
    const callback = await throughConsent(
      await newLink({ oauth_client_id: 'acme-web', return_to: 'https://console.acme.example/x' }),
    );
    expect(callback.searchParams.get('error')).toBe('access_denied');
    const done = await browse(callback.toString());
    expect(done.status).toBe(302);
    expect(done.location).toBe('https://console.acme.example/x?connect=denied');
    const denied = (await sessionRows()).at(-1);
    expect(denied).toMatchObject({ outcome: 'denied', credential_id: null });
    expect(denied?.completed_at).toBeInstanceOf(Date);
    expect((await browse(callback.toString())).status).toBe(400);

    const page = await browse((await throughConsent(await newLink())).toString());
    expect(page.status).toBe(200);
    expect(page.text).toContain('declined');
    expect(await credentialCount()).toBe(credentials);
    expect((await auditOf('credential.connect')).filter((e) => e.outcome === 'denied')).toHaveLength(2);
  });

  it('stores nothing when the code exchange fails, and tells the person', async () => {
    const credentials = await credentialCount();
    fake.injectFault({ kind: 'status', status: 500 }, { path: '/oauth/token', times: 1 });
    const outage = await browse((await throughConsent(await newLink())).toString());
    expect(outage.status).toBe(503);
    expect(outage.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect((await sessionRows()).at(-1)).toMatchObject({ outcome: 'failed', credential_id: null });

    fake.injectFault(
      { kind: 'status', status: 400, body: { error: 'invalid_grant', error_description: 'Invalid code' } },
      { path: '/oauth/token', times: 1 },
    );
    const refused = await browse((await throughConsent(await newLink())).toString());
    expect(refused.status).toBe(502);
    expect(await credentialCount()).toBe(credentials);
    expect(
      (await auditOf('credential.connect')).slice(0, 2).map((e) => [e.outcome, e.details.error]),
    ).toEqual([
      ['failure', 'invalid_grant'],
      ['failure', 'unavailable'],
    ]);
  });

  it('validates new sessions: client, return_to, tenant', async () => {
    const create = (body: Record<string, unknown>, tenant = 'acme') =>
      api('POST', `/v1/tenants/${tenant}/connect-sessions`, { ...admin, body });
    for (const body of [
      { oauth_client_id: 'acme-web', return_to: 'https://evil.example/' },
      { oauth_client_id: 'acme-web', return_to: '/relative' },
      { oauth_client_id: 'acme-web', return_to: `${publicUrl.replace('http:', 'https:')}/x` },
      { oauth_client_id: 'acme-installed' },
      { oauth_client_id: 'acme-web-elsewhere' },
      { oauth_client_id: 'nope' },
      { oauth_client_id: 'acme-web', extra: 1 },
      {},
    ]) {
      const res = await create(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body).toMatchObject({ code: 'validation_failed' });
    }
    expect((await create({ oauth_client_id: 'acme-web' }, 'ghost')).status).toBe(404);
    const ok = await create({ oauth_client_id: 'acme-web', return_to: 'https://console.acme.example/back' });
    expect(ok.status).toBe(201);
    links.push(String(ok.body.url).split('/connect/')[1] ?? '');
  });

  it('refuses service keys', async () => {
    const key = await api<{ key: string }>('POST', '/v1/api-keys', {
      ...admin,
      body: { name: 'svc', role: 'service', tenants: ['acme'] },
    });
    const res = await api('POST', '/v1/tenants/acme/connect-sessions', {
      key: key.body.key,
      body: { oauth_client_id: 'acme-web' },
    });
    expect(res.status).toBe(403);
  });

  it('never shows a code, state or token in logs or response bodies', () => {
    const secrets = [...flowSecrets, ...fake.allIssuedSecrets()].filter((s) => s.length >= 8);
    expect(flowSecrets.length).toBeGreaterThan(10);
    const logs = t.logs.text();
    const responses = [...apiBodies, ...browserBodies].join('\n');
    for (const secret of secrets) {
      expect(logs.includes(secret), 'a secret in the logs').toBe(false);
      expect(responses.includes(secret), 'a secret in a response').toBe(false);
    }
  });

  it('shows a link only once, to the admin who created it', () => {
    expect(links.length).toBeGreaterThan(5);
    const pages = browserBodies.join('\n');
    for (const link of links) expect(pages.includes(link), 'a link in a page').toBe(false);
  });

  it('never writes a connect link to the logs', () => {
    const logs = t.logs.text();
    expect(logs).toContain('/connect/[redacted]');
    for (const link of links) expect(logs.includes(link), 'a link in the logs').toBe(false);
  });
});
