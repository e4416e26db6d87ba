import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, LessThan, Repository } from 'typeorm';
import { MfaChallengeEntity } from './mfa-challenge.entity.js';

@Injectable()
export class MfaChallengesRepository {
  private readonly repo: Repository<MfaChallengeEntity>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(MfaChallengeEntity);
  }

  /** `also` (the action's audit row) commits with the challenge, or neither does. */
  async insert(
    c: Omit<MfaChallengeEntity, 'createdAt' | 'tenant'>,
    also?: (em: EntityManager) => Promise<void>,
  ): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      await em.insert(MfaChallengeEntity, c);
      await also?.(em);
    });
  }

  findForTenant(tenantId: string, id: string): Promise<MfaChallengeEntity | null> {
    return this.repo.findOneBy({ tenantId, id });
  }

  /**
   * Spends one attempt atomically, so concurrent OTP submissions cannot exceed the limit.
   * Returns the attempts left after this one, or undefined when none were left.
   */
  async spendAttempt(id: string): Promise<number | undefined> {
    const result = await this.repo
      .createQueryBuilder()
      .update()
      .set({ attemptsLeft: () => 'attempts_left - 1' })
      .where('id = :id AND attempts_left > 0', { id })
      .returning(['attemptsLeft'])
      .execute();
    const row = (result.raw as { attempts_left?: number }[])[0];
    return row?.attempts_left;
  }

  async deleteById(id: string): Promise<void> {
    await this.repo.delete({ id });
  }

  async deleteExpired(now: Date): Promise<void> {
    await this.repo.delete({ expiresAt: LessThan(now) });
  }
}
