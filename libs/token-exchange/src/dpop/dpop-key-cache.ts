import { calculateJwkThumbprint, EmbeddedJWK, type CryptoKey, type JWK, type JWSHeaderParameters, type FlattenedJWSInput } from 'jose';

/** A DPoP proof's public key, imported, with its RFC 7638 thumbprint. */
export interface DpopKey {
  key: CryptoKey;
  jkt: string;
}

const MAX_KEYS = 4096;

/**
 * The public keys of DPoP proofs, imported once. A client signs every proof with the same
 * key, and importing it from the proof's `jwk` header for every request was a fifth of
 * the aws-signin refresh's CPU (measured with --cpu-prof). A miss goes through jose's own
 * EmbeddedJWK (which refuses anything but a public key), so only keys it accepted are
 * kept; the entry is found again by the exact `alg` and `jwk` of the header.
 */
export class DpopKeyCache {
  private readonly keys = new Map<string, DpopKey>();

  async resolve(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<DpopKey> {
    const id = `${header.alg}:${JSON.stringify(header.jwk)}`;
    const cached = this.keys.get(id);
    if (cached) return cached;
    const key = (await EmbeddedJWK(header, token)) as CryptoKey;
    const entry = { key, jkt: await calculateJwkThumbprint(header.jwk as JWK, 'sha256') };
    if (this.keys.size >= MAX_KEYS) this.keys.delete(this.keys.keys().next().value!);
    this.keys.set(id, entry);
    return entry;
  }
}
