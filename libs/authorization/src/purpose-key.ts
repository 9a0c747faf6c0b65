import type { ServerSecrets } from '@latchkey/config';
import { hkdfSync } from 'node:crypto';

/**
 * A 256-bit HMAC key for one purpose, derived from KEY_ENCRYPTION_KEY with HKDF-SHA-256
 * and the purpose's own info string: the interaction value and the session cookie never
 * share a key with each other, with the digest pepper, or with key encryption, and an
 * operator still manages one secret.
 */
export function purposeKey(secrets: ServerSecrets, info: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', secrets.keyEncryptionKey, Buffer.alloc(0), info, 32));
}
