import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/database.js';
import { startTestApp, TestApp } from '../support/test-app.js';

describe('foundation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  it('answers liveness and readiness when the database is migrated', async () => {
    expect((await fetch(`${t.url}/health/live`)).status).toBe(200);
    const ready = await fetch(`${t.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' }, migrations: { status: 'up' } },
    });
  });

  it('answers unknown routes with problem+json and the request id', async () => {
    const res = await fetch(`${t.url}/v1/nothing-here`, { headers: { 'X-Request-Id': 'trace-abc-123' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.headers.get('x-request-id')).toBe('trace-abc-123');
    expect(await res.json()).toEqual({
      type: expect.stringContaining('not_found') as string,
      title: 'Not found',
      status: 404,
      detail: expect.any(String) as string,
      code: 'not_found',
      requestId: 'trace-abc-123',
    });
  });

  it('replaces a malformed request id with its own', async () => {
    const res = await fetch(`${t.url}/health/live`, { headers: { 'X-Request-Id': 'bad id with spaces' } });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('puts the request id on the request log line and keeps query strings out of logs', async () => {
    await fetch(`${t.url}/health/live?code=sekrit-code-value`, {
      headers: { 'X-Request-Id': 'log-line-id' },
    });
    const line = t.logs.lines.find((l) => l.includes('log-line-id'));
    expect(line).toBeDefined();
    expect(t.logs.text()).not.toContain('sekrit-code-value');
  });

  it('redacts the authorization header from logs', async () => {
    await fetch(`${t.url}/health/live`, { headers: { Authorization: 'Bearer very-secret-bearer-value' } });
    expect(t.logs.text()).not.toContain('very-secret-bearer-value');
  });

  it('exposes Prometheus metrics with the HTTP histogram by route template', async () => {
    await fetch(`${t.url}/health/live`);
    const text = await (await fetch(`${t.url}/metrics`)).text();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toMatch(
      /broker_http_request_duration_seconds_count\{method="GET",route="\/health\/live",status="2xx"\} \d+/,
    );
  });

  it('sends security headers, with a strict content policy everywhere but the Swagger UI', async () => {
    const api = await fetch(`${t.url}/v1/nothing-here`);
    expect(api.headers.get('x-content-type-options')).toBe('nosniff');
    expect(api.headers.get('x-frame-options')).toBe('DENY');
    expect(api.headers.get('content-security-policy')).toContain("default-src 'none'");
    const docs = await fetch(`${t.url}/docs`);
    expect(docs.headers.get('x-content-type-options')).toBe('nosniff');
    expect(docs.headers.get('content-security-policy') ?? '').not.toContain("default-src 'none'");
  });

  it('serves the OpenAPI document and the Swagger UI', async () => {
    const doc = (await (await fetch(`${t.url}/docs/openapi.json`)).json()) as {
      openapi: string;
      info: { title: string };
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info.title).toBe('particle-token-broker');
    const ui = await fetch(`${t.url}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });
});

describe('readiness without migrations', () => {
  it('answers 503 naming the pending migrations when BROKER_MIGRATE=off left the database empty', async () => {
    const db = await createTestDatabase({ migrated: false });
    const t = await startTestApp({ db, env: { BROKER_MIGRATE: 'off' } });
    try {
      const res = await fetch(`${t.url}/health/ready`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { error: { migrations: { status: string; pending: string[] } } };
      expect(body.error.migrations.status).toBe('down');
      expect(body.error.migrations.pending.length).toBeGreaterThan(0);
      expect((await fetch(`${t.url}/health/live`)).status).toBe(200);
    } finally {
      await t.close();
      await db.drop();
    }
  });
});
