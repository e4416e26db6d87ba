import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, LessThan, Repository } from 'typeorm';
import { MfaChallengeEntity } from './mfa-challenge.entity.js';

@Injectable()
export class MfaChallengesRepository {
  private readonly repo: Repository<MfaChallengeEntity>;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.repo = dataSource.getRepository(MfaChallengeEntity);
  }

  async insert(c: Omit<MfaChallengeEntity, 'createdAt' | 'tenant'>): Promise<void> {
    await this.repo.insert(c);
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
