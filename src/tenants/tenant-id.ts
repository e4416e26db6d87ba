/** The id format of tenants (design.md §6), reused for OAuth client ids and API key tenant lists. */
export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;

/** A tenant id, or the single wildcard `*` (API key and webhook tenant lists). */
export const TENANT_OR_WILDCARD = /^(\*|[a-z0-9][a-z0-9-]{1,62})$/;
