import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../support/clock.js';
import { Call, client } from '../support/http.js';
import { ParticleFake } from '../support/particle-fake.js';
import { freePort } from '../support/process.js';
import { PRODUCT_SECRET, tenantWithProductClient } from '../support/tenant-setup.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';

/** Debian's Chromium (.ci/run installs it); elsewhere CHROMIUM_PATH, or the suite says it skipped. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_BROWSER = existsSync(CHROMIUM);
if (!HAVE_BROWSER && process.env.REQUIRE_BROWSER === '1') {
  throw new Error(`REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
}
if (!HAVE_BROWSER) console.warn(`console browser tests skipped: no Chromium at ${CHROMIUM}`);

const SHOTS = new URL('../../test-results/console/', import.meta.url);
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const MIN = 60_000;
const WEB_SECRET = 'web-client-secret-cccccccccccccccc';
const MFA_USER = { username: 'mfa@acme.com', password: 'mfa-user-password-zzz', mfaSecretOtp: '424242' };

interface AxeViolation {
  id: string;
  impact: string | null;
  nodes: unknown[];
}

/** The ops console (design.md §12), driven in a real Chromium against a real broker and the fake. */
describe.skipIf(!HAVE_BROWSER)('ops console in Chromium', () => {
  let fake: ParticleFake;
  let t: TestApp;
  let api: Call;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let opsKey: string;
  let axeSource: string;
  const clock = new TestClock();
  const admin = { key: TEST_ADMIN_KEY };

  /** A full load each time (a query that changes): a hash change alone would keep the page's data. */
  let loads = 0;
  const go = async (hash: string) => {
    await page.goto(`${t.url}/console/?load=${++loads}#/${hash}`);
  };
  /** No serious or critical axe violation on the page as it is now; a screenshot for the folder. */
  const checkPage = async (name: string) => {
    await page.evaluate(axeSource);
    const violations = await page.evaluate(async () => {
      const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
      return (await axe.run()).violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
    });
    expect(
      violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'),
      name,
    ).toEqual([]);
    await page.screenshot({ path: new URL(`${name}.png`, SHOTS).pathname, fullPage: true });
  };
  const sweep = () => api('POST', '/v1/admin/refresh-runs', admin);

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    axeSource = await readFile(AXE, 'utf8');
    fake = await ParticleFake.start();
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    // The sweep below moves the test clock an hour: sessions must outlive it (their expiry has its own tests).
    const env = {
      PARTICLE_API_URL: fake.url,
      BROKER_PUBLIC_URL: publicUrl,
      CONSOLE_SESSION_IDLE_SECONDS: '86400',
      CONSOLE_SESSION_MAX_SECONDS: '604800',
    };
    t = await startTestApp({ env, clock, port });
    api = client(t.url);
    await tenantWithProductClient(api, fake, 'acme');
    fake.addClient({
      id: 'acme-web-1',
      secret: WEB_SECRET,
      kind: 'product',
      type: 'web',
      redirectUri: `${publicUrl}/oauth/callback`,
      productId: 1000,
    });
    await api('POST', '/v1/oauth-clients', {
      ...admin,
      body: {
        id: 'acme-web',
        tenant_id: 'acme',
        client_id: 'acme-web-1',
        client_secret: WEB_SECRET,
        type: 'web',
        product_id: '1000',
        redirect_uri: `${publicUrl}/oauth/callback`,
      },
    });
    fake.addUser(MFA_USER);
    const key = await api<{ key: string }>('POST', '/v1/api-keys', {
      ...admin,
      body: { name: 'ops-alice', role: 'admin', tenants: ['*'] },
    });
    opsKey = key.body.key;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    // A locator that never matches fails within this, with its own message, before the test's timeout.
    page.setDefaultTimeout(10_000);
  }, 120_000);
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') {
      await page.screenshot({ path: new URL(`failed-${ctx.task.name.slice(0, 40)}.png`, SHOTS).pathname });
    }
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await fake?.close();
  });

  it('signs in with an admin key, held only in an HttpOnly SameSite=Strict cookie', async () => {
    await go('overview');
    await page.getByLabel('Admin API key').waitFor();
    await checkPage('sign-in');
    await page.getByLabel('Admin API key').fill(opsKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookie?.value).not.toContain(opsKey);
    // Runs in the page (DOM globals), typed here without the DOM library.
    const stored = await page.evaluate(() => {
      const g = globalThis as unknown as { localStorage: object; sessionStorage: object };
      return JSON.stringify({ ...g.localStorage }) + JSON.stringify({ ...g.sessionStorage });
    });
    expect(stored).not.toContain(opsKey);
  });

  it('shows an at-risk credential with its reason, and its connect link repairs the tenant', async () => {
    await api('POST', '/v1/tenants', { ...admin, body: { id: 'tok-co', name: 'Token Co' } });
    await api('POST', '/v1/oauth-clients', {
      ...admin,
      body: {
        id: 'tok-web',
        tenant_id: 'tok-co',
        client_id: 'acme-web-1',
        client_secret: WEB_SECRET,
        type: 'web',
        product_id: '1000',
        redirect_uri: `${t.url}/oauth/callback`,
      },
    });
    const { accessToken } = fake.issueToken({ clientId: 'particle', expiresInSeconds: 30 * 86_400 });
    const imported = await api<{ id: string }>('POST', '/v1/tenants/tok-co/credentials', {
      ...admin,
      body: { kind: 'token', access_token: accessToken },
    });
    fake.revokeToken(accessToken);
    clock.advance(61 * MIN);
    await sweep();
    await go('overview');
    const row = page.locator(`tr[data-credential="${imported.body.id}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('needs reauth');
    await checkPage('overview');
    await row.getByRole('button', { name: 'Create connect link' }).click();
    await row.getByRole('link', { name: /Connect link/ }).click();
    // The fake's consent approves; the callback stores the credential and sends the person back here.
    await page.waitForURL(/\/console\//);
    const credentials = await api<{ items: { kind: string; status: string }[] }>(
      'GET',
      '/v1/tenants/tok-co/credentials',
      admin,
    );
    expect(credentials.body.items).toContainEqual(
      expect.objectContaining({ kind: 'authorization_code', status: 'active' }),
    );
  });

  it('onboards a password credential through the MFA step', async () => {
    await go('tenants/acme');
    await page.getByRole('heading', { name: 'Tenant acme' }).waitFor();
    await page.getByLabel('Kind').selectOption('password');
    await page.getByLabel('Username', { exact: true }).fill(MFA_USER.username);
    await page.getByLabel('Password', { exact: true }).fill(MFA_USER.password);
    await page.getByLabel('OAuth client id (optional)').fill('acme-prod');
    await page.getByRole('button', { name: 'Add credential' }).click();
    await page.getByLabel('One-time code').fill(MFA_USER.mfaSecretOtp);
    await checkPage('tenant');
    await page.getByRole('button', { name: 'Verify code' }).click();
    await page.getByText('created after the MFA step').waitFor();
    await page.locator('td', { hasText: 'password' }).first().waitFor();
  });

  it('rotates an OAuth client secret and rolls it back', async () => {
    const rotated = 'rotated-secret-fedcba9876543210';
    fake.addClient({ id: 'acme-prod', secret: rotated, kind: 'product', productId: 1000 });
    await go('oauth-clients');
    await page.getByRole('heading', { name: /acme-prod/ }).waitFor();
    await page.getByLabel('New client secret (for a manual rotation)').fill(rotated);
    const card = page.locator('article', { has: page.getByRole('heading', { name: /^acme-prod/ }) });
    await card.getByRole('button', { name: 'Rotate with the new secret' }).click();
    await page.getByText('acme-prod: the new secret is active').waitFor();
    await checkPage('oauth-clients');
    page.once('dialog', (d) => void d.accept());
    await card.getByRole('button', { name: 'Roll back' }).click();
    await page.getByText('acme-prod: rolled back').waitFor();
    fake.addClient({ id: 'acme-prod', secret: PRODUCT_SECRET, kind: 'product', productId: 1000 });
  });

  it('creates an API key and shows it once', async () => {
    await go('api-keys');
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    await page.getByLabel('Name').fill('fleet-service');
    await page.getByLabel('Tenants (comma-separated, or *)').fill('acme');
    await page.getByRole('button', { name: 'Create key' }).click();
    const shown = await page.getByTestId('shown-once').textContent();
    expect(shown).toMatch(/^ptb_/);
    await checkPage('api-keys');
    await go('overview');
    await go('api-keys');
    await page.getByText('fleet-service').waitFor();
    expect(await page.content()).not.toContain(shown ?? 'never');
  });

  it("shows the console's own actions in the audit tail with actor console:<key name>", async () => {
    await go('audit');
    await page.getByRole('heading', { name: 'Audit' }).waitFor();
    await page.locator('td.actor', { hasText: 'console:ops-alice' }).first().waitFor();
    await checkPage('audit');
  });

  it('passes axe on the webhooks and encryption pages', async () => {
    await go('webhooks');
    await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
    await checkPage('webhooks');
    await go('encryption');
    await page.getByText('Active key').waitFor();
    await checkPage('encryption');
    await go('tenants');
    await page.getByRole('link', { name: 'acme', exact: true }).waitFor();
    await checkPage('tenants');
  });

  it('refuses a form posted from another site with the cookie', async () => {
    const evil: Server = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(`<form method="post" action="${t.url}/v1/tenants" enctype="application/x-www-form-urlencoded">
        <input name="id" value="evil-co"><input name="name" value="Evil"></form>
        <script>document.forms[0].submit()</script>`);
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    const address = evil.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const answer = page.waitForResponse((r) => r.url() === `${t.url}/v1/tenants`);
    await page.goto(`http://127.0.0.1:${port}/`);
    expect((await answer).status()).toBe(403);
    await new Promise<void>((resolve) => evil.close(() => resolve()));
    const tenant = await api('GET', '/v1/tenants/evil-co', admin);
    expect(tenant.status).toBe(404);
  });

  it('serves hashed assets with long caching, index.html without, and a strict CSP', async () => {
    const index = await fetch(`${t.url}/console/`);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(index.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    const html = await index.text();
    const asset = /src="(\/console\/assets\/index-[\w-]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeTruthy();
    const js = await fetch(`${t.url}${asset ?? ''}`);
    expect(js.headers.get('cache-control')).toContain('immutable');
    // Read to the end: an unread 250 KB answer keeps its connection busy, and the server's close waits on it.
    expect((await js.arrayBuffer()).byteLength).toBeGreaterThan(0);
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
  });
});
