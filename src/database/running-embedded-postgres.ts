import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import pg from 'pg';
import type { EmbeddedDatabase, EmbeddedOptions } from './embedded-postgres.js';

/** Long enough for a loaded machine, short enough that a wedged server does not stall the CLI. */
const CONNECT_TIMEOUT_MS = 3_000;

interface Postmaster {
  pid: number;
  port: number;
}

/** PostgreSQL's lock file in its data directory: line 1 the postmaster's PID, line 4 its port. */
async function readPostmasterPid(databaseDir: string): Promise<Postmaster | undefined> {
  const text = await readFile(join(databaseDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  const lines = text?.split('\n') ?? [];
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || port <= 0) return undefined;
  return { pid, port };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user (the `postgres` user when run as root).
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The embedded PostgreSQL another process (a running broker) has started on `dataDir`, when its
 * postmaster is alive and accepts this data directory's password; otherwise undefined, and the caller
 * starts its own. A second server cannot start on the same files, so a CLI beside a running broker
 * uses that broker's server; `stop` leaves it running, since it belongs to the broker.
 */
export async function runningEmbeddedPostgres(
  options: Pick<EmbeddedOptions, 'dataDir' | 'database'>,
): Promise<EmbeddedDatabase | undefined> {
  const dataDir = resolve(options.dataDir);
  const postmaster = await readPostmasterPid(join(dataDir, 'pg'));
  if (!postmaster || !isAlive(postmaster.pid)) return undefined;
  const password = await readFile(join(dataDir, 'pg-password'), 'utf8').catch(() => undefined);
  if (password === undefined) return undefined;
  const base = `postgres://postgres:${encodeURIComponent(password.trim())}@127.0.0.1:${postmaster.port}`;
  const url = `${base}/${options.database}`;
  const probe = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // Refused: a stale lock file (its PID reused by another process) or a server still starting.
  const answers = await probe.connect().then(
    () => true,
    () => false,
  );
  if (!answers) return undefined;
  await probe.end();
  return { url, adminUrl: `${base}/postgres`, stop: () => Promise.resolve() };
}
