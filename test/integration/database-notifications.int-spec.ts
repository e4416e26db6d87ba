import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { CREDENTIAL_CHANNEL } from '../../src/credentials/credential-changes.listener.js';
import { dataSourceOptions } from '../../src/database/data-source.js';
import {
  DatabaseNotifications,
  LISTEN_APPLICATION_NAME,
  NotificationSubscriber,
} from '../../src/database/database-notifications.js';
import { WEBHOOK_CHANNEL } from '../../src/notifications/webhook-wakeups.js';
import { createTestDatabase, TestDatabase } from '../support/database.js';
import { eventually } from '../support/webhook-receiver.js';

/** Everything one subscriber heard, in order. */
class Recorder implements NotificationSubscriber {
  readonly heard: string[] = [];
  notified(payload: string): void {
    this.heard.push(`notified:${payload}`);
  }
  listening(): void {
    this.heard.push('listening');
  }
  connectionLost(): void {
    this.heard.push('lost');
  }
  /** What it heard since `from`, and from there on. */
  since(from: number): string[] {
    return this.heard.slice(from);
  }
}

describe(DatabaseNotifications.name, () => {
  let db: TestDatabase;
  let ds: DataSource;
  let notifications: DatabaseNotifications;
  const credentials = new Recorder();
  const webhooks = new Recorder();

  const sessions = async (): Promise<number[]> =>
    (
      await db.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2',
        [db.name, LISTEN_APPLICATION_NAME],
      )
    ).map((r) => r.pid);
  const notify = (channel: string, payload: string): Promise<unknown> =>
    ds.query('SELECT pg_notify($1, $2)', [channel, payload]);
  const heardListening = (r: Recorder, from: number): boolean => r.since(from).includes('listening');

  /**
   * A notification on each channel reaches its own subscriber only. The webhook one is sent second: the
   * server delivers one session's notifications in order, so once it has arrived, a credential
   * notification wrongly handed to the webhook subscriber would have arrived before it.
   */
  async function expectEachChannelToItsSubscriber(tag: string): Promise<void> {
    const c = credentials.heard.length;
    const w = webhooks.heard.length;
    await notify(CREDENTIAL_CHANNEL, `c-${tag}`);
    await notify(WEBHOOK_CHANNEL, `w-${tag}`);
    await eventually(() => webhooks.since(w).length > 0);
    await eventually(() => credentials.since(c).length > 0);
    expect(credentials.since(c)).toEqual([`notified:c-${tag}`]);
    expect(webhooks.since(w)).toEqual([`notified:w-${tag}`]);
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = new DataSource(dataSourceOptions(db.url, 2));
    await ds.initialize();
    notifications = new DatabaseNotifications(ds);
    // One subscriber registered before the start, one on the live connection (as the webhook worker does).
    notifications.subscribe(CREDENTIAL_CHANNEL, credentials);
    await notifications.onModuleInit();
    notifications.subscribe(WEBHOOK_CHANNEL, webhooks);
    await eventually(() => heardListening(webhooks, 0));
  });
  afterAll(async () => {
    await notifications.onApplicationShutdown();
    await ds.destroy();
    await db.drop();
  });

  it('serves both channels on one connection, each notification to its own subscriber', async () => {
    expect(await sessions()).toHaveLength(1);
    expect(credentials.heard).toEqual(['listening']);
    expect(webhooks.heard).toEqual(['listening']);
    await expectEachChannelToItsSubscriber('1');
    expect(await sessions()).toHaveLength(1);
  });

  it('tells both subscribers when its connection is cut, listens again to both, and delivers again', async () => {
    const [pid] = await sessions();
    const c = credentials.heard.length;
    const w = webhooks.heard.length;
    await db.query('SELECT pg_terminate_backend($1)', [pid]);
    await eventually(() => heardListening(credentials, c) && heardListening(webhooks, w));
    expect(credentials.since(c)).toEqual(['lost', 'listening']);
    expect(webhooks.since(w)).toEqual(['lost', 'listening']);
    const now = await sessions();
    expect(now).toHaveLength(1);
    expect(now[0]).not.toBe(pid);
    await expectEachChannelToItsSubscriber('2');
  });

  it('stops delivering to a subscriber that unsubscribed', async () => {
    const other = new Recorder();
    const unsubscribe = notifications.subscribe(WEBHOOK_CHANNEL, other);
    await eventually(() => heardListening(other, 0));
    unsubscribe();
    await expectEachChannelToItsSubscriber('3');
    expect(other.heard).toEqual(['listening']);
  });

  it('keeps telling the others when one subscriber throws', async () => {
    const throwing: NotificationSubscriber = {
      notified: () => {
        throw new Error('subscriber bug');
      },
      listening: () => {
        throw new Error('subscriber bug');
      },
      connectionLost: () => undefined,
    };
    const offThrowing = notifications.subscribe(WEBHOOK_CHANNEL, throwing);
    const after = new Recorder();
    const offAfter = notifications.subscribe(WEBHOOK_CHANNEL, after);
    await eventually(() => heardListening(after, 0));
    await notify(WEBHOOK_CHANNEL, 'w-5');
    await eventually(() => after.heard.includes('notified:w-5'));
    offThrowing();
    offAfter();
    await expectEachChannelToItsSubscriber('5');
  });

  it('closes its connection at shutdown and does not reconnect, even with a retry pending', async () => {
    const [pid] = await sessions();
    const c = credentials.heard.length;
    await db.query('SELECT pg_terminate_backend($1)', [pid]);
    await eventually(() => credentials.since(c).includes('lost'));
    await notifications.onApplicationShutdown();
    // A terminated backend may show for a moment after the signal.
    await eventually(async () => (await sessions()).length === 0);
    // Past the first retry's delay: a reconnect would have shown by now.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await sessions()).toEqual([]);
    expect(credentials.since(c)).toEqual(['lost']);
    // Nor does a subscriber that comes after the shutdown open one.
    const late = new Recorder();
    notifications.subscribe(CREDENTIAL_CHANNEL, late);
    await new Promise((r) => setTimeout(r, 500));
    expect(await sessions()).toEqual([]);
    expect(late.heard).toEqual([]);
  });
});
