import { Injectable, NotFoundException } from '@nestjs/common';
import { GrantEntity, retryOnConflict } from '@latchkey/persistence';
import { DataSource, type EntityManager, type FindOptionsWhere } from 'typeorm';

export interface NewGrant {
  clientId: string;
  userId: string | null;
  scope: string;
  authTime?: Date | null;
}

/** A grant as the admin API shows it. */
export interface GrantSummary {
  id: string;
  clientId: string;
  userId: string | null;
  scope: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export interface GrantFilter {
  userId?: string;
  clientId?: string;
  limit: number;
  offset: number;
}

/**
 * Grants: one per authorization, shared by every code, refresh token and access token
 * issued from it. Revoking a grant revokes all of them in one transaction (the way
 * fosite revokes by request id and node-oidc-provider by grantId).
 */
@Injectable()
export class GrantsService {
  constructor(private readonly dataSource: DataSource) {}

  async create(grant: NewGrant, manager: EntityManager = this.dataSource.manager): Promise<GrantEntity> {
    const [row] = await manager.query(
      `INSERT INTO grants (client_id, user_id, scope, auth_time) VALUES ($1, $2, $3, $4)
       RETURNING id, client_id, user_id, scope, auth_time, created_at, revoked_at`,
      [grant.clientId, grant.userId, grant.scope, grant.authTime ?? null],
    );
    return toGrant(row);
  }

  async get(id: string, manager: EntityManager = this.dataSource.manager): Promise<GrantEntity | null> {
    if (!UUID.test(id)) return null;
    return manager.getRepository(GrantEntity).findOneBy({ id });
  }

  async list(filter: GrantFilter): Promise<{ items: GrantEntity[]; total: number }> {
    const where: FindOptionsWhere<GrantEntity> = {};
    if (filter.userId) {
      if (!UUID.test(filter.userId)) return { items: [], total: 0 };
      where.userId = filter.userId;
    }
    if (filter.clientId) where.clientId = filter.clientId;
    const [items, total] = await this.dataSource.getRepository(GrantEntity).findAndCount({
      where,
      order: { createdAt: 'DESC', id: 'ASC' },
      take: filter.limit,
      skip: filter.offset,
    });
    return { items, total };
  }

  /** GET /admin/grants: `{items, total, limit, offset}`, newest first. */
  async page(filter: GrantFilter): Promise<{ items: GrantSummary[]; total: number; limit: number; offset: number }> {
    const { items, total } = await this.list(filter);
    return { items: items.map(toSummary), total, limit: filter.limit, offset: filter.offset };
  }

  /** DELETE /admin/grants/{id}: revokes the grant with all its tokens; 404 when unknown. */
  async revokeOrThrow(id: string): Promise<void> {
    if (!(await this.revoke(id))) throw new NotFoundException(`no grant with id "${id}"`);
  }

  /**
   * Revokes one grant with all its refresh tokens and access tokens. False if unknown.
   * Inside a caller's transaction every query uses its connection: a second pool
   * connection taken while the transaction holds row locks can starve the pool (a storm
   * of replays, each holding a lock the next one waits for, each waiting for a connection).
   */
  async revoke(id: string, manager?: EntityManager): Promise<boolean> {
    if (!UUID.test(id)) return false;
    return (await this.revokeWhere('id = $1', [id], manager)) > 0 || (await this.get(id, manager)) !== null;
  }

  async revokeByUser(userId: string, manager?: EntityManager): Promise<number> {
    return this.revokeWhere('user_id = $1', [userId], manager);
  }

  async revokeByClient(clientId: string, manager?: EntityManager): Promise<number> {
    return this.revokeWhere('client_id = $1', [clientId], manager);
  }

  /**
   * One statement: marks the matching live grants revoked and, through data-modifying
   * CTEs, their refresh tokens and access tokens. Returns how many grants it revoked.
   * It locks the grants, then their tokens: the order in which rotations and reuse
   * revocations take them too (RefreshTokenService's LIVE_GRANT). Should Postgres still
   * abort it for a deadlock (two revocations of overlapping sets of grants, a client
   * deletion), on its own (no `manager`) the statement is tried again; inside a caller's
   * transaction, the caller runs it with transactionWithRetry.
   */
  private async revokeWhere(condition: string, params: unknown[], manager?: EntityManager): Promise<number> {
    const run = (m: EntityManager) =>
      m.query(
        `WITH revoked AS (
           UPDATE grants SET revoked_at = now() WHERE ${condition} AND revoked_at IS NULL RETURNING id
         ), refresh AS (
           UPDATE refresh_tokens SET revoked_at = now()
           WHERE grant_id IN (SELECT id FROM revoked) AND revoked_at IS NULL RETURNING 1
         ), access AS (
           UPDATE issued_tokens SET revoked_at = now()
           WHERE grant_id IN (SELECT id FROM revoked) AND revoked_at IS NULL RETURNING 1
         )
         SELECT (SELECT count(*) FROM revoked)::int AS grants,
                (SELECT count(*) FROM refresh)::int AS refresh_tokens,
                (SELECT count(*) FROM access)::int AS access_tokens`,
        params,
      );
    const [row] = await (manager ? run(manager) : retryOnConflict(() => run(this.dataSource.manager)));
    return row.grants as number;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function toSummary(grant: GrantEntity): GrantSummary {
  return {
    id: grant.id,
    clientId: grant.clientId,
    userId: grant.userId,
    scope: grant.scope,
    createdAt: grant.createdAt,
    revokedAt: grant.revokedAt,
  };
}

function toGrant(row: Record<string, unknown>): GrantEntity {
  return Object.assign(new GrantEntity(), {
    id: row.id,
    clientId: row.client_id,
    userId: row.user_id,
    scope: row.scope,
    authTime: row.auth_time,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  });
}
