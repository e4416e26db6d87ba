import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory.js';
import { Clock } from '../../src/common/clock.js';
import { AppConfig, loadConfig } from '../../src/config/config.js';
import type { StreamTimings } from '../../src/proxy/streams/upstream-stream.js';
import { createTestDatabase, TestDatabase } from './database.js';
import { leakRecorder } from './leak-check/recorder.js';

export const TEST_ENCRYPTION_KEY = `test1:${randomBytes(32).toString('base64')}`;
export const TEST_ADMIN_KEY = `ptb_admin_bootstrap_${randomBytes(16).toString('hex')}`;

/** Captures every JSON log line an app writes, so tests (and the whole-run check) can search them for secrets. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];

  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    const lines = chunk.toString('utf8').split('\n').filter(Boolean);
    this.lines.push(...lines);
    for (const line of lines) leakRecorder.logLine(line);
    done();
  }

  text(): string {
    return this.lines.join('\n');
  }
}

export interface TestApp {
  readonly app: NestFastifyApplication;
  readonly config: AppConfig;
  /** Base URL of the listening server, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly db: TestDatabase;
  readonly logs: LogCapture;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Share a database between several instances (replica tests); a fresh one is made otherwise. */
  db?: TestDatabase;
  clock?: Clock;
  /** Listen on this port instead of a free one (to know BROKER_PUBLIC_URL before start); default 0. */
  port?: number;
  streamTimings?: StreamTimings;
}

/** A whole app listening on a free loopback port, on its own database unless one is given. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const ownDb = !options.db;
  const db = options.db ?? (await createTestDatabase());
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    BROKER_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY,
    BROKER_BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY,
    REFRESH_CRON: 'off',
    LOG_LEVEL: 'info',
    PARTICLE_API_URL: 'http://127.0.0.1:9',
    PARTICLE_TIMEOUT_MS: '2000',
    ...options.env,
  });
  const logs = new LogCapture();
  const app = await createApp(config, {
    databaseUrl: db.url,
    logStream: logs,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.streamTimings ? { streamTimings: options.streamTimings } : {}),
  });
  await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    config,
    url: `http://127.0.0.1:${port}`,
    db,
    logs,
    close: async () => {
      await app.close();
      if (ownDb) await db.drop();
    },
  };
}
