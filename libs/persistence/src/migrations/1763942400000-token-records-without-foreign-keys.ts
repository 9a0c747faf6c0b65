import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The token endpoint writes a refresh token and an access-token record on every request.
 * Their foreign keys made each of those INSERTs lock the parent row (FOR KEY SHARE on the
 * grant, and on the client: one row shared by every concurrent request of that client),
 * and each lock is a heap write with its own WAL record. Measured on the refresh
 * benchmark, dropping the three keys raised throughput by about a quarter.
 *
 * What the keys gave is kept otherwise:
 * - deletion still cascades: triggers delete the tokens of deleted grants, and the
 *   grantless access-token records (client_credentials) of deleted clients;
 * - a token whose grant is gone (inserted by a rotation racing the grant's deletion) is
 *   dead: every reader joins the grant and requires it (RefreshTokenService,
 *   IssuedTokensService.status).
 */
export class TokenRecordsWithoutForeignKeys1763942400000 implements MigrationInterface {
  name = 'TokenRecordsWithoutForeignKeys1763942400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE refresh_tokens DROP CONSTRAINT refresh_tokens_grant_id_fkey`);
    await q.query(`ALTER TABLE issued_tokens DROP CONSTRAINT issued_tokens_grant_id_fkey`);
    await q.query(`ALTER TABLE issued_tokens DROP CONSTRAINT issued_tokens_client_id_fkey`);
    // Records with a grant are found through it; only grantless ones are looked up by client.
    await q.query(`DROP INDEX issued_tokens_client_id_idx`);
    await q.query(`CREATE INDEX issued_tokens_grantless_client_id_idx ON issued_tokens (client_id) WHERE grant_id IS NULL`);

    await q.query(`
      CREATE FUNCTION delete_tokens_of_deleted_grants() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM refresh_tokens WHERE grant_id IN (SELECT id FROM deleted_grants);
        DELETE FROM issued_tokens WHERE grant_id IN (SELECT id FROM deleted_grants);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER grants_delete_tokens AFTER DELETE ON grants
      REFERENCING OLD TABLE AS deleted_grants
      FOR EACH STATEMENT EXECUTE FUNCTION delete_tokens_of_deleted_grants()`);
    await q.query(`
      CREATE FUNCTION delete_grantless_tokens_of_deleted_clients() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM issued_tokens WHERE grant_id IS NULL AND client_id IN (SELECT client_id FROM deleted_clients);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER clients_delete_grantless_tokens AFTER DELETE ON clients
      REFERENCING OLD TABLE AS deleted_clients
      FOR EACH STATEMENT EXECUTE FUNCTION delete_grantless_tokens_of_deleted_clients()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER clients_delete_grantless_tokens ON clients`);
    await q.query(`DROP FUNCTION delete_grantless_tokens_of_deleted_clients()`);
    await q.query(`DROP TRIGGER grants_delete_tokens ON grants`);
    await q.query(`DROP FUNCTION delete_tokens_of_deleted_grants()`);
    await q.query(`DROP INDEX issued_tokens_grantless_client_id_idx`);
    await q.query(`CREATE INDEX issued_tokens_client_id_idx ON issued_tokens (client_id)`);
    // Orphans (a rotation that raced its grant's deletion) would fail the keys.
    await q.query(`DELETE FROM refresh_tokens r WHERE NOT EXISTS (SELECT 1 FROM grants g WHERE g.id = r.grant_id)`);
    await q.query(`DELETE FROM issued_tokens t WHERE t.grant_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM grants g WHERE g.id = t.grant_id)`);
    await q.query(`DELETE FROM issued_tokens t WHERE NOT EXISTS (SELECT 1 FROM clients c WHERE c.client_id = t.client_id)`);
    await q.query(`ALTER TABLE refresh_tokens ADD CONSTRAINT refresh_tokens_grant_id_fkey FOREIGN KEY (grant_id) REFERENCES grants (id) ON DELETE CASCADE`);
    await q.query(`ALTER TABLE issued_tokens ADD CONSTRAINT issued_tokens_grant_id_fkey FOREIGN KEY (grant_id) REFERENCES grants (id) ON DELETE CASCADE`);
    await q.query(`ALTER TABLE issued_tokens ADD CONSTRAINT issued_tokens_client_id_fkey FOREIGN KEY (client_id) REFERENCES clients (client_id) ON DELETE CASCADE`);
  }
}
