import { BadRequestException, ConflictException, NotFoundException } from '@nestjs/common';
import { GrantsService } from '@latchkey/grants';
import { parseOptions } from '@node-rs/argon2';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../../test/support/test-database.js';
import { PasswordHasher } from './password-hasher.js';
import { UsersService } from './users.service.js';

/** Counts how many argon2id verifications each login costs. */
class CountingHasher extends PasswordHasher {
  verifications = 0;
  override async verify(stored: string | null | undefined, password: string): Promise<boolean> {
    this.verifications++;
    return super.verify(stored, password);
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

describe('UsersService', () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let dataSource: DataSource;
  let hasher: CountingHasher;
  let grants: GrantsService;
  let users: UsersService;
  let adaId: string;
  const password = 'correct horse battery staple';

  beforeAll(async () => {
    db = await openTestDatabase('users');
    dataSource = db.dataSource;
    hasher = new CountingHasher();
    grants = new GrantsService(dataSource);
    users = new UsersService(dataSource, hasher, grants);
    await dataSource.query(`INSERT INTO clients (client_id, name, profile, type) VALUES ('app', 'App', 'standard', 'public')`);
  });
  afterAll(() => db?.close());

  const passwordHashOf = async (id: string): Promise<string | null> =>
    (await dataSource.query(`SELECT password_hash FROM users WHERE id = $1`, [id]))[0].password_hash;

  it('creates a user, answering exactly {id, username, name, email, createdAt}', async () => {
    const created = await users.create({ username: 'Ada', password, name: 'Ada Lovelace', email: 'ada@example.com' });
    adaId = created.id;
    expect(created).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), username: 'Ada', name: 'Ada Lovelace', email: 'ada@example.com', createdAt: expect.any(Date) });
    expect(JSON.stringify(await users.read(adaId))).not.toContain('argon2');
  });

  it('stores the password as argon2id at the OWASP parameters, never in plaintext', async () => {
    const stored = await passwordHashOf(adaId);
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(parseOptions(stored!)).toMatchObject({ memoryCost: 19456, timeCost: 2, parallelism: 1, outputLen: 32, saltLen: 16 });
    const [row] = await dataSource.query(`SELECT * FROM users WHERE id = $1`, [adaId]);
    expect(JSON.stringify(row)).not.toContain(password);
    // Salted: the same password never hashes the same twice.
    const twin = await users.create({ username: 'ada-twin', password, name: 'Twin' });
    expect(await passwordHashOf(twin.id)).not.toBe(stored);
  });

  it('keeps usernames unique without regard to case (409)', async () => {
    for (const username of ['ada', 'ADA', 'aDa']) {
      await expect(users.create({ username, password, name: 'Impostor' })).rejects.toBeInstanceOf(ConflictException);
    }
    expect((await users.list({ limit: 200, offset: 0 })).items.filter((u) => u.username.toLowerCase() === 'ada')).toHaveLength(1);
  });

  it('refuses a short password or a username with whitespace (400)', async () => {
    await expect(users.create({ username: 'bob', password: 'short', name: 'Bob' })).rejects.toBeInstanceOf(BadRequestException);
    await expect(users.create({ username: 'bob smith', password, name: 'Bob' })).rejects.toBeInstanceOf(BadRequestException);
  });

  describe('verifyLogin', () => {
    it('returns the user for the right password, with the username in any case', async () => {
      expect((await users.verifyLogin('Ada', password))?.id).toBe(adaId);
      expect((await users.verifyLogin('ADA', password))?.id).toBe(adaId);
    });

    it('returns null for a wrong password, an unknown user, or a user without a password', async () => {
      expect(await users.verifyLogin('Ada', `${password}!`)).toBeNull();
      expect(await users.verifyLogin('Ada', '')).toBeNull();
      expect(await users.verifyLogin('nobody', password)).toBeNull();
      await dataSource.query(`INSERT INTO users (username, name, owner_client_id) VALUES ('anon-1', 'Anonymous', 'app')`);
      expect(await users.verifyLogin('anon-1', '')).toBeNull();
      expect(await users.verifyLogin('anon-1', password)).toBeNull();
    });

    it('spends one argon2id verification whether or not the user exists', async () => {
      for (const [username, pw] of [['Ada', 'wrong password'], ['nobody', password], ['anon-1', password], ['', password], ['x'.repeat(500), password]]) {
        const before = hasher.verifications;
        await users.verifyLogin(username!, pw!);
        expect(hasher.verifications - before).toBe(1);
      }
      // And that verification is real work, not a shortcut: an unknown user costs about what a known one does.
      const time = async (username: string) => {
        const started = performance.now();
        await users.verifyLogin(username, 'wrong password');
        return performance.now() - started;
      };
      const known: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 5; i++) {
        known.push(await time('Ada'));
        unknown.push(await time(`nobody-${i}`));
      }
      expect(median(unknown)).toBeGreaterThan(median(known) / 3);
    });

    it('fails for a disabled user even with the right password', async () => {
      const { id } = await users.create({ username: 'carol', password, name: 'Carol' });
      expect(await users.verifyLogin('carol', password)).not.toBeNull();
      await users.disable(id);
      expect(await users.verifyLogin('carol', password)).toBeNull();
      await users.update(id, { disabled: false });
      expect(await users.verifyLogin('carol', password)).not.toBeNull();
    });
  });

  it('changes a password: credentials_changed_at moves, the old password stops working', async () => {
    const before = (await dataSource.query(`SELECT credentials_changed_at FROM users WHERE id = $1`, [adaId]))[0].credentials_changed_at as Date;
    const updated = await users.update(adaId, { password: 'a brand new passphrase', name: 'Ada King', email: null });
    expect(updated).toMatchObject({ id: adaId, username: 'Ada', name: 'Ada King', email: null, disabled: false });
    expect(updated).not.toHaveProperty('passwordHash');
    const after = (await dataSource.query(`SELECT credentials_changed_at FROM users WHERE id = $1`, [adaId]))[0].credentials_changed_at as Date;
    expect(after.getTime()).toBeGreaterThan(before.getTime());
    expect(await users.verifyLogin('ada', password)).toBeNull();
    expect((await users.verifyLogin('ada', 'a brand new passphrase'))?.id).toBe(adaId);
    // A change without a password leaves the credentials untouched.
    await users.update(adaId, { name: 'Ada' });
    expect((await dataSource.query(`SELECT credentials_changed_at FROM users WHERE id = $1`, [adaId]))[0].credentials_changed_at).toEqual(after);
  });

  it('disabling (by disable or by update) revokes the user\'s grants', async () => {
    const { id } = await users.create({ username: 'dave', password, name: 'Dave' });
    const first = await grants.create({ clientId: 'app', userId: id, scope: 'openid' });
    await users.disable(id);
    expect((await users.read(id)).disabled).toBe(true);
    expect((await grants.get(first.id))?.revokedAt).toBeInstanceOf(Date);
    await users.disable(id); // idempotent

    await users.update(id, { disabled: false });
    const second = await grants.create({ clientId: 'app', userId: id, scope: 'openid' });
    await users.update(id, { disabled: true });
    expect((await grants.get(second.id))?.revokedAt).toBeInstanceOf(Date);
    // Other users' grants are untouched.
    const other = await grants.create({ clientId: 'app', userId: adaId, scope: 'openid' });
    await users.disable(id);
    expect((await grants.get(other.id))?.revokedAt).toBeNull();
  });

  describe('createAnonymousProfile', () => {
    it('creates a user without a password, owned by the client, named Anonymous', async () => {
      const profile = await users.createAnonymousProfile('app');
      expect(profile).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        username: `anonymous-${profile.id}`,
        name: 'Anonymous',
        email: null,
        disabled: false,
        createdAt: expect.any(Date),
        updatedAt: expect.any(Date),
      });
      const [row] = await dataSource.query(`SELECT username, name, email, password_hash, owner_client_id, disabled FROM users WHERE id = $1`, [profile.id]);
      expect(row).toEqual({ username: `anonymous-${profile.id}`, name: 'Anonymous', email: null, password_hash: null, owner_client_id: 'app', disabled: false });
      // It cannot log in, with any password.
      expect(await users.verifyLogin(profile.username, '')).toBeNull();
      expect(await users.verifyLogin(profile.username, password)).toBeNull();
    });

    it('creates a new profile at every call', async () => {
      const [a, b] = await Promise.all([users.createAnonymousProfile('app'), users.createAnonymousProfile('app')]);
      expect(a.id).not.toBe(b.id);
      expect(a.username).not.toBe(b.username);
    });

    it('refuses an unknown client (400 naming clientId) and stores nothing', async () => {
      const before = (await dataSource.query(`SELECT count(*)::int AS n FROM users`))[0].n;
      const error = await users.createAnonymousProfile('no-such-client').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BadRequestException);
      expect((error as BadRequestException).getResponse()).toMatchObject({ errors: [{ field: 'clientId', message: 'clientId "no-such-client" is not a registered client' }] });
      expect((await dataSource.query(`SELECT count(*)::int AS n FROM users`))[0].n).toBe(before);
    });

    it('goes away with its client', async () => {
      await dataSource.query(`INSERT INTO clients (client_id, name, profile, type) VALUES ('short-lived', 'Short', 'dressipi', 'public')`);
      const profile = await users.createAnonymousProfile('short-lived');
      await dataSource.query(`DELETE FROM clients WHERE client_id = 'short-lived'`);
      expect(await users.findById(profile.id)).toBeNull();
    });
  });

  it('answers 404 for an unknown or malformed id', async () => {
    for (const id of ['00000000-0000-0000-0000-000000000000', 'not-a-uuid']) {
      await expect(users.read(id)).rejects.toBeInstanceOf(NotFoundException);
      await expect(users.update(id, { name: 'x' })).rejects.toBeInstanceOf(NotFoundException);
      await expect(users.disable(id)).rejects.toBeInstanceOf(NotFoundException);
    }
  });

  it('lists users oldest first, paginated, without password hashes', async () => {
    const all = await users.list({ limit: 200, offset: 0 });
    expect(all.total).toBe(all.items.length);
    expect(all.items[0]!.id).toBe(adaId);
    const page = await users.list({ limit: 2, offset: 1 });
    expect(page).toMatchObject({ total: all.total, limit: 2, offset: 1 });
    expect(page.items.map((u) => u.id)).toEqual(all.items.slice(1, 3).map((u) => u.id));
    expect(JSON.stringify(all)).not.toMatch(/argon2|password/i);
  });
});
