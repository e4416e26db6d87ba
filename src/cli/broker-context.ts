import { ConsoleLogger, type INestApplicationContext, type LogLevel, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { hostname, userInfo } from 'node:os';
import { DataSource } from 'typeorm';
import { AppModule } from '../app.module.js';
import { auditRecordFor, AuditContext } from '../audit/audit-record.js';
import { auditedMetaOf } from '../audit/audited.interceptor.js';
import { AuditService } from '../audit/audit.service.js';
import { SuccessAudit } from '../audit/success-audit.js';
import { ApiError } from '../common/api-error.js';
import { knownProblem } from '../common/known-problem.js';
import { createValidationPipe } from '../common/validation.js';
import { loadConfig } from '../config/config.js';
import { assertKeyringCoversStoredSecrets } from '../crypto/encryption-key-check.js';
import { dataSourceOptions, runMigrationsLocked } from '../database/data-source.js';
import { EmbeddedDatabase, startEmbeddedPostgres } from '../database/embedded-postgres.js';
import { runningEmbeddedPostgres } from '../database/running-embedded-postgres.js';

/**
 * Nest's console logger with every level on stderr (it writes warnings to stdout), so that stdout
 * holds only a command's output, e.g. the one JSON document of `--json`.
 */
class StderrLogger extends ConsoleLogger {
  protected override printMessages(
    messages: unknown[],
    context?: string,
    logLevel?: LogLevel,
    _stream?: 'stdout' | 'stderr',
    errorStack?: unknown,
    params?: Record<string, unknown>,
  ): void {
    super.printMessages(messages, context, logLevel, 'stderr', errorStack, params);
  }
}

/**
 * The broker's own services, booted on first use (a command that fails validation never touches the
 * database). It is the service's module graph (AppModule) as an application context, without the HTTP
 * server, the in-process cron or background re-encryption (the CLI is the cron, and runs one job at a
 * time).
 */
export class BrokerContext {
  private booting: Promise<INestApplicationContext> | undefined;
  private embedded: EmbeddedDatabase | undefined;
  /** Who the audit log names for what this process does. */
  readonly actor = `cli:${userInfo().username}@${hostname()}`;

  get<T>(type: Type<T>): Promise<T> {
    this.booting ??= this.boot();
    return this.booting.then((app) => app.get(type));
  }

  /** Validates raw input with the API's own pipe and DTO: the CLI accepts exactly what the API does. */
  async validated<T extends object>(type: Type<T>, raw: Record<string, unknown>): Promise<T> {
    return (await createValidationPipe().transform(raw, { type: 'body', metatype: type })) as T;
  }

  /**
   * Runs a service call and audits it exactly as the endpoint `[controller, method]` (a handler carrying
   * `@Audited`) would: same action, tenant, target and details, with this process as the actor. `call`
   * hands `success` to the service as the endpoint does, so the change commits with its success row.
   */
  async audited<C extends object, R>(
    [controller, method]: [Type<C>, keyof C & string],
    input: { params?: Record<string, string>; body?: object },
    call: (success: SuccessAudit) => Promise<R>,
  ): Promise<R> {
    const handler: unknown = (controller.prototype as Record<string, unknown>)[method];
    const meta = typeof handler === 'function' ? auditedMetaOf(handler) : undefined;
    if (!meta) throw new Error(`${controller.name}.${method} is not an @Audited handler`);
    const audit = await this.get(AuditService);
    const base = { params: input.params ?? {}, body: { ...input.body } as Record<string, unknown> };
    const who = { actor: this.actor, requestId: null };
    const write = (c: AuditContext, outcome: 'success' | 'failure', error?: ApiError) =>
      audit.record(auditRecordFor(meta, c, { ...who, outcome, error }));
    const success = new SuccessAudit(audit, meta, base, who);
    let result: R;
    try {
      result = await call(success);
    } catch (err) {
      await write({ ...base, result: undefined }, 'failure', knownProblem(err));
      throw err;
    }
    if (success.appended) return result;
    const record = result && typeof result === 'object' ? (result as Record<string, unknown>) : undefined;
    await write({ ...base, result: record }, 'success');
    return result;
  }

  async close(): Promise<void> {
    const app = await this.booting?.catch(() => undefined);
    await app?.close();
    await this.embedded?.stop();
  }

  private async boot(): Promise<INestApplicationContext> {
    const config = loadConfig({
      ...process.env,
      REFRESH_CRON: 'off',
      BROKER_REENCRYPT: 'off',
      BROKER_WEBHOOK_DELIVERY: 'off',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    });
    const embedded = { dataDir: config.dataDir, database: 'broker' };
    // Beside a broker on the embedded default, its server already holds the data directory: use it.
    this.embedded = config.databaseUrl
      ? undefined
      : ((await runningEmbeddedPostgres(embedded)) ?? (await startEmbeddedPostgres(embedded)));
    const databaseUrl = config.databaseUrl ?? (this.embedded as EmbeddedDatabase).url;
    // Migrate before the module graph starts: its init hooks already read the tables.
    if (config.migrateOnStart) await migrate(databaseUrl);
    const app = await NestFactory.createApplicationContext(AppModule.forRoot(config, { databaseUrl }), {
      logger: new StderrLogger({ logLevels: ['error', 'warn'] }),
      abortOnError: false,
    });
    await assertKeyringCoversStoredSecrets(app);
    return app;
  }
}

/** Two connections: one holds the advisory lock while the migrations run on the other. */
async function migrate(url: string): Promise<void> {
  const dataSource = await new DataSource(dataSourceOptions(url, 2)).initialize();
  try {
    await runMigrationsLocked(dataSource);
  } finally {
    await dataSource.destroy();
  }
}
