import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

export interface WebhookEndpoint {
  id: string;
  url: string;
  events: string[];
  tenants: string[];
  description: string | null;
  createdAt: Date;
}

export interface SealedSecret {
  id: string;
  endpointId: string;
  sealed: string;
}

/** More work committed with a write (the admin action's audit row). */
export type AlsoIn = (em: EntityManager) => Promise<void>;

interface EndpointRow {
  id: string;
  url: string;
  events: string[];
  tenants: string[];
  description: string | null;
  created_at: Date;
}

const toEndpoint = (r: EndpointRow): WebhookEndpoint => ({
  id: r.id,
  url: r.url,
  events: r.events,
  tenants: r.tenants,
  description: r.description,
  createdAt: r.created_at,
});

const COLUMNS = 'id, url, events, tenants, description, created_at';

/**
 * `webhook_endpoints` and their `webhook_secrets` (an endpoint's secret versions, as an OAuth client's
 * are kept beside it): the only writer of both. Plain SQL: the tables have no TypeORM entity.
 */
@Injectable()
export class WebhookEndpointsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async create(e: Omit<WebhookEndpoint, 'createdAt'>, secret: SealedSecret, also?: AlsoIn) {
    return this.dataSource.transaction(async (em) => {
      const [row] = await em.query<EndpointRow[]>(
        `INSERT INTO webhook_endpoints (id, url, events, tenants, description)
         VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
        [e.id, e.url, e.events, e.tenants, e.description],
      );
      await em.query('INSERT INTO webhook_secrets (id, endpoint_id, secret_sealed) VALUES ($1, $2, $3)', [
        secret.id,
        e.id,
        secret.sealed,
      ]);
      await also?.(em);
      return toEndpoint(row!);
    });
  }

  async list(): Promise<WebhookEndpoint[]> {
    const rows = await this.dataSource.query<EndpointRow[]>(
      `SELECT ${COLUMNS} FROM webhook_endpoints ORDER BY created_at, id`,
    );
    return rows.map(toEndpoint);
  }

  async findById(id: string): Promise<WebhookEndpoint | null> {
    const [row] = await this.dataSource.query<EndpointRow[]>(
      `SELECT ${COLUMNS} FROM webhook_endpoints WHERE id = $1`,
      [id],
    );
    return row ? toEndpoint(row) : null;
  }

  /** Its secrets and deliveries go with it (ON DELETE CASCADE). False when there was none. */
  async deleteById(id: string, also?: AlsoIn): Promise<boolean> {
    return this.dataSource.transaction(async (em) => {
      // As a CTE: TypeORM answers a bare DELETE ... RETURNING with [rows, count], a SELECT with rows.
      const gone = await em.query<{ id: string }[]>(
        'WITH gone AS (DELETE FROM webhook_endpoints WHERE id = $1 RETURNING id) SELECT id FROM gone',
        [id],
      );
      if (gone.length === 0) return false;
      await also?.(em);
      return true;
    });
  }

  /**
   * A new secret becomes the signing one; those in use so far keep signing until `graceUntil` (now:
   * at once), and those already past their grace are dropped. False when the endpoint is gone.
   */
  async addSecret(secret: SealedSecret, now: Date, graceUntil: Date, also?: AlsoIn): Promise<boolean> {
    return this.dataSource.transaction(async (em) => {
      const [found] = await em.query<{ id: string }[]>(
        'SELECT id FROM webhook_endpoints WHERE id = $1 FOR UPDATE',
        [secret.endpointId],
      );
      if (!found) return false;
      await em.query('DELETE FROM webhook_secrets WHERE endpoint_id = $1 AND expires_at <= $2', [
        secret.endpointId,
        now,
      ]);
      await em.query(
        `UPDATE webhook_secrets SET expires_at = $2
          WHERE endpoint_id = $1 AND (expires_at IS NULL OR expires_at > $2)`,
        [secret.endpointId, graceUntil],
      );
      await em.query('INSERT INTO webhook_secrets (id, endpoint_id, secret_sealed) VALUES ($1, $2, $3)', [
        secret.id,
        secret.endpointId,
        secret.sealed,
      ]);
      await also?.(em);
      return true;
    });
  }

  /** A transaction for writes that go with an endpoint but not into its tables (an outbox event). */
  inTransaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }
}
