import { ApiError } from '../common/api-error.js';
import { isParticleError } from '../particle/particle.errors.js';

/**
 * During onboarding the caller just handed us the credential, so Particle refusing it is the caller's
 * input at fault: 422 `validation_failed` (nothing is stored). Outages and local limits keep their codes.
 */
export function onboardingError(err: unknown, what: string): unknown {
  if (!isParticleError(err)) return err;
  switch (err.kind) {
    case 'invalid_grant':
    case 'invalid_token':
    case 'invalid_client':
    case 'rejected':
      return new ApiError('validation_failed', `Particle rejected ${what}: ${err.description}`, {
        status: 422,
        extras: { particle_error: err.particleError ?? err.kind },
      });
    default:
      // Outages and local limits: the problem filter names them as everywhere else.
      return err;
  }
}
