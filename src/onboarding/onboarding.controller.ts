import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Audited, InTransactionAudit } from '../audit/audited.interceptor.js';
import type { SuccessAudit } from '../audit/success-audit.js';
import {
  CreateCredentialBody,
  CredentialView,
  MfaBody,
  MfaRequiredView,
} from '../credentials/credentials.dto.js';
import { CredentialOnboardingService } from './credential-onboarding.service.js';

const forTenant = {
  tenant: (c: { params: Record<string, string | undefined> }) => c.params.id,
  target: (c: { result: Record<string, unknown> | undefined }) =>
    typeof c.result?.id === 'string'
      ? c.result.id
      : typeof c.result?.challenge_id === 'string'
        ? c.result.challenge_id
        : null,
};

@ApiTags('credentials')
@ApiBearerAuth()
@ApiExtraModels(MfaRequiredView)
@Controller('v1/tenants/:id/credentials')
export class OnboardingController {
  constructor(private readonly onboarding: CredentialOnboardingService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Add a credential: client_credentials, password (may answer 202 mfa_required) or token import',
  })
  @ApiCreatedResponse({ type: CredentialView })
  @ApiAcceptedResponse({
    type: MfaRequiredView,
    description: 'Particle asks for the OTP: POST .../credentials/mfa',
  })
  @Audited('credential.create', {
    ...forTenant,
    details: (c) => ({
      kind: c.body.kind,
      oauth_client_id: c.body.oauth_client_id ?? null,
      mfa: c.result?.status === 'mfa_required',
    }),
  })
  async create(
    @Param('id') tenantId: string,
    @Body() body: CreateCredentialBody,
    @Res({ passthrough: true }) reply: FastifyReply,
    @InTransactionAudit() audit: SuccessAudit,
  ): Promise<CredentialView | MfaRequiredView> {
    const result = await this.onboarding.create(tenantId, body, audit);
    if ('challenge_id' in result) void reply.status(202);
    return result;
  }

  @Post('mfa')
  @HttpCode(201)
  @ApiOperation({ summary: 'Finish a password login with the OTP' })
  @ApiCreatedResponse({ type: CredentialView })
  @ApiUnauthorizedResponse({ description: 'Wrong OTP; the body says how many attempts are left' })
  @Audited('credential.mfa', { ...forTenant, details: (c) => ({ challenge_id: c.body.challenge_id }) })
  finishMfa(
    @Param('id') tenantId: string,
    @Body() body: MfaBody,
    @InTransactionAudit() audit: SuccessAudit,
  ): Promise<CredentialView> {
    return this.onboarding.finishMfa(tenantId, body, audit);
  }
}
