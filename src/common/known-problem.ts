import { databaseUnavailable, isDatabaseUnavailable } from '../database/database-errors.js';
import { isParticleError, toApiError } from '../particle/particle.errors.js';
import { ApiError } from './api-error.js';

/**
 * The public problem an error stands for, when it is one the broker knows: its own, Particle's (a typed
 * ParticleError thrown from deep inside a renewal), or the database being down. Services throw what
 * they caught; the problem filter, the audit and the metrics all read it through this one mapping.
 */
export function knownProblem(err: unknown): ApiError | undefined {
  if (err instanceof ApiError) return err;
  if (isParticleError(err)) return toApiError(err);
  if (isDatabaseUnavailable(err)) return databaseUnavailable();
  return undefined;
}
