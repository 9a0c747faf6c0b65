import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * ExpiredTokenPurge finds expired refresh tokens and access-token records by expires_at.
 * A B-tree on it would add an index insert to every token the endpoint issues; a BRIN
 * index (per range of table pages, the smallest and largest expiry in it) costs an
 * insert almost nothing, and expiry follows insertion order closely enough (a token
 * expires a fixed time after it is written, per client) for it to skip the pages of live
 * tokens. autosummarize: autovacuum summarizes each filled page range as it goes.
 * authorization_codes already has a B-tree on expires_at.
 */
export class ExpiryIndexesForPurge1764028800000 implements MigrationInterface {
  name = 'ExpiryIndexesForPurge1764028800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX refresh_tokens_expires_at_brin ON refresh_tokens USING brin (expires_at) WITH (autosummarize = on)`);
    await q.query(`CREATE INDEX issued_tokens_expires_at_brin ON issued_tokens USING brin (expires_at) WITH (autosummarize = on)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX issued_tokens_expires_at_brin`);
    await q.query(`DROP INDEX refresh_tokens_expires_at_brin`);
  }
}
