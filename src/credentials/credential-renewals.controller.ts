import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Audited } from '../audit/audited.interceptor.js';
import { ApiError } from '../common/api-error.js';
import { CredentialForcedRenewal } from './credential-forced-renewal.service.js';
import { CredentialView, RenewalBody } from './credentials.dto.js';

@ApiTags('credentials')
@ApiBearerAuth()
@Controller('v1/tenants/:id/credentials/:credentialId/renewals')
export class CredentialRenewalsController {
  constructor(private readonly forced: CredentialForcedRenewal) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Renew the credential now (password and token credentials: check it with Particle now); answers the credential',
  })
  @ApiOkResponse({ type: CredentialView })
  // Written after the renewal, as refresh.run is: the renewal commits under its lease (Particle has
  // already rotated the tokens by then), so there is no change left to roll back with a failed row.
  @Audited('credential.renewal', {
    tenant: (c) => c.params.id,
    target: (c) => c.params.credentialId,
    details: (c) => ({ kind: c.result?.kind ?? null, status: c.result?.status ?? null }),
  })
  renew(
    @Param('id') tenantId: string,
    @Param(
      'credentialId',
      new ParseUUIDPipe({ exceptionFactory: () => ApiError.notFound('That credential') }),
    )
    credentialId: string,
    @Body() _body: RenewalBody,
    @Req() request: FastifyRequest,
  ): Promise<CredentialView> {
    return this.forced.renewNow(tenantId, credentialId, request.id);
  }
}
