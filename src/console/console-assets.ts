import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Where `npm run build` puts the console (Vite, web/ -> dist/web): beside this file's compiled copy
 * (dist/console/), or, when the server runs from its sources (the tests), in the dist/ next to them.
 */
function consoleRoot(): string | undefined {
  const candidates = [new URL('../web/', import.meta.url), new URL('../../dist/web/', import.meta.url)];
  return candidates.map((u) => fileURLToPath(u)).find((dir) => existsSync(`${dir}index.html`));
}

/** Vite names assets after their content, so a cached copy can never be stale. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Serves the ops console at /console (design.md §12) from the broker's own build: no other server, nothing
 * loaded from elsewhere. False when there is no build to serve (the API works without it).
 */
export function registerConsoleAssets(fastify: FastifyInstance): boolean {
  const root = consoleRoot();
  if (!root) return false;
  void fastify.register(fastifyStatic, {
    root,
    prefix: '/console/',
    index: ['index.html'],
    wildcard: false,
    decorateReply: false,
    // Its own max-age=0 would be written after ours.
    cacheControl: false,
    setHeaders: (res, path) => {
      res.setHeader('Cache-Control', path.includes('/assets/') ? IMMUTABLE : 'no-cache');
    },
  });
  fastify.get('/console', (_request, reply) => reply.redirect('/console/', 308));
  return true;
}
