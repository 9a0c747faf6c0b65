import { hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LatchkeyEnvironment } from './environment.js';

/**
 * The server's root secrets. One 32-byte key-encryption key (KEY_ENCRYPTION_KEY)
 * encrypts private signing keys at rest; the pepper for digests of codes, refresh
 * tokens, secrets and API keys is derived from it with HKDF, so an operator manages
 * one secret, and the two uses never share key material.
 */
export class ServerSecrets {
  constructor(
    readonly keyEncryptionKey: Buffer,
    readonly digestPepper: Buffer,
  ) {}

  static fromKeyEncryptionKey(kek: Buffer): ServerSecrets {
    const pepper = Buffer.from(hkdfSync('sha256', kek, Buffer.alloc(0), 'latchkey digest pepper v1', 32));
    return new ServerSecrets(kek, pepper);
  }
}

export function decodeKeyEncryptionKey(value: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (key.length !== 32) throw new Error('KEY_ENCRYPTION_KEY must decode to 32 bytes');
  return key;
}

/**
 * KEY_ENCRYPTION_KEY from the environment, or, outside production, a key generated once
 * into DATA_DIR (mode 0600) so that a developer's data survives a restart.
 */
export function loadServerSecrets(env: LatchkeyEnvironment): ServerSecrets {
  if (env.KEY_ENCRYPTION_KEY) return ServerSecrets.fromKeyEncryptionKey(decodeKeyEncryptionKey(env.KEY_ENCRYPTION_KEY));
  if (env.NODE_ENV === 'production') throw new Error('KEY_ENCRYPTION_KEY is required when NODE_ENV=production');
  const dir = resolve(env.DATA_DIR, 'secrets');
  const file = join(dir, 'key-encryption-key');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    try {
      writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    } catch (error) {
      // Another process created it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    chmodSync(file, 0o600);
  }
  return ServerSecrets.fromKeyEncryptionKey(decodeKeyEncryptionKey(readFileSync(file, 'utf8').trim()));
}
