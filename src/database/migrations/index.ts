import type { MigrationInterface } from 'typeorm';

/** Applied in this order; a new migration is appended here (no directory globbing, so dist and tests agree). */
export const MIGRATIONS: (new () => MigrationInterface)[] = [];
