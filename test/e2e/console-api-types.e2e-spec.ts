import openapiTS, { astToString } from 'openapi-typescript';
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TestApp } from '../support/test-app.js';

/** The console's typed API client is generated from the broker's own OpenAPI document. */
const TYPES = new URL('../../web/src/api/schema.d.ts', import.meta.url);
const HEADER = '// Generated from GET /docs/openapi.json by `npm run console:types`. Do not edit.\n';

describe("the console's API types", () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('match the OpenAPI document the broker serves (UPDATE_API_TYPES=1 rewrites them)', async () => {
    const document = (await (await fetch(`${t.url}/docs/openapi.json`)).json()) as Record<string, unknown>;
    const generated = HEADER + astToString(await openapiTS(document as never));
    if (process.env.UPDATE_API_TYPES === '1') await writeFile(TYPES, generated);
    const committed = await readFile(TYPES, 'utf8').catch(() => '');
    expect(committed, 'web/src/api/schema.d.ts is stale: run npm run console:types').toBe(generated);
  });
});
