import { ServerSecrets } from '@latchkey/config';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeyEncryption } from './key-encryption.js';
import { generateOpaqueToken, pooledRandomBytes } from './random-token.js';
import { SecretDigester } from './secret-digester.js';

const secrets = ServerSecrets.fromKeyEncryptionKey(randomBytes(32));

describe('SecretDigester', () => {
  const digester = new SecretDigester(secrets);
  it('matches only the value it digested, and depends on the pepper', () => {
    const digest = digester.digest('s3cret');
    expect(digest).toHaveLength(32);
    expect(digester.matches('s3cret', digest)).toBe(true);
    expect(digester.matches('s3cret ', digest)).toBe(false);
    expect(digester.matches('s3cret', null)).toBe(false);
    const other = new SecretDigester(ServerSecrets.fromKeyEncryptionKey(randomBytes(32)));
    expect(other.matches('s3cret', digest)).toBe(false);
  });
});

describe('generateOpaqueToken', () => {
  it('gives 256 bits, URL-safe, never the same twice', () => {
    const a = generateOpaqueToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(generateOpaqueToken()).not.toBe(a);
  });

  it('never repeats across refills of its pool, nor hands out zeroed bytes', () => {
    // 10,000 values of 16 and 32 bytes: about 60 refills of the 4 KiB pool.
    const values = Array.from({ length: 10_000 }, (_, i) => generateOpaqueToken(i % 2 ? 16 : 32));
    expect(new Set(values).size).toBe(values.length);
    expect(values.filter((v) => v.length === 22)).toHaveLength(5_000);
    // A value of all zero bytes (a used slice handed out again) would be all "A"s.
    expect(values.some((v) => /^A+$/.test(v))).toBe(false);
    // Bigger values bypass the pool.
    expect(Buffer.from(generateOpaqueToken(1024), 'base64url')).toHaveLength(1024);
  });

  it('pooledRandomBytes: a copy of its own, untouched as the pool moves on', () => {
    const iv = pooledRandomBytes(12);
    const before = Buffer.from(iv);
    for (let i = 0; i < 1_000; i++) pooledRandomBytes(12); // three refills
    expect(iv).toHaveLength(12);
    expect(iv.equals(before)).toBe(true);
    expect(iv.equals(Buffer.alloc(12))).toBe(false);
  });
});

describe('KeyEncryption', () => {
  const kek = new KeyEncryption(secrets);
  it('round-trips, and refuses a tampered box or another context', () => {
    const sealed = kek.encrypt(Buffer.from('private jwk'), 'kid-1');
    expect(sealed.includes(Buffer.from('private jwk'))).toBe(false);
    expect(kek.decrypt(sealed, 'kid-1').toString()).toBe('private jwk');
    expect(() => kek.decrypt(sealed, 'kid-2')).toThrow();
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => kek.decrypt(tampered, 'kid-1')).toThrow();
  });
});
