import { Body, Controller, Header, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AllowServiceFor } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { TokenIssuerService } from './token-issuer.service.js';
import { IssuedTokenView, IssueTokenBody } from './tokens.dto.js';

@ApiTags('tokens')
@ApiBearerAuth()
@Controller('v1/tenants/:id/tokens')
export class TokensController {
  constructor(private readonly issuer: TokenIssuerService) {}

  @Post()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @AllowServiceFor('id')
  @ApiOperation({
    summary: 'A Particle access token valid for at least min_ttl_seconds (service or admin key)',
  })
  @ApiOkResponse({ type: IssuedTokenView })
  issue(
    @Param('id') tenantId: string,
    @Body() body: IssueTokenBody,
    @Req() request: FastifyRequest,
  ): Promise<IssuedTokenView> {
    // The guard has set the principal (this route is not public). Read here rather than through
    // @CurrentPrincipal(): a custom parameter decorator builds an execution context on every call.
    return this.issuer.issue(request.principal as Principal, tenantId, body, request.id);
  }
}
