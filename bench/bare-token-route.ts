/**
 * What the bare servers share: one JSON route shaped like the token endpoint, with nothing else around it
 * (no auth, validation, logging, database), on Nest + Fastify at 127.0.0.1:PORT.
 */
import 'reflect-metadata';
import { Body, Controller, HttpCode, Module, Param, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { BENCH_CREDENTIAL_ID } from './bench-audit.js';

type Answer = Record<string, unknown>;

function answer(tenantId: string): Answer {
  return {
    access_token: '254406f79c1999af65a7df4388971354f85cfee9',
    token_type: 'bearer',
    expires_at: '2026-11-23T22:00:00.000Z',
    expires_in: 3599,
    tenant_id: tenantId,
    credential_id: BENCH_CREDENTIAL_ID,
    scope: null,
  };
}

/**
 * Serves the route and writes `ready` once it listens. `beforeAnswer`, when given, runs first and the
 * answer waits for it; without it the handler answers synchronously, as the baseline always has.
 */
export async function serveBareTokenRoute(beforeAnswer?: (tenantId: string) => Promise<void>): Promise<void> {
  @Controller()
  class BareController {
    @Post('v1/tenants/:id/tokens')
    @HttpCode(200)
    issue(@Param('id') id: string, @Body() _body: unknown): Answer | Promise<Answer> {
      return beforeAnswer ? beforeAnswer(id).then(() => answer(id)) : answer(id);
    }
  }

  @Module({ controllers: [BareController] })
  class BareModule {}

  const app = await NestFactory.create<NestFastifyApplication>(BareModule, new FastifyAdapter(), {
    logger: false,
  });
  await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
  // An exit on SIGTERM, as the broker's, so that a CPU profile (--cpu-prof) is written.
  process.once('SIGTERM', () => process.exit(0));
  process.stdout.write('ready\n');
}
