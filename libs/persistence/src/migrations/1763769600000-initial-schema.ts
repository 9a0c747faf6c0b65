import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The tables of DESIGN.md §3. Plain SQL, so the schema reads the same as the database. */
export class InitialSchema1763769600000 implements MigrationInterface {
  name = 'InitialSchema1763769600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE clients (
        client_id                   text PRIMARY KEY,
        name                        text NOT NULL,
        profile                     text NOT NULL CHECK (profile IN ('standard', 'midnight', 'aws-signin', 'huawei', 'dressipi')),
        type                        text NOT NULL CHECK (type IN ('confidential', 'public')),
        secret_digest               bytea,
        previous_secret_digest      bytea,
        previous_secret_expires_at  timestamptz,
        api_key_digest              bytea,
        previous_api_key_digest     bytea,
        previous_api_key_expires_at timestamptz,
        redirect_uris               text[] NOT NULL DEFAULT '{}',
        grant_types                 text[] NOT NULL DEFAULT '{}',
        scopes                      text[] NOT NULL DEFAULT '{}',
        access_token_ttl            integer NOT NULL DEFAULT 3600 CHECK (access_token_ttl > 0),
        refresh_token_ttl           integer NOT NULL DEFAULT 2592000 CHECK (refresh_token_ttl > 0),
        refresh_family_ttl          integer NOT NULL DEFAULT 7776000 CHECK (refresh_family_ttl > 0),
        refresh_grace_seconds       integer NOT NULL DEFAULT 0 CHECK (refresh_grace_seconds >= 0),
        issue_refresh_token         boolean NOT NULL DEFAULT true,
        require_pkce                boolean NOT NULL DEFAULT true,
        allow_plain_pkce            boolean NOT NULL DEFAULT false,
        domain                      text,
        disabled                    boolean NOT NULL DEFAULT false,
        created_at                  timestamptz NOT NULL DEFAULT now(),
        updated_at                  timestamptz NOT NULL DEFAULT now(),
        CHECK (type = 'public' OR secret_digest IS NOT NULL)
      )`);
    await q.query(`CREATE UNIQUE INDEX clients_api_key_digest_key ON clients (api_key_digest) WHERE api_key_digest IS NOT NULL`);

    await q.query(`
      CREATE TABLE users (
        id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        username               text NOT NULL,
        name                   text NOT NULL,
        email                  text,
        password_hash          text,
        owner_client_id        text REFERENCES clients (client_id) ON DELETE CASCADE,
        disabled               boolean NOT NULL DEFAULT false,
        credentials_changed_at timestamptz NOT NULL DEFAULT now(),
        created_at             timestamptz NOT NULL DEFAULT now(),
        updated_at             timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX users_username_key ON users (lower(username))`);
    await q.query(`CREATE INDEX users_owner_client_id_idx ON users (owner_client_id) WHERE owner_client_id IS NOT NULL`);

    await q.query(`
      CREATE TABLE grants (
        id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        client_id  text NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
        user_id    uuid REFERENCES users (id) ON DELETE CASCADE,
        scope      text NOT NULL DEFAULT '',
        auth_time  timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX grants_user_id_idx ON grants (user_id)`);
    await q.query(`CREATE INDEX grants_client_id_idx ON grants (client_id)`);

    await q.query(`
      CREATE TABLE authorization_codes (
        code_digest           bytea PRIMARY KEY,
        grant_id              uuid NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
        client_id             text NOT NULL,
        user_id               uuid NOT NULL,
        redirect_uri          text NOT NULL,
        scope                 text NOT NULL DEFAULT '',
        code_challenge        text,
        code_challenge_method text CHECK (code_challenge_method IN ('S256', 'plain')),
        nonce                 text,
        dpop_jkt              text,
        auth_time             timestamptz,
        created_at            timestamptz NOT NULL DEFAULT now(),
        expires_at            timestamptz NOT NULL,
        consumed_at           timestamptz,
        CHECK ((code_challenge IS NULL) = (code_challenge_method IS NULL))
      )`);
    await q.query(`CREATE INDEX authorization_codes_grant_id_idx ON authorization_codes (grant_id)`);
    await q.query(`CREATE INDEX authorization_codes_expires_at_idx ON authorization_codes (expires_at)`);

    await q.query(`
      CREATE TABLE refresh_tokens (
        token_digest      bytea PRIMARY KEY,
        grant_id          uuid NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
        parent_digest     bytea,
        client_id         text NOT NULL,
        user_id           uuid,
        scope             text NOT NULL DEFAULT '',
        dpop_jkt          text,
        created_at        timestamptz NOT NULL DEFAULT now(),
        expires_at        timestamptz NOT NULL,
        family_expires_at timestamptz NOT NULL,
        consumed_at       timestamptz,
        grace_used_at     timestamptz,
        revoked_at        timestamptz
      )`);
    await q.query(`CREATE INDEX refresh_tokens_grant_id_idx ON refresh_tokens (grant_id)`);

    await q.query(`
      CREATE TABLE issued_tokens (
        id               text PRIMARY KEY,
        kind             text NOT NULL CHECK (kind IN ('access_token', 'sigv4_credentials')),
        grant_id         uuid REFERENCES grants (id) ON DELETE CASCADE,
        client_id        text NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
        user_id          uuid,
        scope            text NOT NULL DEFAULT '',
        dpop_jkt         text,
        secret_encrypted bytea,
        created_at       timestamptz NOT NULL DEFAULT now(),
        expires_at       timestamptz NOT NULL,
        revoked_at       timestamptz
      )`);
    await q.query(`CREATE INDEX issued_tokens_grant_id_idx ON issued_tokens (grant_id) WHERE grant_id IS NOT NULL`);
    await q.query(`CREATE INDEX issued_tokens_client_id_idx ON issued_tokens (client_id)`);

    await q.query(`
      CREATE TABLE signing_keys (
        kid                   text PRIMARY KEY,
        alg                   text NOT NULL CHECK (alg IN ('ES256', 'RS256')),
        public_jwk            jsonb NOT NULL,
        private_jwk_encrypted bytea NOT NULL,
        state                 text NOT NULL CHECK (state IN ('next', 'active', 'retired')),
        created_at            timestamptz NOT NULL DEFAULT now(),
        activated_at          timestamptz,
        retired_at            timestamptz
      )`);
    // At most one key signs at a time.
    await q.query(`CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (state) WHERE state = 'active'`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['signing_keys', 'issued_tokens', 'refresh_tokens', 'authorization_codes', 'grants', 'users', 'clients']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
