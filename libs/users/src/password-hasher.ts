import { Injectable } from '@nestjs/common';
import { hash, verify, type Options } from '@node-rs/argon2';

/**
 * argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane). The value 2 is
 * Algorithm.Argon2id (a const enum that isolated modules cannot read from a .d.ts).
 */
export const ARGON2ID_OPTIONS: Options = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/**
 * A hash of a password nobody knows, made with the same parameters: verified instead of a
 * real hash when the user is unknown or has no password, so that a login costs the same
 * whether or not the user exists.
 */
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$7Ek0upho8I/ksCOrMyOkxA$syepO8zJ/a2yKjwpqe5ccNjp0Mok/EpjGGRc1/Bo0xQ';

/** User passwords (never the server's high-entropy secrets, which are HMAC digests). */
@Injectable()
export class PasswordHasher {
  /** A PHC string `$argon2id$v=19$m=19456,t=2,p=1$...`, computed off the event loop. */
  hash(password: string): Promise<string> {
    return hash(password, ARGON2ID_OPTIONS);
  }

  /** Verifies against `stored`, or against the dummy hash when there is none (always false then). */
  async verify(stored: string | null | undefined, password: string): Promise<boolean> {
    if (!stored) {
      await verify(DUMMY_HASH, password).catch(() => false);
      return false;
    }
    try {
      return await verify(stored, password);
    } catch {
      // A malformed stored hash: fail, having spent the usual time.
      await verify(DUMMY_HASH, password).catch(() => false);
      return false;
    }
  }
}
