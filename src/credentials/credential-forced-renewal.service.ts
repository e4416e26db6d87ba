import { Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error.js';
import { CredentialEntity } from './credential.entity.js';
import { CredentialRenewalService } from './credential-renewal.service.js';
import { CredentialRenewalStep } from './credential-renewal.step.js';
import { CredentialsRepository } from './credentials.repository.js';
import { CredentialView } from './credentials.dto.js';
import { toCredentialView } from './credentials.service.js';
import { canRenew } from './renewal-policy.js';

function reauthRequired(c: CredentialEntity): ApiError {
  return new ApiError(
    'reauth_required',
    `Credential ${c.id} needs re-authentication: ${c.lastError ?? 'Particle refused it'}`,
    { extras: { credential_id: c.id, reason: c.lastError } },
  );
}

/**
 * POST /v1/tenants/{id}/credentials/{credentialId}/renewals: ops renew a credential now (or, for the kinds
 * Particle cannot renew, check it now), through the same single renewal as callers and the sweep, so it
 * never races them with the same refresh token.
 */
@Injectable()
export class CredentialForcedRenewal {
  constructor(
    private readonly credentials: CredentialsRepository,
    private readonly renewal: CredentialRenewalService,
    private readonly step: CredentialRenewalStep,
  ) {}

  async renewNow(tenantId: string, id: string, requestId: string | undefined): Promise<CredentialView> {
    const c = await this.credentials.findForTenant(tenantId, id);
    if (!c || c.status === 'revoked') throw ApiError.notFound(`Credential ${id}`);
    // Another renewal would only spend the budget on a refusal: a person must act first.
    if (c.status === 'needs_reauth') throw reauthRequired(c);
    try {
      if (canRenew(c.kind)) {
        // A renewal that lands meanwhile (a caller's, the sweep's) is as fresh as this one would be.
        await this.renewal.renewForCaller(c, (row) => row.version > c.version, requestId, {
          overrideBackoff: true,
        });
      } else {
        await this.step.checkNow(c, requestId);
      }
    } catch (err) {
      const after = await this.credentials.findForTenant(tenantId, id);
      if (after?.status === 'needs_reauth') throw reauthRequired(after);
      throw err;
    }
    const after = await this.credentials.findForTenant(tenantId, id);
    if (!after) throw ApiError.notFound(`Credential ${id}`);
    if (after.status === 'needs_reauth') throw reauthRequired(after);
    return toCredentialView(after);
  }
}
