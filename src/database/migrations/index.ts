import type { MigrationInterface } from 'typeorm';
import { Init1795468906403 } from './1795468906403-Init.js';

/** Applied in this order; a new migration is appended here (no directory globbing, so dist and tests agree). */
export const MIGRATIONS: (new () => MigrationInterface)[] = [Init1795468906403];
