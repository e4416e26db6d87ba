import { expect } from 'vitest';
import { ParticleError } from '../../src/particle/particle.errors.js';

/** Resolves with the ParticleError the promise rejected with; fails the test if it resolved. */
export async function rejection(promise: Promise<unknown>): Promise<ParticleError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ParticleError);
    return err as ParticleError;
  }
  throw new Error('expected a rejection');
}
