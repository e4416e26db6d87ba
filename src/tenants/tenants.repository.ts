import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, MoreThan, Repository } from 'typeorm';
import { TenantEntity } from './tenant.entity.js';

@Injectable()
export class TenantsRepository {
  private readonly repo: Repository<TenantEntity>;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.repo = dataSource.getRepository(TenantEntity);
  }

  /** Inserts unless the id is taken; returns undefined on a duplicate (no exception to parse). */
  async insertIfAbsent(id: string, name: string): Promise<TenantEntity | undefined> {
    const result = await this.repo
      .createQueryBuilder()
      .insert()
      .values({ id, name })
      .orIgnore()
      .returning('*')
      .execute();
    return (result.raw as unknown[]).length > 0
      ? this.repo.findOneBy({ id }).then((t) => t ?? undefined)
      : undefined;
  }

  findById(id: string): Promise<TenantEntity | null> {
    return this.repo.findOneBy({ id });
  }

  exists(id: string): Promise<boolean> {
    return this.repo.existsBy({ id });
  }

  listAfter(after: string | undefined, limit: number): Promise<TenantEntity[]> {
    return this.repo.find({
      where: after === undefined ? {} : { id: MoreThan(after) },
      order: { id: 'ASC' },
      take: limit,
    });
  }

  /** Its OAuth clients and their secrets go with it (ON DELETE CASCADE). */
  async deleteById(id: string): Promise<boolean> {
    const result = await this.repo.delete({ id });
    return (result.affected ?? 0) > 0;
  }
}
