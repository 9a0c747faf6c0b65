import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { GrantsService } from '@latchkey/grants';
import { transactionWithRetry, UserEntity } from '@latchkey/persistence';
import { randomUUID } from 'node:crypto';
import { DataSource, QueryFailedError } from 'typeorm';
import { PasswordHasher } from './password-hasher.js';
import { CreatedUserDto, UserDto, type CreateUserInput, type ListUsersInput, type UpdateUserInput, type UserPage } from './user.dto.js';

/** The name every anonymous profile carries. */
export const ANONYMOUS_PROFILE_NAME = 'Anonymous';

/** 1 to 128 characters, no whitespace or control characters. */
export const USERNAME = /^[^\s\p{Cc}]{1,128}$/u;
export const PASSWORD_LENGTH = { min: 8, max: 1024 } as const;

/**
 * Users: people who log in with a password (argon2id), and the anonymous profiles some
 * clients own. Usernames are unique without regard to case (a unique index on
 * lower(username)).
 */
@Injectable()
export class UsersService {
  private readonly profiles = new Map<string, { profile: UserProfile; until: number }>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly passwords: PasswordHasher,
    private readonly grants: GrantsService,
  ) {}

  async create(input: CreateUserInput): Promise<CreatedUserDto> {
    checkUsername(input.username);
    checkPassword(input.password);
    const passwordHash = await this.passwords.hash(input.password);
    let id: string;
    try {
      [{ id }] = await this.dataSource.query(
        `INSERT INTO users (username, name, email, password_hash) VALUES ($1, $2, $3, $4) RETURNING id`,
        [input.username, input.name, input.email ?? null, passwordHash],
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictException(`the username ${JSON.stringify(input.username)} is taken`);
      throw error;
    }
    const user = await this.load(id);
    return Object.assign(new CreatedUserDto(), { id: user.id, username: user.username, name: user.name, email: user.email, createdAt: user.createdAt });
  }

  /**
   * A new anonymous profile owned by the client `clientId` (dressipi's out-of-band
   * authorize): no password, so it can never log in; the username `anonymous-<id>`; the
   * name "Anonymous"; no email. It lives as long as its client (ON DELETE CASCADE).
   * One INSERT; an unknown client is a 400 naming clientId.
   */
  async createAnonymousProfile(clientId: string): Promise<UserDto> {
    const id = randomUUID();
    let row: UserRow;
    try {
      [row] = await this.dataSource.query(
        `INSERT INTO users (id, username, name, owner_client_id) VALUES ($1, $2, $3, $4)
         RETURNING id, username, name, email, disabled, created_at, updated_at`,
        [id, `anonymous-${id}`, ANONYMOUS_PROFILE_NAME, clientId],
      );
    } catch (error) {
      if (isForeignKeyViolation(error)) throw invalid('clientId', `clientId ${JSON.stringify(clientId)} is not a registered client`);
      throw error;
    }
    return Object.assign(new UserDto(), {
      id: row.id,
      username: row.username,
      name: row.name,
      email: row.email,
      disabled: row.disabled,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    });
  }

  async read(id: string): Promise<UserDto> {
    return toUserDto(await this.load(id));
  }

  async list({ limit, offset }: ListUsersInput): Promise<UserPage> {
    const [rows, total] = await this.dataSource.getRepository(UserEntity).findAndCount({
      order: { createdAt: 'ASC', id: 'ASC' },
      take: limit,
      skip: offset,
    });
    return { items: rows.map(toUserDto), total, limit, offset };
  }

  /**
   * Changes name, email, password or the disabled flag. A new password moves
   * credentials_changed_at to now; disabling revokes the user's grants.
   */
  async update(id: string, changes: UpdateUserInput): Promise<UserDto> {
    await this.load(id);
    if (changes.password !== undefined) checkPassword(changes.password);
    const passwordHash = changes.password !== undefined ? await this.passwords.hash(changes.password) : undefined;
    await transactionWithRetry(this.dataSource, async (manager) => {
      const sets: string[] = [];
      const params: unknown[] = [];
      const set = (column: string, value: unknown) => {
        params.push(value);
        sets.push(`${column} = $${params.length}`);
      };
      if (changes.name !== undefined) set('name', changes.name);
      if (changes.email !== undefined) set('email', changes.email);
      if (passwordHash !== undefined) {
        set('password_hash', passwordHash);
        sets.push('credentials_changed_at = now()');
      }
      if (changes.disabled !== undefined) set('disabled', changes.disabled);
      if (sets.length === 0) return;
      params.push(id);
      await manager.query(`UPDATE users SET ${sets.join(', ')}, updated_at = now() WHERE id = $${params.length}`, params);
      if (changes.disabled === true) await this.grants.revokeByUser(id, manager);
    });
    this.profiles.delete(id);
    return toUserDto(await this.load(id));
  }

  /** Disables the user and revokes every grant (and token) they hold. Idempotent. */
  async disable(id: string): Promise<void> {
    if (!isUuid(id)) throw notFound(id);
    const found = await transactionWithRetry(this.dataSource, async (manager) => {
      const rows = await manager.query(
        `WITH disabled AS (UPDATE users SET disabled = true, updated_at = now() WHERE id = $1 RETURNING id) SELECT id FROM disabled`,
        [id],
      );
      if (rows.length === 0) return false;
      await this.grants.revokeByUser(id, manager);
      return true;
    });
    if (!found) throw notFound(id);
  }

  /**
   * The enabled user with this username (any case) and password, or null. Costs one
   * argon2id verification whether the user exists or not, has a password or not, or is
   * disabled, so that the time taken does not tell which.
   */
  async verifyLogin(username: string, password: string): Promise<UserEntity | null> {
    if (typeof username !== 'string' || typeof password !== 'string') return null;
    const user =
      username.length > 0 && username.length <= 128
        ? await this.dataSource.getRepository(UserEntity).createQueryBuilder('u').where('lower(u.username) = lower(:username)', { username }).getOne()
        : null;
    const ok = await this.passwords.verify(user?.passwordHash, password);
    return ok && user && !user.disabled ? user : null;
  }

  /**
   * The name and email the token endpoint puts in ID tokens (and midnight's `Name`), by
   * plain SQL and remembered for PROFILE_TTL_MS: display claims may lag a rename by that
   * long on another replica; whether the user may still get tokens is decided by grant
   * revocation (disabling revokes every grant at once), never by this cache.
   */
  async profile(id: string): Promise<UserProfile | null> {
    const cached = this.profiles.get(id);
    if (cached && cached.until > Date.now()) return cached.profile;
    if (!isUuid(id)) return null;
    const [row] = (await this.dataSource.query('SELECT id, name, email FROM users WHERE id = $1', [id])) as UserProfile[];
    if (!row) return null;
    if (this.profiles.size >= PROFILE_CACHE_MAX) this.profiles.delete(this.profiles.keys().next().value!);
    this.profiles.set(id, { profile: row, until: Date.now() + PROFILE_TTL_MS });
    return row;
  }

  /** The user with this id, or null (for the token endpoint and userinfo). */
  async findById(id: string): Promise<UserEntity | null> {
    if (!isUuid(id)) return null;
    return this.dataSource.getRepository(UserEntity).findOneBy({ id });
  }

  private async load(id: string): Promise<UserEntity> {
    const user = await this.findById(id);
    if (!user) throw notFound(id);
    return user;
  }
}

export interface UserProfile {
  id: string;
  name: string;
  email: string | null;
}

const PROFILE_TTL_MS = 30_000;
const PROFILE_CACHE_MAX = 10_000;

function toUserDto(u: UserEntity): UserDto {
  return Object.assign(new UserDto(), {
    id: u.id,
    username: u.username,
    name: u.name,
    email: u.email,
    disabled: u.disabled,
    createdAt: u.createdAt,
    updatedAt: u.updatedAt,
  });
}

function checkUsername(username: unknown): void {
  if (typeof username !== 'string' || !USERNAME.test(username)) {
    throw invalid('username', 'username must be 1 to 128 characters without whitespace');
  }
}

function checkPassword(password: unknown): void {
  if (typeof password !== 'string' || password.length < PASSWORD_LENGTH.min || password.length > PASSWORD_LENGTH.max) {
    throw invalid('password', `password must be ${PASSWORD_LENGTH.min} to ${PASSWORD_LENGTH.max} characters`);
  }
}

function invalid(field: string, message: string): BadRequestException {
  return new BadRequestException({ message: `${field}: ${message}`, errors: [{ field, message }] });
}

function notFound(id: string): NotFoundException {
  return new NotFoundException(`no user with id ${JSON.stringify(id)}`);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
function isUuid(id: unknown): id is string {
  return typeof id === 'string' && UUID.test(id);
}

interface UserRow {
  id: string;
  username: string;
  name: string;
  email: string | null;
  disabled: boolean;
  created_at: Date;
  updated_at: Date;
}

function isForeignKeyViolation(error: unknown): boolean {
  return error instanceof QueryFailedError && (error.driverError as { code?: string } | undefined)?.code === '23503';
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof QueryFailedError && (error.driverError as { code?: string } | undefined)?.code === '23505';
}
