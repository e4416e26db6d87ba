import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, MoreThan, Repository } from 'typeorm';
import { TenantEntity } from './tenant.entity.js';

@Injectable()
export class TenantsRepository {
  private readonly repo: Repository<TenantEntity>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(TenantEntity);
  }

  /**
   * Inserts unless the id is taken; returns undefined on a duplicate (no exception to parse). `also` (the
   * action's audit row) commits with a new tenant, or neither does.
   */
  async insertIfAbsent(
    id: string,
    name: string,
    also?: (em: EntityManager, created: TenantEntity) => Promise<void>,
  ): Promise<TenantEntity | undefined> {
    return this.dataSource.transaction(async (em) => {
      const result = await em
        .createQueryBuilder()
        .insert()
        .into(TenantEntity)
        .values({ id, name })
        .orIgnore()
        .returning('id')
        .execute();
      if ((result.raw as unknown[]).length === 0) return undefined;
      const created = await em.findOneByOrFail(TenantEntity, { id });
      await also?.(em, created);
      return created;
    });
  }

  findById(id: string): Promise<TenantEntity | null> {
    return this.repo.findOneBy({ id });
  }

  exists(id: string): Promise<boolean> {
    return this.repo.existsBy({ id });
  }

  count(): Promise<number> {
    return this.repo.count();
  }

  listAfter(after: string | undefined, limit: number): Promise<TenantEntity[]> {
    return this.repo.find({
      where: after === undefined ? {} : { id: MoreThan(after) },
      order: { id: 'ASC' },
      take: limit,
    });
  }

  /**
   * Its OAuth clients and their secrets go with it (ON DELETE CASCADE); `also` runs in the same
   * transaction (what other tables must forget of the tenant), so neither change commits without the other.
   */
  async deleteById(id: string, also: (em: EntityManager) => Promise<void>): Promise<boolean> {
    return this.dataSource.transaction(async (em) => {
      const result = await em.delete(TenantEntity, { id });
      if ((result.affected ?? 0) === 0) return false;
      await also(em);
      return true;
    });
  }
}
