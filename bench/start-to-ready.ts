/**
 * Start to ready: `node dist/main.js` on an external PostgreSQL (already migrated, as a restarted replica
 * finds it) until `/health/ready` answers 200, BENCH_RUNS times; prints each run and the median.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { benchAdminKey, brokerEnv, freePort, scratchDatabase } from './harness.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const MAIN = join(import.meta.dirname, '..', '..', 'dist', 'main.js');

async function startOnce(env: Record<string, string>): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, ...env, PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return performance.now() - started;
      if (performance.now() - started > 30_000) throw new Error('not ready within 30 s');
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const db = await scratchDatabase();
try {
  const env = brokerEnv({
    databaseUrl: db.url,
    particleUrl: 'http://127.0.0.1:9',
    adminKey: benchAdminKey(),
  });
  await startOnce(env); // the first start applies the migrations
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await startOnce(env));
  const sorted = [...runs].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  console.log(`start to ready on an external PostgreSQL (${process.version}), ${RUNS} runs`);
  console.log(
    `runs ms: ${runs.map((r) => r.toFixed(0)).join(', ')}; median ${median.toFixed(0)} ms (target < 2000)`,
  );
} finally {
  await db.drop();
}
