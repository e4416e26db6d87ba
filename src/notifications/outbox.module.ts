import { Module } from '@nestjs/common';
import { EgressAnnouncements } from './egress-announcements.js';
import { WebhookOutbox } from './webhook-outbox.js';

/**
 * The outbox's writing side, for the modules whose changes cause the events the app writes itself
 * (rotations, budget refusals); delivery and the endpoints are NotificationsModule's. Status events are
 * written by triggers (the Webhooks migration) and need no import.
 */
@Module({
  providers: [WebhookOutbox, EgressAnnouncements],
  exports: [WebhookOutbox, EgressAnnouncements],
})
export class OutboxModule {}
