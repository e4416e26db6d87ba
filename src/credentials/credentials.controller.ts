import { Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Audited, InTransactionAudit } from '../audit/audited.interceptor.js';
import type { SuccessAudit } from '../audit/success-audit.js';
import { ApiError } from '../common/api-error.js';
import { CredentialList } from './credentials.dto.js';
import { CredentialsService } from './credentials.service.js';

@ApiTags('credentials')
@ApiBearerAuth()
@Controller('v1/tenants/:id/credentials')
export class CredentialsController {
  constructor(private readonly credentials: CredentialsService) {}

  @Get()
  @ApiOkResponse({ type: CredentialList })
  async list(@Param('id') tenantId: string): Promise<CredentialList> {
    return { items: await this.credentials.listOfTenant(tenantId) };
  }

  @Delete(':credentialId')
  @HttpCode(204)
  @ApiNoContentResponse({
    description: 'Revoked at Particle where possible; its secrets are erased either way',
  })
  @Audited('credential.delete', {
    tenant: (c) => c.params.id,
    target: (c) => c.params.credentialId,
    details: (c) => ({ revoked_at_particle: c.result?.revoked_at_particle ?? null }),
  })
  async delete(
    @Param('id') tenantId: string,
    @Param(
      'credentialId',
      new ParseUUIDPipe({ exceptionFactory: () => ApiError.notFound('That credential') }),
    )
    credentialId: string,
    @InTransactionAudit() audit: SuccessAudit,
  ): Promise<{ revoked_at_particle: boolean }> {
    // 204 sends no body; the result only feeds the audit row (the one the erasure appends, too).
    const { revokedAtParticle } = await this.credentials.revokeAndErase(tenantId, credentialId, audit);
    return { revoked_at_particle: revokedAtParticle };
  }
}
