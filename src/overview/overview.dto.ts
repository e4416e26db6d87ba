import { ApiProperty } from '@nestjs/swagger';
import { RISK_ACTIONS, RISK_REASONS } from '../credentials/credential-risk.js';

export class CredentialCountsView {
  @ApiProperty({ example: 40 }) active: number;
  @ApiProperty({ example: 1, description: 'password/token credentials close to expiry (cannot be renewed)' })
  expiring: number;
  @ApiProperty({ example: 2, description: 'retrying with backoff after transient errors' }) failing: number;
  @ApiProperty({ example: 1, description: 'a person must act (connect, log in or import again)' })
  needs_reauth: number;
  @ApiProperty({ example: 0 }) revoked: number;
}

export class AtRiskView {
  @ApiProperty({ example: 'acme' }) tenant_id: string;
  @ApiProperty({ format: 'uuid' }) credential_id: string;
  @ApiProperty({ enum: ['client_credentials', 'authorization_code', 'password', 'token'] }) kind: string;
  @ApiProperty({ enum: ['needs_reauth', 'failing', 'expiring'] }) status: string;
  @ApiProperty({
    enum: RISK_REASONS,
    description:
      'reauth_required: Particle refused it or it expired; oauth_client_invalid: Particle refused the OAuth client; ' +
      'renewal_failing: transient errors, retried with backoff; expires_soon: a credential Particle cannot renew is close to expiry',
  })
  reason: string;
  @ApiProperty({
    enum: RISK_ACTIONS,
    description:
      'What fixes it: a connect link, a new login or import, a look at or rotation of the OAuth client, or a forced renewal (POST .../renewals)',
  })
  action: string;
  @ApiProperty({ description: 'When the credential entered this status' }) since: string;
  @ApiProperty({ type: String, nullable: true }) access_expires_at: string | null;
  @ApiProperty({ type: String, nullable: true }) last_error: string | null;
}

export class LastSweepView {
  @ApiProperty({ description: 'When the latest sweep of any replica finished (empty sweeps too)' })
  at: string;
  @ApiProperty() claimed: number;
  @ApiProperty() renewed: number;
  @ApiProperty() failed: number;
}

export class WebhookBacklogView {
  @ApiProperty({ description: 'Deliveries waiting for a first attempt or a retry' }) pending: number;
  @ApiProperty({ description: 'Endpoints whose newest attempted delivery did not succeed' })
  failing_endpoints: number;
}

export class OverviewView {
  @ApiProperty({ description: 'Number of tenants' }) tenants: number;
  @ApiProperty({ type: CredentialCountsView }) credentials: CredentialCountsView;
  @ApiProperty({
    type: [AtRiskView],
    description: 'Every needs_reauth, failing or expiring credential, most urgent first',
  })
  at_risk: AtRiskView[];
  @ApiProperty({ type: LastSweepView, nullable: true, description: 'null before the first sweep' })
  last_sweep: LastSweepView | null;
  @ApiProperty({ description: 'How long the most overdue credential has waited for the sweep (0: none)' })
  oldest_overdue_seconds: number;
  @ApiProperty({ type: WebhookBacklogView }) webhooks: WebhookBacklogView;
}
