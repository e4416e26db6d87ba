import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../support/clock.js';
import { Call, client, HttpResult } from '../support/http.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';

const admin = { key: TEST_ADMIN_KEY };
const IDLE_S = 600;
const MAX_S = 1800;
const CONSOLE_HEADER = { 'x-requested-with': 'ptb-console' };

function sessionOf(res: HttpResult): string {
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('ptb_session='));
  const token = /^ptb_session=([^;]+)/.exec(cookie ?? '')?.[1];
  if (!token) throw new Error(`no session cookie in ${res.status} ${res.text}`);
  return token;
}

describe('console sessions', () => {
  let t: TestApp;
  let api: Call;
  const clock = new TestClock();
  let opsKey: string;
  let opsKeyId: string;

  const signIn = (apiKey: string) => api('POST', '/v1/console/session', { body: { api_key: apiKey } });
  const withCookie = (token: string, headers: Record<string, string> = {}) => ({
    headers: { cookie: `ptb_session=${token}`, ...headers },
  });
  const sessionRows = async () =>
    Number((await t.db.query<{ n: string }>('SELECT count(*) AS n FROM console_sessions'))[0]?.n);
  const tenantIds = async () =>
    (await t.db.query<{ id: string }>('SELECT id FROM tenants ORDER BY id')).map((r) => r.id);
  async function adminKey(name: string, extra: Record<string, unknown> = {}) {
    const res = await api<{ id: string; key: string }>('POST', '/v1/api-keys', {
      ...admin,
      body: { name, role: 'admin', tenants: ['*'], ...extra },
    });
    expect(res.status).toBe(201);
    return res.body;
  }

  beforeAll(async () => {
    t = await startTestApp({
      env: { CONSOLE_SESSION_IDLE_SECONDS: String(IDLE_S), CONSOLE_SESSION_MAX_SECONDS: String(MAX_S) },
      clock,
    });
    api = client(t.url);
    ({ key: opsKey, id: opsKeyId } = await adminKey('ops-alice'));
  });
  afterAll(async () => {
    await t.close();
  });

  it('signs in with an admin key: 204, an HttpOnly SameSite=Strict cookie, and only a hash stored', async () => {
    const res = await signIn(opsKey);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('ptb_session=')) ?? '';
    const attributes = cookie.split(';').map((a) => a.trim().toLowerCase());
    expect(attributes).toEqual(expect.arrayContaining(['httponly', 'samesite=strict', 'path=/']));
    // The public URL is http here: a Secure cookie would never come back.
    expect(attributes).not.toContain('secure');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const token = sessionOf(res);
    expect(token).toMatch(/^ptbs_/);
    const rows = await t.db.query<{ token_hash: Buffer; api_key_hash: Buffer }>(
      'SELECT token_hash, api_key_hash FROM console_sessions',
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.token_hash.toString('utf8')).not.toContain(token);
    expect(rows[0]?.token_hash.length).toBe(32);
    const audit = await t.db.query<{ actor: string; outcome: string; target: string }>(
      `SELECT actor, outcome, target FROM audit_events WHERE action = 'console.sign_in'`,
    );
    expect(audit).toEqual([{ actor: 'console:ops-alice', outcome: 'success', target: opsKeyId }]);
  });

  it('lets the cookie call the API as its admin key, and an unsafe method only with X-Requested-With', async () => {
    const token = sessionOf(await signIn(opsKey));
    const listed = await api('GET', '/v1/tenants', withCookie(token));
    expect(listed.status).toBe(200);
    expect((await api('GET', '/v1/admin/overview', withCookie(token))).status).toBe(200);

    const bare = await api('POST', '/v1/tenants', {
      ...withCookie(token),
      body: { id: 'no-header', name: 'x' },
    });
    expect(bare.status).toBe(403);
    expect(bare.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(bare.body).toMatchObject({ code: 'forbidden' });
    const wrong = await api('POST', '/v1/tenants', {
      ...withCookie(token, { 'x-requested-with': 'XMLHttpRequest' }),
      body: { id: 'wrong-header', name: 'x' },
    });
    expect(wrong.status).toBe(403);
    expect(await tenantIds()).toEqual([]);

    const created = await api('POST', '/v1/tenants', {
      ...withCookie(token, CONSOLE_HEADER),
      body: { id: 'by-console', name: 'Made in the console' },
    });
    expect(created.status).toBe(201);
    const audit = await t.db.query<{ actor: string }>(
      `SELECT actor FROM audit_events WHERE action = 'tenant.create' AND target = 'by-console'`,
    );
    expect(audit).toEqual([{ actor: 'console:ops-alice' }]);
    const deleted = await api('DELETE', '/v1/tenants/by-console', withCookie(token));
    expect(deleted.status).toBe(403);
    expect(await tenantIds()).toEqual(['by-console']);
  });

  it('refuses what another site could send with the cookie: a form post, a text/plain post', async () => {
    const token = sessionOf(await signIn(opsKey));
    const form = await api('POST', '/v1/tenants', {
      ...withCookie(token, {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'https://evil.example',
      }),
      rawBody: 'id=from-a-form&name=evil',
    });
    expect([403, 415]).toContain(form.status);
    expect(form.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const plain = await api('POST', '/v1/tenants', {
      ...withCookie(token, { 'content-type': 'text/plain', origin: 'https://evil.example' }),
      rawBody: JSON.stringify({ id: 'from-text-plain', name: 'evil' }),
    });
    expect(plain.status).toBe(403);
    const sweep = await api(
      'POST',
      '/v1/admin/refresh-runs',
      withCookie(token, { origin: 'https://evil.example' }),
    );
    expect(sweep.status).toBe(403);
    expect(await tenantIds()).toEqual(['by-console']);
  });

  it('holds the Particle proxy to the same rule: an unsafe method with the cookie needs the header', async () => {
    const token = sessionOf(await signIn(opsKey));
    const bare = await api('POST', '/v1/tenants/by-console/particle/v1/devices/abc/led', {
      ...withCookie(token),
      body: { arg: 'on' },
    });
    expect(bare.status).toBe(403);
    expect(bare.body).toMatchObject({ code: 'forbidden' });
    const noSession = await api('GET', '/v1/tenants/by-console/particle/v1/devices', {
      headers: { cookie: 'ptb_session=ptbs_forged' },
    });
    expect(noSession.status).toBe(401);
  });

  it('never answers with CORS headers, a preflight included', async () => {
    const token = sessionOf(await signIn(opsKey));
    const preflight = await fetch(`${t.url}/v1/tenants`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-requested-with, content-type',
      },
    });
    await preflight.text();
    const get = await api('GET', '/v1/tenants', withCookie(token, { origin: 'https://evil.example' }));
    for (const headers of [preflight.headers, get.headers]) {
      expect([...headers.keys()].filter((h) => h.startsWith('access-control-'))).toEqual([]);
    }
  });

  it('prefers an Authorization header to the cookie, and refuses a bad one whatever the cookie', async () => {
    const token = sessionOf(await signIn(opsKey));
    const bad = await api(
      'GET',
      '/v1/tenants',
      withCookie(token, { authorization: 'Bearer ptb_not-a-key-at-all' }),
    );
    expect(bad.status).toBe(401);
    const junk = await api('GET', '/v1/tenants', { headers: { cookie: 'ptb_session=ptbs_forged' } });
    expect(junk.status).toBe(401);
    expect(junk.body).toMatchObject({ code: 'unauthorized' });
  });

  it('signs out: 403 without the header, then 204 clearing the cookie, and the session is gone', async () => {
    const token = sessionOf(await signIn(opsKey));
    const refused = await api('DELETE', '/v1/console/session', withCookie(token));
    expect(refused.status).toBe(403);
    expect((await api('GET', '/v1/tenants', withCookie(token))).status).toBe(200);

    const out = await api('DELETE', '/v1/console/session', withCookie(token, CONSOLE_HEADER));
    expect(out.status).toBe(204);
    const cleared = out.headers.getSetCookie().find((c) => c.startsWith('ptb_session=')) ?? '';
    expect(cleared).toMatch(/^ptb_session=;/);
    expect(cleared.toLowerCase()).toMatch(/expires=thu, 01 jan 1970|max-age=0/);
    expect((await api('GET', '/v1/tenants', withCookie(token))).status).toBe(401);
    const audit = await t.db.query<{ actor: string }>(
      `SELECT actor FROM audit_events WHERE action = 'console.sign_out'`,
    );
    expect(audit).toEqual([{ actor: 'console:ops-alice' }]);
    // Signing out again (or with no cookie) changes nothing and still answers 204.
    expect((await api('DELETE', '/v1/console/session', withCookie(token, CONSOLE_HEADER))).status).toBe(204);
    expect((await api('DELETE', '/v1/console/session')).status).toBe(204);
  });

  it('ends a session left idle, and keeps one in use alive until then', async () => {
    const token = sessionOf(await signIn(opsKey));
    clock.advance((IDLE_S - 30) * 1000);
    expect((await api('GET', '/v1/tenants', withCookie(token))).status).toBe(200);
    clock.advance((IDLE_S - 30) * 1000);
    expect((await api('GET', '/v1/tenants', withCookie(token))).status).toBe(200);
    clock.advance((IDLE_S + 1) * 1000);
    const idle = await api('GET', '/v1/tenants', withCookie(token));
    expect(idle.status).toBe(401);
    clock.advance(1000);
    expect((await api('GET', '/v1/tenants', withCookie(token))).status).toBe(401);
  });

  it('ends a session at its absolute lifetime however busy it is', async () => {
    const token = sessionOf(await signIn(opsKey));
    let used = 0;
    for (; used + IDLE_S / 2 < MAX_S; used += IDLE_S / 2) {
      expect((await api('GET', '/v1/tenants', withCookie(token))).status).toBe(200);
      clock.advance((IDLE_S / 2) * 1000);
    }
    clock.advance((MAX_S - used + 1) * 1000);
    expect((await api('GET', '/v1/tenants', withCookie(token))).status).toBe(401);
  });

  it('ends the sessions of a deleted key, and of one that expired', async () => {
    const doomed = await adminKey('ops-bob');
    const token = sessionOf(await signIn(doomed.key));
    expect((await api('GET', '/v1/tenants', withCookie(token))).status).toBe(200);
    expect((await api('DELETE', `/v1/api-keys/${doomed.id}`, admin)).status).toBe(204);
    expect((await api('GET', '/v1/tenants', withCookie(token))).status).toBe(401);

    const brief = await adminKey('ops-carol', {
      expires_at: new Date(clock.now().getTime() + 300_000).toISOString(),
    });
    const short = sessionOf(await signIn(brief.key));
    clock.advance(240_000);
    expect((await api('GET', '/v1/tenants', withCookie(short))).status).toBe(200);
    clock.advance(61_000);
    expect((await api('GET', '/v1/tenants', withCookie(short))).status).toBe(401);
  });

  it('refuses a service key (403), a bad key (401) and bad bodies (400), opening no session', async () => {
    const before = await sessionRows();
    const service = await api<{ key: string }>('POST', '/v1/api-keys', {
      ...admin,
      body: { name: 'svc', role: 'service', tenants: ['*'] },
    });
    const refused = await signIn(service.body.key);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'forbidden' });
    expect(refused.headers.getSetCookie()).toEqual([]);
    const unknown = await signIn('ptb_' + 'x'.repeat(43));
    expect(unknown.status).toBe(401);
    expect(unknown.body).toMatchObject({ code: 'unauthorized' });

    for (const options of [
      {},
      { body: {} },
      { body: { api_key: 42 } },
      { body: { api_key: '' } },
      { body: { api_key: 'ptb_has spaces' } },
      { body: { api_key: 'ptb_\u0000nul' } },
      { body: { api_key: opsKey, remember: true } },
      { body: [opsKey] },
      { rawBody: '{"api_key":' },
      { rawBody: `api_key=${opsKey}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
    ]) {
      const res = await api('POST', '/v1/console/session', options);
      expect(res.status, JSON.stringify(options)).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(res.text).not.toContain(opsKey);
    }
    expect(await sessionRows()).toBe(before);
    const denied = await t.db.query<{ outcome: string; details: { error: string } }>(
      `SELECT outcome, details FROM audit_events WHERE action = 'console.sign_in' AND outcome <> 'success' ORDER BY id`,
    );
    // A real key that may not sign in is audited; an unknown one is not (anyone could write such rows).
    expect(denied.map((d) => [d.outcome, d.details.error])).toEqual([['denied', 'forbidden']]);
    expect(t.logs.text()).not.toContain(opsKey);
  });
});

describe('console sessions behind https, and with CONSOLE=off', () => {
  let https: TestApp;
  let off: TestApp;

  beforeAll(async () => {
    https = await startTestApp({ env: { BROKER_PUBLIC_URL: 'https://broker.example' } });
    off = await startTestApp({ env: { CONSOLE: 'off' }, db: https.db });
  });
  afterAll(async () => {
    await off.close();
    await https.close();
  });

  it('marks the cookie Secure when BROKER_PUBLIC_URL is https', async () => {
    const res = await client(https.url)('POST', '/v1/console/session', { body: { api_key: TEST_ADMIN_KEY } });
    expect(res.status).toBe(204);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('ptb_session=')) ?? '';
    expect(cookie.split(';').map((a) => a.trim().toLowerCase())).toContain('secure');
  });

  it('serves no session endpoints and takes no cookie when the console is off', async () => {
    const token = sessionOf(
      await client(https.url)('POST', '/v1/console/session', { body: { api_key: TEST_ADMIN_KEY } }),
    );
    const api = client(off.url);
    const signIn = await api('POST', '/v1/console/session', { body: { api_key: TEST_ADMIN_KEY } });
    expect(signIn.status).toBe(404);
    expect(signIn.headers.getSetCookie()).toEqual([]);
    expect((await api('DELETE', '/v1/console/session')).status).toBe(404);
    // The same database and a live session: CONSOLE=off still lets no cookie in.
    expect(
      (await client(https.url)('GET', '/v1/tenants', { headers: { cookie: `ptb_session=${token}` } })).status,
    ).toBe(200);
    expect((await api('GET', '/v1/tenants', { headers: { cookie: `ptb_session=${token}` } })).status).toBe(
      401,
    );
    expect((await api('GET', '/v1/tenants', admin)).status).toBe(200);
  });
});
