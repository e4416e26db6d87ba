import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  decodeLabel,
  FILE_SUFFIX,
  isApiKeyIssuance,
  isTokenIssuance,
  isWebhookSecretIssuance,
  type ResponseRecord,
  type SecretKind,
  SQL_DUMP_HEADER,
} from './records.js';
import { WindowMatcher } from './window-matcher.js';
import { HOSTILE_NUMERIC_STRINGS, HOSTILE_STRINGS } from '../hostile-inputs.js';

/** Substring match everywhere: every token, secret and code the fake mints is 36-40 characters. */
const LONG = 12;
/**
 * Shorter values (6-digit OTPs, test passwords) would match by chance inside the ciphertexts, hashes
 * and numbers of a dump, so they are looked for only in logs and responses, and only as a whole word.
 */
const SHORT = 6;
/**
 * `particle:particle` is the public client of Particle's own tools (particle-cloud.md), and the bad-input
 * properties' fixed hostile values are public by construction: not secrets.
 */
const PUBLIC_SECRETS = new Set<string>(['particle', ...HOSTILE_STRINGS, ...HOSTILE_NUMERIC_STRINGS]);
/**
 * A long run of digits is a number the bad-input properties sent in a secret's place (bigint's edge,
 * say), which then stands in ids and messages all over the run: never one of the fakes' secrets, which
 * are random text. OTPs, the only secrets made of digits, are six long and stay.
 */
const HOSTILE_NUMBER = /^-?\d{9,}$/;

interface Secret {
  kind: string;
  value: string;
}

/** Hits of one kind of secret in one place (log, response route or dump) of one test file. */
export interface HitGroup {
  kind: string;
  place: string;
  count: number;
  /** Where the first one was, and its surroundings with the secret cut short. */
  first: string;
  context: string;
}

export interface LeakReport {
  secrets: number;
  logLines: number;
  responses: number;
  dumps: number;
  /** How the dumps were made: pg_dump, or the SQL fallback when pg_dump cannot read the server. */
  dumpMethods: Set<string>;
  groups: Map<string, HitGroup>;
  hitCount: number;
}

/** A matcher with the secrets it was built from, so a hit can name its kind. */
class SecretSet {
  private readonly matcher: WindowMatcher;

  constructor(
    private readonly secrets: Secret[],
    private readonly wholeWord: boolean,
  ) {
    this.matcher = new WindowMatcher(
      secrets.map((s) => s.value),
      wholeWord ? SHORT : LONG,
    );
  }

  scan(text: string, found: (secret: Secret, at: number) => void): void {
    this.matcher.scan(text, (index, at) => {
      const secret = this.secrets[index];
      if (!secret) return;
      if (this.wholeWord && (isWordChar(text[at - 1]) || isWordChar(text[at + secret.value.length]))) return;
      found(secret, at);
    });
  }
}

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9]/.test(c);
}

/** The hit's surroundings, the secret cut to its first few characters and anything else token-like to 4. */
function redactedContext(text: string, secret: Secret, at: number): string {
  const cut = (s: string) => s.replace(/[A-Za-z0-9_-]{12,}/g, (run) => `${run.slice(0, 4)}…`);
  const before = cut(text.slice(Math.max(0, at - 40), at));
  const after = cut(text.slice(at + secret.value.length, at + secret.value.length + 40));
  const shown = secret.value.slice(0, Math.min(4, Math.floor(secret.value.length / 3)));
  return `${before}‹${secret.kind} ${shown}…›${after}`.replace(/\s+/g, ' ');
}

/** The test file a record file belongs to (see LeakRecorder.configure). */
function testFileOf(path: string): string {
  const name = basename(path);
  return name.startsWith('leftover.')
    ? 'a database no test file dropped'
    : decodeLabel(name.replace(/\.\d+\..*$/, ''));
}

async function linesOf(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8')).split('\n').filter(Boolean);
}

async function loadSecrets(files: string[]): Promise<Map<string, SecretKind>> {
  const secrets = new Map<string, SecretKind>();
  for (const file of files) {
    for (const line of await linesOf(file)) {
      const [kind, value] = JSON.parse(line) as [SecretKind, string];
      if (!secrets.has(value)) secrets.set(value, kind);
    }
  }
  return secrets;
}

/** Searches every log, response and dump under `dir` for every secret recorded under it. */
export async function searchRun(dir: string): Promise<LeakReport> {
  const files = (await readdir(dir)).sort();
  const named = (suffix: string) => files.filter((f) => f.endsWith(suffix)).map((f) => join(dir, f));
  const recorded = await loadSecrets(named(FILE_SUFFIX.secrets));
  const usable = [...recorded].filter(
    ([value]) => value.length >= SHORT && !PUBLIC_SECRETS.has(value) && !HOSTILE_NUMBER.test(value),
  );
  const long = usable.filter(([value]) => value.length >= LONG).map(([value, kind]) => ({ kind, value }));
  const short = usable.filter(([value]) => value.length < LONG).map(([value, kind]) => ({ kind, value }));
  // A secret kept as bytea would show as hex in a dump.
  const hex = long.map((s) => ({ kind: `${s.kind} (hex)`, value: Buffer.from(s.value).toString('hex') }));
  const inText = [new SecretSet(long, false), new SecretSet(short, true)];
  const inDumps = [new SecretSet([...long, ...hex], false)];

  const report: LeakReport = {
    secrets: usable.length,
    logLines: 0,
    responses: 0,
    dumps: 0,
    dumpMethods: new Set(),
    groups: new Map(),
    hitCount: 0,
  };
  const hit = (place: string, first: string, text: string) => (secret: Secret, at: number) => {
    report.hitCount++;
    const key = `${secret.kind} ${place}`;
    const group = report.groups.get(key);
    if (group) group.count++;
    else
      report.groups.set(key, {
        kind: secret.kind,
        place,
        count: 1,
        first,
        context: redactedContext(text, secret, at),
      });
  };

  for (const file of named(FILE_SUFFIX.logs)) {
    const lines = await linesOf(file);
    report.logLines += lines.length;
    const place = `the app logs of ${testFileOf(file)}`;
    lines.forEach((line, i) =>
      inText.forEach((set) => set.scan(line, hit(place, `${basename(file)}:${i + 1}`, line))),
    );
  }
  for (const file of named(FILE_SUFFIX.responses)) {
    const lines = await linesOf(file);
    lines.forEach((line, i) => {
      const response = JSON.parse(line) as ResponseRecord;
      report.responses++;
      const place = `a response to ${response.method} ${response.path} (${response.status}) in ${testFileOf(file)}`;
      // The token endpoint exists to hand out access tokens, the webhook endpoints' creation and rotation
      // their secrets, and the API keys' their keys; no other response may carry any of them (a console
      // session's token travels in Set-Cookie only, never in a body).
      const allowAccessTokens = isTokenIssuance(response);
      const allowWebhookSecrets = isWebhookSecretIssuance(response);
      const allowApiKeys = isApiKeyIssuance(response);
      const found = hit(place, `${basename(file)}:${i + 1}`, response.text);
      for (const set of inText) {
        set.scan(response.text, (secret, at) => {
          if (allowAccessTokens && secret.kind === 'access_token') return;
          if (allowWebhookSecrets && secret.kind === 'webhook_secret') return;
          if (allowApiKeys && secret.kind === 'api_key') return;
          found(secret, at);
        });
      }
    });
  }
  for (const file of named(FILE_SUFFIX.dump)) {
    report.dumps++;
    const lines = await linesOf(file);
    report.dumpMethods.add(lines[0]?.startsWith(SQL_DUMP_HEADER) ? 'sql' : 'pg_dump');
    let table = '?';
    lines.forEach((line, i) => {
      // pg_dump starts each table's rows with COPY, the SQL fallback with a comment naming it.
      table = /^(?:COPY|--) ([^\s(]+\.[^\s(]+)/.exec(line)?.[1] ?? table;
      const place = `the dump of ${testFileOf(file)}'s database, table ${table}`;
      inDumps.forEach((set) => set.scan(line, hit(place, `${basename(file)}:${i + 1}`, line)));
    });
  }
  return report;
}
