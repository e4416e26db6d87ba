import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

export interface OutboxEvent {
  type: string;
  tenantId: string | null;
  /** Events with the same key reach an endpoint in the order they were written; null: no order. */
  orderingKey: string | null;
  data: Record<string, unknown>;
  /** A second event with the same key is dropped (e.g. once per budget window and scope). */
  dedupeKey?: string;
  /** Only this endpoint, whatever it subscribed to (webhook.test). */
  endpointId?: string;
}

/**
 * The app's way into the outbox: the same SQL function (`webhook_enqueue`, see the Webhooks migration)
 * the status triggers call, so there is one place that decides which endpoints an event goes to. With
 * `em`, the event commits with the caller's change or not at all.
 */
@Injectable()
export class WebhookOutbox {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The event's id, or null when no endpoint wants it (or its dedupe key was taken). */
  async enqueue(e: OutboxEvent, em?: EntityManager): Promise<string | null> {
    const [row] = await (em ?? this.dataSource).query<{ id: string | null }[]>(
      'SELECT webhook_enqueue($1, $2, $3, $4::jsonb, $5, $6::uuid) AS id',
      [e.type, e.tenantId, e.orderingKey, JSON.stringify(e.data), e.dedupeKey ?? null, e.endpointId ?? null],
    );
    return row?.id ?? null;
  }
}
