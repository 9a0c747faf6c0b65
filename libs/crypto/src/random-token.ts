import { randomBytes, randomFillSync } from 'node:crypto';

/**
 * Random values come from a 4 KiB pool refilled from the CSPRNG when it runs out, the way
 * Node's own randomUUID does: one randomBytes call per token cost 2-4 us of the event loop
 * (a CryptoJob and a Buffer each), and the token endpoint makes one or two per request.
 * Each byte is handed out once and zeroed as it is.
 */
const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafeSlow(POOL_BYTES);
let offset = POOL_BYTES;

/** Takes `bytes` fresh bytes from the pool and returns them as `read` makes them. */
function fromPool<T>(bytes: number, read: (start: number, end: number) => T): T {
  if (offset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const value = read(offset, offset + bytes);
  pool.fill(0, offset, offset + bytes);
  offset += bytes;
  return value;
}

/** `bytes` random bytes in a Buffer of their own (IVs, secrets). */
export function pooledRandomBytes(bytes: number): Buffer {
  if (bytes > POOL_BYTES / 8) return randomBytes(bytes);
  return fromPool(bytes, (start, end) => Buffer.from(pool.subarray(start, end)));
}

/** An opaque, URL-safe random value (base64url, no padding): 32 bytes (256 bits) by default. */
export function generateOpaqueToken(bytes = 32): string {
  if (bytes > POOL_BYTES / 8) return randomBytes(bytes).toString('base64url');
  return fromPool(bytes, (start, end) => pool.toString('base64url', start, end));
}
