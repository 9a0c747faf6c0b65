/**
 * The bounds that make key rotation safe. Every JWT this server signs (access tokens and
 * ID tokens) lives at most MAX_TOKEN_LIFETIME_SECONDS: longer requested lifetimes are
 * clamped (the signer reports the lifetime it used). A retired signing key therefore stays
 * published for that long plus a clock-skew margin, after which nothing it signed is still
 * valid and it is pruned.
 */
export const MAX_TOKEN_LIFETIME_SECONDS = 24 * 60 * 60;

/** Leeway for clocks of relying parties that run a little behind. */
export const CLOCK_SKEW_SECONDS = 5 * 60;

/** How long a retired key stays in the JWKS (and verifies tokens) after its retirement. */
export const RETIRED_KEY_RETENTION_SECONDS = MAX_TOKEN_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS;

/** ID tokens live this long unless the caller asks otherwise. */
export const DEFAULT_ID_TOKEN_LIFETIME_SECONDS = 60 * 60;

/** A requested lifetime in whole seconds, within (0, MAX_TOKEN_LIFETIME_SECONDS]. */
export function boundedLifetime(seconds: number): number {
  if (!Number.isFinite(seconds) || seconds <= 0) throw new RangeError(`token lifetime must be positive (got ${seconds})`);
  return Math.min(Math.floor(seconds) || 1, MAX_TOKEN_LIFETIME_SECONDS);
}
