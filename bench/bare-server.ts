/**
 * The baseline: a bare Nest + Fastify app with one JSON route shaped like the token endpoint, nothing else
 * (no auth, validation, logging, database). Run as its own process by the benchmarks.
 */
import { serveBareTokenRoute } from './bare-token-route.js';

await serveBareTokenRoute();
