import { stat } from 'node:fs/promises';
import { dirname, parse, resolve } from 'node:path';

/** A reason the embedded PostgreSQL cannot start, said in one line with what to do about it. */
export class EmbeddedStartError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EmbeddedStartError';
  }
}

/** Every directory above `path`, outermost first. */
function ancestors(path: string): string[] {
  const chain: string[] = [];
  for (let dir = dirname(resolve(path)); ; dir = dirname(dir)) {
    chain.unshift(dir);
    if (dir === parse(dir).root) return chain;
  }
}

export interface NeededPath {
  /** What the path is, as the user would name it in the message (`BROKER_DATA_DIR`). */
  readonly label: string;
  readonly path: string;
}

/**
 * As root, PostgreSQL runs as the `postgres` OS user, which must be able to pass through every directory
 * above its binaries and its data. A clone below /root (0700) fails deep inside initdb with a bare
 * `spawn EACCES`; this names the directory at fault first. Missing directories (created later, by us)
 * do not count; group membership is not consulted, so the check errs on refusing.
 */
export async function assertPostgresUserCanReach(needed: readonly NeededPath[]): Promise<void> {
  if (process.getuid?.() !== 0) return;
  for (const { label, path } of needed) {
    for (const dir of ancestors(path)) {
      const info = await stat(dir).catch(() => undefined);
      if (!info || (info.mode & 0o001) !== 0) continue;
      throw new EmbeddedStartError(
        `The embedded PostgreSQL cannot start: as root it runs as the OS user "postgres", which cannot enter ${dir} ` +
          `(mode ${(info.mode & 0o777).toString(8)}), and ${label} (${path}) is below it. Put the project and ` +
          `BROKER_DATA_DIR outside ${dir} (e.g. under /srv or /opt), run as a user other than root, or set ` +
          `DATABASE_URL to a PostgreSQL server.`,
      );
    }
  }
}
