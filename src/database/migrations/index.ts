import type { MigrationInterface } from 'typeorm';
import { Init1795468906403 } from './1795468906403-Init.js';
import { ParticleEgress1795469416691 } from './1795469416691-ParticleEgress.js';
import { Credentials1795469814599 } from './1795469814599-Credentials.js';
import { CustomerTokens1795470139693 } from './1795470139693-CustomerTokens.js';
import { ManagedClients1795472349303 } from './1795472349303-ManagedClients.js';
import { EgressBuckets1795476014001 } from './1795476014001-EgressBuckets.js';
import { EgressSequence1795478000000 } from './1795478000000-EgressSequence.js';
import { EgressTenants1795480000000 } from './1795480000000-EgressTenants.js';
import { Webhooks1795490000000 } from './1795490000000-Webhooks.js';
import { ParticleApiBudget1795510000000 } from './1795510000000-ParticleApiBudget.js';
import { ParticleStreamSlots1795520000000 } from './1795520000000-ParticleStreamSlots.js';
import { OpsConsole1795540000000 } from './1795540000000-OpsConsole.js';

/** Applied in this order; a new migration is appended here (no directory globbing, so dist and tests agree). */
export const MIGRATIONS: (new () => MigrationInterface)[] = [
  Init1795468906403,
  ParticleEgress1795469416691,
  Credentials1795469814599,
  CustomerTokens1795470139693,
  ManagedClients1795472349303,
  EgressBuckets1795476014001,
  EgressSequence1795478000000,
  EgressTenants1795480000000,
  Webhooks1795490000000,
  ParticleApiBudget1795510000000,
  ParticleStreamSlots1795520000000,
  OpsConsole1795540000000,
];
