import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull, MoreThan, Not, Repository } from 'typeorm';
import { ConnectSessionEntity } from './connect-session.entity.js';

export type ConnectOutcome = 'success' | 'denied' | 'failed';

export type NewConnectSession = Pick<
  ConnectSessionEntity,
  'id' | 'linkHash' | 'tenantId' | 'oauthClientId' | 'returnTo' | 'expiresAt'
>;

/**
 * connect_sessions. Every transition (open, consume) is one conditional UPDATE, so two browsers racing
 * with the same link or the same state cannot both get through, on any number of replicas.
 */
@Injectable()
export class ConnectSessionsRepository {
  private readonly repo: Repository<ConnectSessionEntity>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(ConnectSessionEntity);
  }

  /** `also` (the action's audit row) commits with the session, or neither does. */
  async insert(session: NewConnectSession, also?: (em: EntityManager) => Promise<void>): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      await em.insert(ConnectSessionEntity, {
        ...session,
        stateHash: null,
        openedAt: null,
        completedAt: null,
        outcome: null,
        credentialId: null,
      });
      await also?.(em);
    });
  }

  findByLinkHash(linkHash: Buffer): Promise<ConnectSessionEntity | null> {
    return this.repo.findOneBy({ linkHash });
  }

  /** Opens a never-opened, unexpired session and binds the state to it; false when it lost a race. */
  async openWithState(id: string, stateHash: Buffer, now: Date): Promise<boolean> {
    const result = await this.repo
      .createQueryBuilder()
      .update()
      .set({ openedAt: now, stateHash })
      .where('id = :id AND opened_at IS NULL AND completed_at IS NULL AND expires_at > :now', { id, now })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /** The opened session still waiting for this state; a read only, to learn which client to use. */
  findAwaitingState(stateHash: Buffer, now: Date): Promise<ConnectSessionEntity | null> {
    return this.repo.findOneBy({
      stateHash,
      openedAt: Not(IsNull()),
      completedAt: IsNull(),
      expiresAt: MoreThan(now),
    });
  }

  /**
   * Consumes the state: exactly one caller gets the session back; a forged, reused or expired state
   * gets undefined and changes nothing. `sessionId` pins the state to the session the caller expects.
   */
  async consumeState(
    stateHash: Buffer,
    now: Date,
    sessionId?: string,
  ): Promise<ConnectSessionEntity | undefined> {
    const update = this.repo
      .createQueryBuilder()
      .update()
      .set({ completedAt: now })
      .where('state_hash = :stateHash AND completed_at IS NULL AND expires_at > :now', { stateHash, now });
    if (sessionId !== undefined) update.andWhere('id = :sessionId', { sessionId });
    const result = await update.returning(['id']).execute();
    const id = (result.raw as { id?: string }[])[0]?.id;
    return id === undefined ? undefined : this.repo.findOneByOrFail({ id });
  }

  async recordOutcome(id: string, outcome: ConnectOutcome, credentialId: string | null): Promise<void> {
    await this.repo.update({ id }, { outcome, credentialId });
  }
}
