import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { searchRun } from './leak-search.js';
import { encodeLabel, FILE_SUFFIX, SQL_DUMP_HEADER, type ResponseRecord } from './records.js';
import { WindowMatcher } from './window-matcher.js';

const ACCESS = 'a'.repeat(8) + '0123456789abcdef0123456789abcdef';
const REFRESH = 'r'.repeat(8) + '0123456789abcdef0123456789abcdef';
const OTP = '482913';
const PREFIX = `${encodeLabel('test/e2e/some.e2e-spec.ts')}.42`;

describe(WindowMatcher.name, () => {
  it('finds every occurrence of every pattern, overlapping ones included', () => {
    const found: [number, number][] = [];
    new WindowMatcher(['abcabc', 'bcabcx', 'zzzzzz'], 6).scan('xabcabcabcx', (p, at) => found.push([p, at]));
    expect(found).toEqual([
      [0, 1],
      [0, 4],
      [1, 5],
    ]);
  });
});

describe(searchRun.name, () => {
  let dir: string;
  const write = (suffix: string, lines: string[]) =>
    writeFile(join(dir, `${PREFIX}${suffix}`), `${lines.join('\n')}\n`);
  const respond = (record: ResponseRecord) => JSON.stringify(record);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'leak-search-spec-'));
    await write(FILE_SUFFIX.secrets, [
      JSON.stringify(['access_token', ACCESS]),
      JSON.stringify(['refresh_token', REFRESH]),
      JSON.stringify(['otp', OTP]),
      JSON.stringify(['client_secret', 'particle']),
    ]);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('finds nothing in clean records, and counts what it searched', async () => {
    await write(FILE_SUFFIX.logs, ['{"msg":"renewed"}', '{"msg":"api.particle.io answered"}']);
    await write(FILE_SUFFIX.responses, [respond({ method: 'GET', path: '/v1/x', status: 200, text: '{}' })]);
    await write('.db1' + FILE_SUFFIX.dump, [SQL_DUMP_HEADER, '{"n": 1482913}']);
    const report = await searchRun(dir);
    expect(report).toMatchObject({ secrets: 3, logLines: 2, responses: 1, dumps: 1, hitCount: 0 });
    expect([...report.dumpMethods]).toEqual(['sql']);
  });

  it('allows access tokens in the token endpoint’s answers only', async () => {
    const body = JSON.stringify({ access_token: ACCESS });
    await write(FILE_SUFFIX.responses, [
      respond({ method: 'POST', path: '/v1/tenants/acme/tokens', status: 200, text: body }),
      respond({ method: 'GET', path: '/v1/tenants/acme', status: 200, text: body }),
      respond({ method: 'POST', path: '/v1/tenants/acme/tokens', status: 200, text: `{"r":"${REFRESH}"}` }),
    ]);
    const report = await searchRun(dir);
    expect(report.hitCount).toBe(2);
    expect([...report.groups.values()].map((g) => `${g.kind} ${g.place}`)).toEqual([
      'access_token a response to GET /v1/tenants/acme (200) in test/e2e/some.e2e-spec.ts',
      'refresh_token a response to POST /v1/tenants/acme/tokens (200) in test/e2e/some.e2e-spec.ts',
    ]);
  });

  it('allows a webhook secret in the answers that hand it out only, and finds its bare key in a log', async () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    await write(FILE_SUFFIX.secrets, [JSON.stringify(['webhook_secret', key])]);
    const body = JSON.stringify({ id: 'w1', secret: `whsec_${key}` });
    await write(FILE_SUFFIX.responses, [
      respond({ method: 'POST', path: '/v1/webhooks', status: 201, text: body }),
      respond({ method: 'POST', path: '/v1/webhooks/w1/rotate-secret', status: 201, text: body }),
      respond({ method: 'GET', path: '/v1/webhooks/w1', status: 200, text: body }),
    ]);
    await write(FILE_SUFFIX.logs, [`{"msg":"signing","key":"${key}"}`]);
    const report = await searchRun(dir);
    expect([...report.groups.values()].map((g) => `${g.kind} ${g.place}`)).toEqual([
      'webhook_secret the app logs of test/e2e/some.e2e-spec.ts',
      'webhook_secret a response to GET /v1/webhooks/w1 (200) in test/e2e/some.e2e-spec.ts',
    ]);
  });

  it('matches a short OTP as a whole word in logs, and never looks for it in dumps', async () => {
    await write(FILE_SUFFIX.logs, [`{"otp":"${OTP}"}`, `{"n":1${OTP}}`]);
    await write('.db1' + FILE_SUFFIX.dump, [`COPY public.mfa_challenges (x) FROM stdin;`, OTP]);
    const report = await searchRun(dir);
    expect(report.hitCount).toBe(1);
    expect([...report.groups.values()][0]).toMatchObject({ kind: 'otp', first: `${PREFIX}.logs.txt:1` });
  });

  it('allows an API key in the answers that create or rotate it only, and finds a console session anywhere', async () => {
    const key = 'ptb_' + 'k'.repeat(43);
    const session = 'ptbs_' + 's'.repeat(43);
    await write(FILE_SUFFIX.secrets, [
      JSON.stringify(['api_key', key]),
      JSON.stringify(['console_session', session]),
    ]);
    const body = JSON.stringify({ id: 'k1', key });
    await write(FILE_SUFFIX.responses, [
      respond({ method: 'POST', path: '/v1/api-keys', status: 201, text: body }),
      respond({ method: 'POST', path: '/v1/api-keys/k1/rotate', status: 201, text: body }),
      respond({ method: 'GET', path: '/v1/api-keys', status: 200, text: body }),
      respond({ method: 'POST', path: '/v1/console/session', status: 400, text: `{"detail":"${session}"}` }),
    ]);
    await write(FILE_SUFFIX.logs, [`{"msg":"signed in","key":"${key}"}`]);
    const report = await searchRun(dir);
    expect([...report.groups.values()].map((g) => `${g.kind} ${g.place}`)).toEqual([
      'api_key the app logs of test/e2e/some.e2e-spec.ts',
      'api_key a response to GET /v1/api-keys (200) in test/e2e/some.e2e-spec.ts',
      'console_session a response to POST /v1/console/session (400) in test/e2e/some.e2e-spec.ts',
    ]);
  });

  it('does not take a long number or a fixed hostile value a bad-input property sent for a secret', async () => {
    await write(FILE_SUFFIX.secrets, [
      JSON.stringify(['access_token', ACCESS]),
      JSON.stringify(['refresh_token', REFRESH]),
      JSON.stringify(['otp', OTP]),
      JSON.stringify(['client_secret', '9223372036854775807']),
      JSON.stringify(['client_secret', '4815162342']),
      JSON.stringify(['client_secret', "'; DROP TABLE tenants; --"]),
    ]);
    await write(FILE_SUFFIX.logs, [
      '{"msg":"Tenant 9223372036854775807 was not found"}',
      '{"msg":"Tenant 4815162342 was not found"}',
      `{"tenants":["'; DROP TABLE tenants; --"]}`,
    ]);
    const report = await searchRun(dir);
    expect(report).toMatchObject({ secrets: 3, hitCount: 0 });
  });

  it('finds secrets in dumps as text or hex, names the table, and never prints a secret whole', async () => {
    const hex = Buffer.from(REFRESH).toString('hex');
    await write('.db1' + FILE_SUFFIX.dump, [
      'COPY public.credentials (a, b) FROM stdin;',
      `x\t${ACCESS}`,
      `y\t\\\\x${hex}`,
    ]);
    const report = await searchRun(dir);
    const groups = [...report.groups.values()];
    expect(groups.map((g) => `${g.kind} ${g.place}`)).toEqual([
      "access_token the dump of test/e2e/some.e2e-spec.ts's database, table public.credentials",
      "refresh_token (hex) the dump of test/e2e/some.e2e-spec.ts's database, table public.credentials",
    ]);
    const printed = JSON.stringify(groups);
    for (const secret of [ACCESS, REFRESH, hex]) expect(printed).not.toContain(secret);
  });
});
