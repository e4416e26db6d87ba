import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { AppModule, AppRuntime } from './app.module.js';
import { CONSOLE_SESSION_COOKIE } from './auth/console-session-token.js';
import { registerControlCharacterCheck } from './common/control-characters.js';
import { createValidationPipe } from './common/validation.js';
import { registerConsoleAssets } from './console/console-assets.js';
import { requestIdFor } from './common/request-id.js';
import { securityHeaders } from './common/security-headers.js';
import type { AppConfig } from './config/config.js';
import { assertKeyringCoversStoredSecrets } from './crypto/encryption-key-check.js';
import { runMigrationsLocked } from './database/data-source.js';
import { AppLogger } from './logging/app-logger.js';
import { logRequestCompleted } from './logging/request-logging.js';
import { MetricsService } from './metrics/metrics.service.js';
import { ParticleProxy } from './proxy/particle-proxy.js';

/** Bodies this API accepts are small JSON documents; anything larger is refused before parsing. */
export const BODY_LIMIT_BYTES = 64 * 1024;

function registerDocs(app: NestFastifyApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('particle-token-broker')
      .setDescription(
        'Per-tenant Particle cloud credentials and short-lived access tokens for internal services.',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key' })
      .addCookieAuth(CONSOLE_SESSION_COOKIE, { type: 'apiKey', in: 'cookie', description: 'Console session' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs/openapi.json',
    yamlDocumentUrl: 'docs/openapi.yaml',
  });
}

function registerHttpHooks(app: NestFastifyApplication, config: AppConfig): void {
  const https = config.publicUrl.startsWith('https:');
  const metrics = app.get(MetricsService);
  const logger = app.get(AppLogger).pino;
  const fastify = app.getHttpAdapter().getInstance();
  // Callback-style hooks, not async ones: each async hook costs a promise and a tick per request. The
  // header is set as the request arrives; every reply, error pages included, keeps it.
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('X-Request-Id', request.id);
    void reply.headers(securityHeaders(request.url, https));
    done();
  });
  registerControlCharacterCheck(fastify);
  // One hook for the request's log line and its metrics: `routeOptions` builds an object on every read.
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url;
    logRequestCompleted(logger, request, reply, route);
    // The route template, never the raw URL: ids in paths would explode label cardinality.
    metrics.observeHttp(
      request.method,
      route ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
      request.problemCode ?? 'ok',
    );
    done();
  });
}

/** Builds the whole application, migrated and ready to `listen`; used by main.ts and by the tests. */
export async function createApp(config: AppConfig, runtime: AppRuntime): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: requestIdFor,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, runtime), adapter, {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(AppLogger));
  app.useGlobalPipes(createValidationPipe());
  if (config.migrateOnStart) await runMigrationsLocked(app.get(DataSource));
  await assertKeyringCoversStoredSecrets(app);
  registerHttpHooks(app, config);
  app.get(ParticleProxy).register(app.getHttpAdapter().getInstance());
  if (config.console.enabled && !registerConsoleAssets(app.getHttpAdapter().getInstance())) {
    app.get(AppLogger).warn('No console build in dist/web: /console is not served (run npm run build)');
  }
  registerDocs(app);
  await app.init();
  return app;
}
