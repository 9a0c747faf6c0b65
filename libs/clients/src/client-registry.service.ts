import { BadRequestException, ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { generateOpaqueToken, SecretDigester } from '@latchkey/crypto';
import { GrantsService } from '@latchkey/grants';
import { ClientEntity, transactionWithRetry } from '@latchkey/persistence';
import { DataSource, QueryFailedError } from 'typeorm';
import { ClientCache } from './client-cache.js';
import {
  CLIENT_DEFAULTS,
  clientRuleViolations,
  isRedirectUriAllowed,
  LIMITS,
  registrationSettings,
  type ClientSettings,
  type FieldError,
} from './client-rules.js';
import {
  ClientApiKeyDto,
  ClientDto,
  ClientSecretDto,
  CreatedClientDto,
  type ClientPage,
  type ListClientsInput,
  type RegisterClientInput,
  type UpdateClientInput,
} from './client.dto.js';

/** Compared against when the client is unknown, so that a miss costs what a hit costs. */
const UNKNOWN_CLIENT_DIGEST = Buffer.alloc(32);

/**
 * The client registry: registration, settings, credentials and client authentication.
 *
 * Client secrets and API keys are 256-bit random values generated here, returned once,
 * and stored only as HMAC-SHA-256 digests (SecretDigester). Rotation keeps the previous
 * digest working until `previous_*_expires_at` (a grace period, 0 by default).
 *
 * Clients read by id are cached in process (DESIGN.md §6); every change made through this
 * service invalidates its entry and tells the `onChange` listeners (which publish it to the
 * other replicas, whose `invalidate` drops theirs). The cache keeps an entry for a few
 * seconds only, a backstop that bounds how long a missed message can matter.
 */
@Injectable()
export class ClientRegistry {
  private readonly logger = new Logger(ClientRegistry.name);
  private readonly cache = new ClientCache();
  private readonly listeners = new Set<(clientId: string) => void | Promise<void>>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly digester: SecretDigester,
    private readonly grants: GrantsService,
  ) {}

  // ---- admin -----------------------------------------------------------------------

  async register(input: RegisterClientInput): Promise<CreatedClientDto> {
    const type = input.type;
    const settings = registrationSettings(input);
    assertValid([...nameViolations(input.name), ...clientRuleViolations(settings)]);

    const clientSecret = type === 'confidential' ? generateOpaqueToken() : undefined;
    const apiKey = input.profile === 'dressipi' ? generateOpaqueToken() : undefined;
    const clientId = settings.clientId ?? generateOpaqueToken(16);

    try {
      await this.dataSource.getRepository(ClientEntity).insert({
        clientId,
        name: input.name,
        profile: settings.profile,
        type,
        secretDigest: clientSecret ? this.digester.digest(clientSecret) : null,
        apiKeyDigest: apiKey ? this.digester.digest(apiKey) : null,
        redirectUris: settings.redirectUris,
        grantTypes: settings.grantTypes,
        scopes: settings.scopes,
        accessTokenTtl: settings.accessTokenTtl,
        refreshTokenTtl: settings.refreshTokenTtl,
        refreshFamilyTtl: settings.refreshFamilyTtl,
        refreshGraceSeconds: settings.refreshGraceSeconds,
        issueRefreshToken: input.issueRefreshToken ?? CLIENT_DEFAULTS.issueRefreshToken,
        requirePkce: settings.requirePkce,
        allowPlainPkce: input.allowPlainPkce ?? CLIENT_DEFAULTS.allowPlainPkce,
        domain: settings.domain,
      });
    } catch (error) {
      if (isUniqueViolation(error, 'clients_pkey')) throw new ConflictException(`a client with clientId ${JSON.stringify(clientId)} already exists`);
      throw error;
    }
    await this.changed(clientId);
    const created: CreatedClientDto = Object.assign(new CreatedClientDto(), toClientDto(await this.load(clientId)));
    if (clientSecret) created.clientSecret = clientSecret;
    if (apiKey) created.apiKey = apiKey;
    return created;
  }

  async read(clientId: string): Promise<ClientDto> {
    return toClientDto(await this.load(clientId));
  }

  async list({ limit, offset }: ListClientsInput): Promise<ClientPage> {
    const [rows, total] = await this.dataSource.getRepository(ClientEntity).findAndCount({
      order: { createdAt: 'ASC', clientId: 'ASC' },
      take: limit,
      skip: offset,
    });
    return { items: rows.map(toClientDto), total, limit, offset };
  }

  async update(clientId: string, changes: UpdateClientInput): Promise<ClientDto> {
    const current = await this.load(clientId);
    const next: ClientSettings = {
      clientId: current.clientId,
      profile: current.profile,
      type: current.type,
      redirectUris: changes.redirectUris ?? current.redirectUris,
      grantTypes: changes.grantTypes ?? current.grantTypes,
      scopes: changes.scopes ?? current.scopes,
      accessTokenTtl: changes.accessTokenTtl ?? current.accessTokenTtl,
      refreshTokenTtl: changes.refreshTokenTtl ?? current.refreshTokenTtl,
      refreshFamilyTtl: changes.refreshFamilyTtl ?? current.refreshFamilyTtl,
      refreshGraceSeconds: changes.refreshGraceSeconds ?? current.refreshGraceSeconds,
      requirePkce: changes.requirePkce ?? current.requirePkce,
      issueRefreshToken: changes.issueRefreshToken ?? current.issueRefreshToken,
      domain: changes.domain !== undefined ? changes.domain : current.domain,
    };
    assertValid([...(changes.name !== undefined ? nameViolations(changes.name) : []), ...clientRuleViolations(next)]);

    const patch: Partial<ClientEntity> = {};
    for (const key of ['name', 'redirectUris', 'grantTypes', 'scopes', 'accessTokenTtl', 'refreshTokenTtl', 'refreshFamilyTtl', 'refreshGraceSeconds', 'issueRefreshToken', 'requirePkce', 'allowPlainPkce', 'domain', 'disabled'] as const) {
      if (changes[key] !== undefined) (patch as Record<string, unknown>)[key] = changes[key];
    }
    if (Object.keys(patch).length > 0) {
      await this.dataSource.getRepository(ClientEntity).update({ clientId }, patch);
      await this.changed(clientId);
    }
    return toClientDto(await this.load(clientId));
  }

  /** Deletes a client after revoking its grants (and with them every token issued to it). */
  async delete(clientId: string): Promise<void> {
    const deleted = await transactionWithRetry(this.dataSource, async (manager) => {
      await this.grants.revokeByClient(clientId, manager);
      // As a CTE, so that the result is the returned rows (TypeORM answers [rows, count] for a bare DELETE).
      const rows = await manager.query(`WITH gone AS (DELETE FROM clients WHERE client_id = $1 RETURNING client_id) SELECT client_id FROM gone`, [clientId]);
      return rows.length > 0;
    });
    await this.changed(clientId);
    if (!deleted) throw notFound(clientId);
  }

  /**
   * A new client secret; the previous one keeps working for `graceSeconds` (0: it stops
   * at once). One UPDATE, so concurrent rotations cannot lose a secret they handed out.
   */
  async rotateSecret(clientId: string, graceSeconds = 0): Promise<ClientSecretDto> {
    assertGrace(graceSeconds);
    const client = await this.load(clientId);
    if (client.type !== 'confidential') throw invalid([{ field: 'clientId', message: 'a public client has no secret to rotate' }]);
    const clientSecret = generateOpaqueToken();
    await this.rotate(clientId, 'secret', this.digester.digest(clientSecret), graceSeconds);
    return Object.assign(new ClientSecretDto(), { clientId, clientSecret });
  }

  /** A new API key (dressipi clients); the previous one keeps working for `graceSeconds`. */
  async rotateApiKey(clientId: string, graceSeconds = 0): Promise<ClientApiKeyDto> {
    assertGrace(graceSeconds);
    const client = await this.load(clientId);
    if (client.profile !== 'dressipi') throw invalid([{ field: 'clientId', message: 'only dressipi clients use API keys' }]);
    const apiKey = generateOpaqueToken();
    await this.rotate(clientId, 'api_key', this.digester.digest(apiKey), graceSeconds);
    return Object.assign(new ClientApiKeyDto(), { clientId, apiKey });
  }

  // ---- the token endpoint ----------------------------------------------------------

  /** The client with this id (cached), or null. Treat the result as read-only. */
  async findById(clientId: string): Promise<ClientEntity | null> {
    if (typeof clientId !== 'string' || clientId.length === 0) return null;
    const cached = this.cache.get(clientId);
    if (cached) return cached;
    const generation = this.cache.generation;
    const client = await this.dataSource.getRepository(ClientEntity).findOneBy({ clientId });
    if (client) this.cache.set(client, generation);
    return client;
  }

  /**
   * client_secret_basic / client_secret_post: the enabled confidential client whose
   * current secret, or previous secret still within its grace period, is `secret`; else null.
   */
  async authenticateSecret(clientId: string, secret: string): Promise<ClientEntity | null> {
    const client = await this.findById(clientId);
    if (typeof secret !== 'string') return null;
    if (!client) {
      this.digester.matches(secret, UNKNOWN_CLIENT_DIGEST);
      return null;
    }
    const ok = this.matchesWithGrace(secret, client.secretDigest, client.previousSecretDigest, client.previousSecretExpiresAt);
    return ok && client.type === 'confidential' && !client.disabled ? client : null;
  }

  /** x-api-key (dressipi): the enabled client whose current or in-grace API key is `apiKey`; else null. */
  async authenticateApiKey(clientId: string, apiKey: string): Promise<ClientEntity | null> {
    const client = await this.findById(clientId);
    if (typeof apiKey !== 'string') return null;
    if (!client) {
      this.digester.matches(apiKey, UNKNOWN_CLIENT_DIGEST);
      return null;
    }
    const ok = this.matchesWithGrace(apiKey, client.apiKeyDigest, client.previousApiKeyDigest, client.previousApiKeyExpiresAt);
    return ok && !client.disabled ? client : null;
  }

  /** Exact match against the client's registered redirect URIs. */
  isRedirectUriAllowed(client: { redirectUris: readonly string[] }, uri: unknown): boolean {
    return isRedirectUriAllowed(client, uri);
  }

  /** Drops cached clients: one, or all. For cache invalidation signalled by other replicas. */
  invalidate(clientId?: string): void {
    if (clientId === undefined) this.cache.clear();
    else this.cache.invalidate(clientId);
  }

  /** Called after this replica changed a client (for the cross-replica invalidation channel). */
  onChange(listener: (clientId: string) => void | Promise<void>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- internals -------------------------------------------------------------------

  /** Drops the cached entry, then tells the listeners; a failing listener is logged, never thrown. */
  private async changed(clientId: string): Promise<void> {
    this.cache.invalidate(clientId);
    for (const listener of this.listeners) {
      try {
        await listener(clientId);
      } catch (error) {
        this.logger.warn(`a client change listener failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  /** Both digests are always compared (constant time each), whichever matches. */
  private matchesWithGrace(value: string, current: Buffer | null, previous: Buffer | null, previousExpiresAt: Date | null): boolean {
    const digest = this.digester.digest(value);
    const matchesCurrent = SecretDigester.equal(digest, current);
    const matchesPrevious = SecretDigester.equal(digest, previous);
    const previousLive = previousExpiresAt !== null && previousExpiresAt.getTime() > Date.now();
    return matchesCurrent || (matchesPrevious && previousLive);
  }

  private async rotate(clientId: string, credential: 'secret' | 'api_key', digest: Buffer, graceSeconds: number): Promise<void> {
    const expiresAt = graceSeconds > 0 ? new Date(Date.now() + graceSeconds * 1000) : null;
    // The right-hand sides read the row as it was before this UPDATE.
    const rows = await this.dataSource.query(
      `WITH rotated AS (UPDATE clients
          SET previous_${credential}_digest = CASE WHEN $2::timestamptz IS NULL THEN NULL ELSE ${credential}_digest END,
              previous_${credential}_expires_at = $2::timestamptz,
              ${credential}_digest = $1,
              updated_at = now()
        WHERE client_id = $3
        RETURNING client_id) SELECT client_id FROM rotated`,
      [digest, expiresAt, clientId],
    );
    await this.changed(clientId);
    if (rows.length === 0) throw notFound(clientId);
  }

  private async load(clientId: string): Promise<ClientEntity> {
    const client = await this.dataSource.getRepository(ClientEntity).findOneBy({ clientId });
    if (!client) throw notFound(clientId);
    return client;
  }
}

function toClientDto(c: ClientEntity): ClientDto {
  return Object.assign(new ClientDto(), {
    clientId: c.clientId,
    name: c.name,
    profile: c.profile,
    type: c.type,
    redirectUris: c.redirectUris,
    grantTypes: c.grantTypes,
    scopes: c.scopes,
    accessTokenTtl: c.accessTokenTtl,
    refreshTokenTtl: c.refreshTokenTtl,
    refreshFamilyTtl: c.refreshFamilyTtl,
    refreshGraceSeconds: c.refreshGraceSeconds,
    issueRefreshToken: c.issueRefreshToken,
    requirePkce: c.requirePkce,
    allowPlainPkce: c.allowPlainPkce,
    domain: c.domain,
    disabled: c.disabled,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  });
}

function assertValid(errors: FieldError[]): void {
  if (errors.length > 0) throw invalid(errors);
}

function nameViolations(name: unknown): FieldError[] {
  return typeof name === 'string' && name.trim() !== '' && name.length <= 200 ? [] : [{ field: 'name', message: 'name must be 1 to 200 characters' }];
}

function assertGrace(graceSeconds: number): void {
  const { min, max } = LIMITS.graceSeconds;
  if (!Number.isInteger(graceSeconds) || graceSeconds < min || graceSeconds > max) {
    throw invalid([{ field: 'graceSeconds', message: `graceSeconds must be an integer from ${min} to ${max}` }]);
  }
}

/** A 400 whose message names each field; `errors` carries them one by one. */
function invalid(errors: FieldError[]): BadRequestException {
  return new BadRequestException({ message: errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors });
}

function notFound(clientId: string): NotFoundException {
  return new NotFoundException(`no client with clientId ${JSON.stringify(clientId)}`);
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  const driverError = error instanceof QueryFailedError ? (error.driverError as { code?: string; constraint?: string } | undefined) : undefined;
  return driverError?.code === '23505' && driverError.constraint === constraint;
}
