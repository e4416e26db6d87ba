/**
 * The baseline: a bare Nest + Fastify app with one JSON route shaped like the token endpoint, nothing else
 * (no auth, validation, logging, database). Run as its own process by the benchmarks.
 */
import 'reflect-metadata';
import { Body, Controller, HttpCode, Module, Param, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';

@Controller()
class BareController {
  @Post('v1/tenants/:id/tokens')
  @HttpCode(200)
  issue(@Param('id') id: string, @Body() _body: unknown): Record<string, unknown> {
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

@Module({ controllers: [BareController] })
class BareModule {}

const app = await NestFactory.create<NestFastifyApplication>(BareModule, new FastifyAdapter(), {
  logger: false,
});
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
// An exit on SIGTERM, as the broker's, so that a CPU profile (--cpu-prof) is written.
process.once('SIGTERM', () => process.exit(0));
process.stdout.write('ready\n');
