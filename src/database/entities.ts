import { ApiKeyEntity } from '../auth/api-key.entity.js';
import { ConnectSessionEntity } from '../onboarding/connect-session.entity.js';
import { MfaChallengeEntity } from '../onboarding/mfa-challenge.entity.js';
import { AuditEventEntity } from '../audit/audit-event.entity.js';
import { ParticleEgressEntity } from '../particle/particle-egress.entity.js';
import { OAuthClientSecretEntity } from '../tenants/oauth-client-secret.entity.js';
import { OAuthClientEntity } from '../tenants/oauth-client.entity.js';
import { TenantEntity } from '../tenants/tenant.entity.js';
import { CredentialEntity } from '../credentials/credential.entity.js';

/** Every TypeORM entity, listed once: the app, the migration check and the tests all use this list. */
export const ENTITIES: (new () => object)[] = [
  TenantEntity,
  OAuthClientEntity,
  OAuthClientSecretEntity,
  ApiKeyEntity,
  AuditEventEntity,
  ParticleEgressEntity,
  CredentialEntity,
  MfaChallengeEntity,
  ConnectSessionEntity,
];
