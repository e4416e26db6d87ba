/**
 * The ceiling of the token path on one machine: the bare route (`bare-server.ts`) plus the one thing no
 * faster code can take out of it, the audit row committed before the answer, written by the broker's own
 * AuditService and AuditRepository (same group commit, same statement, same row) to the broker's
 * database. No key check, validation, cache, hooks or metrics. Run as its own process by `issue-tokens`
 * when BENCH_CEILING=1; DATABASE_URL names the broker's (already migrated) database.
 */
import 'reflect-metadata';
import { Body, Controller, HttpCode, Module, Param, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { AuditRepository } from '../src/audit/audit.repository.js';
import { AuditService } from '../src/audit/audit.service.js';
import { SystemClock } from '../src/common/clock.js';
import { dataSourceOptions } from '../src/database/data-source.js';
import { MetricsService } from '../src/metrics/metrics.service.js';

const dataSource = await new DataSource(dataSourceOptions(process.env.DATABASE_URL ?? '')).initialize();
const audit = new AuditService(new AuditRepository(dataSource), new SystemClock(), new MetricsService());

@Controller()
class BareAuditController {
  @Post('v1/tenants/:id/tokens')
  @HttpCode(200)
  async issue(@Param('id') id: string, @Body() _body: unknown): Promise<Record<string, unknown>> {
    // The row the broker writes for a cache hit (TokenIssuerService.issue), field for field.
    await audit.record({
      actor: 'key:bench-ceiling',
      action: 'token.issue',
      tenantId: id,
      requestId: 'ceiling',
      outcome: 'success',
      target: '6c1f7a0e-5d8b-4d55-9a51-0f0d7c7b1f62',
      details: { source: 'cache', min_ttl_seconds: 300 },
    });
    return {
      access_token: '254406f79c1999af65a7df4388971354f85cfee9',
      token_type: 'bearer',
      expires_at: '2026-11-23T22:00:00.000Z',
      expires_in: 3599,
      tenant_id: id,
      credential_id: '6c1f7a0e-5d8b-4d55-9a51-0f0d7c7b1f62',
      scope: null,
    };
  }
}

@Module({ controllers: [BareAuditController] })
class BareAuditModule {}

const app = await NestFactory.create<NestFastifyApplication>(BareAuditModule, new FastifyAdapter(), {
  logger: false,
});
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
process.once('SIGTERM', () => process.exit(0));
process.stdout.write('ready\n');
