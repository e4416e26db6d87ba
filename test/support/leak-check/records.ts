/**
 * The files one run writes for the whole-run leak check, shared by the test workers (which write them)
 * and the global teardown (which reads them). One set of files per test file, named after it.
 */

/** The `provide` key and the environment variable naming the per-run directory. */
export const LEAK_DIR_KEY = 'leakCheckDir';

export type SecretKind =
  | 'access_token'
  | 'refresh_token'
  | 'client_secret'
  | 'password'
  | 'otp'
  | 'mfa_token'
  | 'authorization_code'
  | 'webhook_secret'
  | 'api_key'
  | 'console_session';

export const FILE_SUFFIX = {
  /** JSON lines: `[kind, value]`. */
  secrets: '.secrets.jsonl',
  /** The apps' log lines, as captured. */
  logs: '.logs.txt',
  /** JSON lines: {@link ResponseRecord}. */
  responses: '.responses.jsonl',
  /** One file per dropped database: pg_dump output, or the SQL fallback's `row_to_json` lines. */
  dump: '.dump.sql',
} as const;

/** The first line of a dump made through SQL, so the summary can say which way the dumps were made. */
export const SQL_DUMP_HEADER = '-- leak check: all rows through SQL';

/** A test file's path as part of a file name, and back. */
export function encodeLabel(testFile: string): string {
  return testFile.replace(/%/g, '%25').replace(/\//g, '%2F');
}

export function decodeLabel(label: string): string {
  return label.replace(/%2F/g, '/').replace(/%25/g, '%');
}

/** A response seen by a test client: enough to tell the token endpoint's answers from the rest. */
export interface ResponseRecord {
  method: string;
  path: string;
  status: number;
  text: string;
}

/** `POST /v1/tenants/{id}/tokens` answered 200 carries a Particle access token by design (§6). */
export function isTokenIssuance(response: Pick<ResponseRecord, 'method' | 'path' | 'status'>): boolean {
  return (
    response.method === 'POST' &&
    response.status === 200 &&
    /^\/v1\/tenants\/[^/?]+\/tokens(\?|$)/.test(response.path)
  );
}

/** Creating a webhook endpoint and rotating its secret answer 201 with the new secret, shown once (§10). */
export function isWebhookSecretIssuance(
  response: Pick<ResponseRecord, 'method' | 'path' | 'status'>,
): boolean {
  return (
    response.method === 'POST' &&
    response.status === 201 &&
    /^\/v1\/webhooks(\/[^/?]+\/rotate-secret)?(\?|$)/.test(response.path)
  );
}

/** Creating and rotating an API key answer 201 with the new key, shown once (§6). */
export function isApiKeyIssuance(response: Pick<ResponseRecord, 'method' | 'path' | 'status'>): boolean {
  return (
    response.method === 'POST' &&
    response.status === 201 &&
    /^\/v1\/api-keys(\/[^/?]+\/rotate)?(\?|$)/.test(response.path)
  );
}

/**
 * What is searched for of a webhook secret: its key, without the `whsec_` prefix, so a log of the bare key
 * (what signing decodes) is found as well as the whole secret.
 */
export function webhookSecretKey(secret: string): string {
  return secret.replace(/^whsec_/, '');
}
