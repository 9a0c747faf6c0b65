import { randomBytes } from 'node:crypto';

/** An opaque, URL-safe random value: 32 bytes (256 bits) by default. */
export function generateOpaqueToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
