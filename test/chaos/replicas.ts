import { Call, client } from '../support/http.js';
import { BrokerProcess, freePort, spawnBroker, waitForReady } from '../support/process.js';
import { TEST_ADMIN_KEY, TEST_ENCRYPTION_KEY } from '../support/test-app.js';

/** One replica: the built service as a real child process, so it can be killed with SIGKILL. */
export interface Replica {
  readonly name: string;
  readonly process: BrokerProcess;
  readonly url: string;
  readonly call: Call;
  readonly pid: number;
  /** Still running (neither killed nor crashed). */
  alive(): boolean;
}

/** Starts `count` replicas on one database (together: the migration lock makes that safe) and waits for them. */
export async function startReplicas(count: number, env: Record<string, string>): Promise<Replica[]> {
  const replicas = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const p = spawnBroker(
        {
          NODE_ENV: 'test',
          BROKER_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY,
          BROKER_BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY,
          LOG_LEVEL: 'warn',
          ...env,
        },
        await freePort(),
      );
      let exited = false;
      void p.exited.then(() => (exited = true));
      const replica: Replica = {
        name: String.fromCharCode(65 + i),
        process: p,
        url: p.url,
        call: client(p.url),
        pid: p.child.pid ?? -1,
        alive: () => !exited,
      };
      return replica;
    }),
  );
  try {
    await Promise.all(replicas.map((r) => waitForReady(r.process, 60_000)));
  } catch (err) {
    await stopReplicas(replicas);
    throw err;
  }
  return replicas;
}

/** SIGTERM, then SIGKILL for any replica still running after the service's own 10 s shutdown bound. */
export async function stopReplicas(replicas: readonly Replica[]): Promise<void> {
  await Promise.all(
    replicas.map(async (r) => {
      if (!r.alive()) return;
      r.process.child.kill('SIGTERM');
      const timer = setTimeout(() => r.process.child.kill('SIGKILL'), 12_000);
      await r.process.exited;
      clearTimeout(timer);
    }),
  );
}

/** A service key for every tenant, as internal callers use (its lookups go through the database). */
export async function createServiceKey(admin: Call): Promise<string> {
  const res = await admin<{ key: string }>('POST', '/v1/api-keys', {
    key: TEST_ADMIN_KEY,
    body: { name: 'chaos callers', role: 'service', tenants: ['*'] },
  });
  if (res.status !== 201) throw new Error(`service key not created: ${res.status} ${res.text}`);
  return res.body.key;
}

/** Runs `work` over `items` with at most `limit` at once. */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i] as T, i);
      }
    }),
  );
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it holds or `timeoutMs` passes; returns whether it held. */
export async function waitUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 200,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(everyMs);
  }
  return check();
}
