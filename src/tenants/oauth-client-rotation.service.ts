import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ApiError } from '../common/api-error.js';
import { Clock } from '../common/clock.js';
import { SecretBox } from '../crypto/secret-box.js';
import { ClientCredentials, ParticleClient } from '../particle/particle.client.js';
import { isParticleError, toApiError } from '../particle/particle.errors.js';
import { OAuthClientsRepository } from './oauth-clients.repository.js';
import { OAuthClientView, RotateSecretBody } from './oauth-clients.dto.js';
import { OAuthClientsService, secretLocation } from './oauth-clients.service.js';

const DEFAULT_GRACE_SECONDS = 86_400;
/** A code Particle can never have issued: checks a web client's secret without side effects. */
const PROBE_CODE = 'particle-token-broker-secret-check';

/**
 * Client secrets cannot be regenerated at Particle (particle-cloud.md §0.4), so rotation means: ops (or,
 * later, the broker) create a new client or secret there, and the broker checks it, switches to it, and
 * keeps the previous one as a fallback for a grace period.
 */
@Injectable()
export class OAuthClientRotationService {
  constructor(
    private readonly clients: OAuthClientsService,
    private readonly repository: OAuthClientsRepository,
    private readonly particle: ParticleClient,
    private readonly box: SecretBox,
    private readonly clock: Clock,
  ) {}

  async rotate(id: string, body: RotateSecretBody): Promise<OAuthClientView> {
    if (body.mode === 'particle') {
      throw ApiError.validation(
        'mode "particle" (the broker creating the client at Particle) is not available yet',
        [{ field: 'mode', messages: ['not available yet: pass client_secret'] }],
      );
    }
    const current = await this.clients.get(id);
    const next: ClientCredentials = {
      clientId: body.client_id ?? current.client_id,
      clientSecret: body.client_secret ?? '',
    };
    await this.verify(current, next);
    const now = this.clock.now();
    const grace = body.grace_seconds ?? DEFAULT_GRACE_SECONDS;
    const secretRowId = randomUUID();
    const rotated = await this.repository.rotate(
      id,
      {
        secretRowId,
        clientId: next.clientId,
        sealed: this.box.seal(next.clientSecret, secretLocation(secretRowId)),
      },
      grace > 0 ? new Date(now.getTime() + grace * 1000) : null,
      now,
    );
    if (!rotated) throw ApiError.notFound(`OAuth client ${id}`);
    return this.clients.get(id);
  }

  async rollBack(id: string): Promise<OAuthClientView> {
    await this.clients.get(id);
    if (!(await this.repository.rollBack(id, this.clock.now()))) {
      throw ApiError.conflict(
        `OAuth client ${id} has no previous secret inside its grace period to roll back to`,
      );
    }
    return this.clients.get(id);
  }

  /**
   * Asks Particle whether it accepts the new secret before anything changes. Product clients mint a
   * token (revoked again at once); other clients exchange a code that cannot exist, which Particle
   * refuses with invalid_grant only after it has accepted the client's credentials.
   */
  private async verify(client: OAuthClientView, next: ClientCredentials): Promise<void> {
    try {
      if (client.product_id) {
        const tokens = await this.particle.token(next, { type: 'client_credentials', expiresIn: 60 });
        await this.particle.revokeCurrent(tokens.accessToken).catch(() => undefined);
      } else {
        await this.particle.token(next, {
          type: 'authorization_code',
          code: PROBE_CODE,
          redirectUri: client.redirect_uri ?? '',
        });
      }
    } catch (err) {
      if (!isParticleError(err)) throw err;
      if (!client.product_id && err.kind === 'invalid_grant') return;
      if (err.kind === 'invalid_client' || err.kind === 'rejected' || err.kind === 'invalid_grant') {
        throw new ApiError(
          'validation_failed',
          `Particle rejected the new client credentials: ${err.description}`,
          {
            status: 422,
            extras: { particle_error: err.particleError ?? err.kind },
          },
        );
      }
      throw toApiError(err);
    }
  }
}
