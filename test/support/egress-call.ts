import type { EgressCall } from '../../src/particle/token-endpoint-guard.js';

/**
 * A token call that neither a tenant share nor the scheduled reserve refuses (no tenant, scheduled): for
 * tests of the budget and the breaker alone, which then see the whole budget.
 */
export const UNSHARED_CALL: EgressCall = { tenantId: null, scheduled: true };
