// Settings shared by the seed and the server: the digest pepper derives from the
// key-encryption key, so both must use the same one.
export const BENCH_KEY_ENCRYPTION_KEY = 'b'.repeat(64);
export const REDIRECT_URI = 'http://127.0.0.1/cb';
export const SCOPE = 'offline_access api:read';
export const DIST = new URL('../../dist/', import.meta.url);
