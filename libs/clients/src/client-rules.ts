import type { ClientProfile, ClientType } from '@latchkey/persistence';
import { MAX_TOKEN_LIFETIME_SECONDS } from '@latchkey/tokens';

/** The grant types a client may be allowed (DESIGN.md §4, POST /oauth2/token). */
export const CLIENT_GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
export type ClientGrantType = (typeof CLIENT_GRANT_TYPES)[number];

/** aws-signin clients are named by ARN, exactly as the AWS CLI sends them. */
export const AWS_SIGNIN_CLIENT_ID = /^arn:aws:signin:::devtools\/(same-device|cross-device)$/;

/**
 * Any other client id: visible ASCII, at most 100 characters (Fastify's router refuses a
 * path parameter longer than 100 characters, so a longer id could not be addressed in
 * /admin/clients/{clientId}), and not `.` or `..`, which URLs treat as path segments.
 */
export const CLIENT_ID = /^(?!\.{1,2}$)[\x21-\x7e]{1,100}$/;

/** RFC 6749 §3.3 scope-token. */
export const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/;

export const LIMITS = {
  /** libs/tokens signs no access or ID token that lives longer than MAX_TOKEN_LIFETIME_SECONDS (24 h). */
  accessTokenTtl: { min: 1, max: MAX_TOKEN_LIFETIME_SECONDS },
  refreshTokenTtl: { min: 1, max: 31_536_000 },
  /** The absolute lifetime of a refresh-token family; never shorter than refreshTokenTtl. */
  refreshFamilyTtl: { min: 1, max: 31_536_000 },
  refreshGraceSeconds: { min: 0, max: 3_600 },
  /** How long a rotated secret or API key may keep working. */
  graceSeconds: { min: 0, max: 2_592_000 },
  redirectUris: 50,
  scopes: 100,
} as const;

/** Defaults of a new client's settings (the database's defaults too). */
export const CLIENT_DEFAULTS = {
  accessTokenTtl: 3600,
  refreshTokenTtl: 2_592_000,
  refreshFamilyTtl: 7_776_000,
  refreshGraceSeconds: 0,
  issueRefreshToken: true,
  allowPlainPkce: false,
} as const;

/**
 * A profile's own defaults, where its vendor documents one: dressipi answers
 * expires_in 86400 (24 h, the most libs/tokens signs).
 */
export const PROFILE_DEFAULTS: Partial<Record<ClientProfile, { accessTokenTtl: number }>> = {
  dressipi: { accessTokenTtl: MAX_TOKEN_LIFETIME_SECONDS },
};

/** The settings of a client that the rules below judge together. */
export interface ClientSettings {
  clientId?: string;
  profile: ClientProfile;
  type: ClientType;
  redirectUris: string[];
  grantTypes: string[];
  scopes: string[];
  accessTokenTtl: number;
  refreshTokenTtl: number;
  refreshFamilyTtl: number;
  refreshGraceSeconds: number;
  requirePkce: boolean;
  /** Absent means the default (true). */
  issueRefreshToken?: boolean;
  domain: string | null;
}

export interface FieldError {
  field: string;
  message: string;
}

/** A registration's settings with the defaults filled in. */
export function registrationSettings(input: {
  clientId?: string;
  profile: ClientProfile;
  type: ClientType;
  redirectUris?: string[];
  grantTypes: string[];
  scopes?: string[];
  accessTokenTtl?: number;
  refreshTokenTtl?: number;
  refreshFamilyTtl?: number;
  refreshGraceSeconds?: number;
  requirePkce?: boolean;
  issueRefreshToken?: boolean;
  domain?: string | null;
}): ClientSettings {
  return {
    clientId: input.clientId,
    profile: input.profile,
    type: input.type,
    redirectUris: input.redirectUris ?? [],
    grantTypes: input.grantTypes,
    scopes: input.scopes ?? [],
    accessTokenTtl: input.accessTokenTtl ?? PROFILE_DEFAULTS[input.profile]?.accessTokenTtl ?? CLIENT_DEFAULTS.accessTokenTtl,
    refreshTokenTtl: input.refreshTokenTtl ?? CLIENT_DEFAULTS.refreshTokenTtl,
    refreshFamilyTtl: input.refreshFamilyTtl ?? CLIENT_DEFAULTS.refreshFamilyTtl,
    refreshGraceSeconds: input.refreshGraceSeconds ?? CLIENT_DEFAULTS.refreshGraceSeconds,
    // PKCE is required of public clients; confidential ones opt in.
    requirePkce: input.requirePkce ?? input.type === 'public',
    issueRefreshToken: input.issueRefreshToken,
    domain: input.domain ?? null,
  };
}

/**
 * Everything wrong with a client's settings, by field. Shared by the admin DTOs (so that a
 * 400 names each field) and the registry (so that no caller can store a client that
 * breaks them).
 *
 * `allowPlainPkce` has no rule here, deliberately: it decides whether a code_challenge may
 * use `plain` (an absent code_challenge_method means plain) whenever the client sends one,
 * and a confidential client without requirePkce may still send one. So it is accepted for
 * every client; it is simply inert for a client that never uses authorization_code.
 */
export function clientRuleViolations(s: ClientSettings): FieldError[] {
  const errors: FieldError[] = [];
  const fail = (field: string, message: string) => errors.push({ field, message });

  if (s.profile === 'aws-signin') {
    if (typeof s.clientId !== 'string' || !AWS_SIGNIN_CLIENT_ID.test(s.clientId)) {
      fail('clientId', 'an aws-signin client needs the clientId arn:aws:signin:::devtools/same-device or arn:aws:signin:::devtools/cross-device');
    }
  } else if (s.clientId !== undefined && (typeof s.clientId !== 'string' || !CLIENT_ID.test(s.clientId))) {
    fail('clientId', 'clientId must be 1 to 100 visible ASCII characters');
  }

  const redirectUris = Array.isArray(s.redirectUris) ? s.redirectUris : [];
  const grantTypes = Array.isArray(s.grantTypes) ? s.grantTypes : [];
  if (s.profile === 'aws-signin' && (!grantTypes.includes('refresh_token') || s.issueRefreshToken === false)) {
    // The vendor's answer always carries a refresh token.
    fail('grantTypes', 'an aws-signin client must use refresh tokens: grantTypes must include refresh_token and issueRefreshToken must not be false');
  }
  for (const uri of redirectUris) {
    const problem = redirectUriProblem(uri);
    if (problem) fail('redirectUris', `${JSON.stringify(uri)}: ${problem}`);
  }
  if (redirectUris.length > LIMITS.redirectUris) fail('redirectUris', `at most ${LIMITS.redirectUris} redirect URIs`);
  if (new Set(redirectUris).size !== redirectUris.length) fail('redirectUris', 'redirectUris must not repeat a URI');
  if (grantTypes.includes('authorization_code') && redirectUris.length === 0) {
    fail('redirectUris', 'a client allowed authorization_code needs at least one redirect URI');
  }

  if (grantTypes.length === 0) fail('grantTypes', 'grantTypes must name at least one grant type');
  for (const grantType of grantTypes) {
    if (!(CLIENT_GRANT_TYPES as readonly string[]).includes(grantType)) {
      fail('grantTypes', `${JSON.stringify(grantType)} is not one of ${CLIENT_GRANT_TYPES.join(', ')}`);
    }
  }
  if (new Set(grantTypes).size !== grantTypes.length) fail('grantTypes', 'grantTypes must not repeat a grant type');
  if (s.type === 'public' && grantTypes.includes('client_credentials')) {
    fail('grantTypes', 'client_credentials needs a confidential client (a public client cannot authenticate)');
  }

  const scopes = Array.isArray(s.scopes) ? s.scopes : [];
  for (const scope of scopes) {
    if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope)) fail('scopes', `${JSON.stringify(scope)} is not a valid scope token`);
  }
  if (scopes.length > LIMITS.scopes) fail('scopes', `at most ${LIMITS.scopes} scopes`);
  if (new Set(scopes).size !== scopes.length) fail('scopes', 'scopes must not repeat a scope');

  const inRange = (field: 'accessTokenTtl' | 'refreshTokenTtl' | 'refreshFamilyTtl' | 'refreshGraceSeconds') =>
    Number.isInteger(s[field]) && s[field] >= LIMITS[field].min && s[field] <= LIMITS[field].max;
  for (const field of ['accessTokenTtl', 'refreshTokenTtl', 'refreshFamilyTtl', 'refreshGraceSeconds'] as const) {
    const { min, max } = LIMITS[field];
    if (!inRange(field)) {
      const why = field === 'accessTokenTtl' ? ': no access or ID token lives longer than 24 h' : '';
      fail(field, `${field} must be an integer from ${min} to ${max} (seconds)${why}`);
    }
  }
  if (inRange('refreshFamilyTtl') && inRange('refreshTokenTtl') && s.refreshFamilyTtl < s.refreshTokenTtl) {
    fail('refreshFamilyTtl', `refreshFamilyTtl (${s.refreshFamilyTtl}) must be at least refreshTokenTtl (${s.refreshTokenTtl}): a refresh token cannot outlive its family`);
  }

  if (s.type === 'public' && s.requirePkce === false) {
    fail('requirePkce', 'public clients must use PKCE (requirePkce cannot be false)');
  }
  if (s.domain !== null && (typeof s.domain !== 'string' || s.domain.trim() === '' || s.domain.length > 253)) {
    fail('domain', 'domain must be a non-blank string of at most 253 characters, or null');
  } else if (s.profile === 'midnight' && s.domain === null) {
    fail('domain', 'a midnight client needs a domain (the dialect matches the request\'s Domain against it)');
  }
  return errors;
}

/** Why a redirect URI cannot be registered, or null when it can. */
export function redirectUriProblem(uri: unknown): string | null {
  if (typeof uri !== 'string' || uri.length === 0) return 'a redirect URI must be a non-empty string';
  if (uri.length > 2000) return 'a redirect URI must be at most 2000 characters';
  if (/[\s\x00-\x1f\x7f]/.test(uri)) return 'a redirect URI must not contain whitespace or control characters';
  if (uri.includes('#')) return 'a redirect URI must not contain a fragment (RFC 6749 §3.1.2)';
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri) || !URL.canParse(uri)) return 'a redirect URI must be an absolute URI';
  return null;
}

/**
 * Exact redirect-URI matching (DESIGN.md §5, RFC 9700 §4.1.3): allowed only when the
 * presented URI is byte-for-byte equal to one registered URI. No normalization, no
 * prefix, wildcard or case-insensitive match. The one exception is RFC 8252 §7.3: for a
 * registered loopback IP URI (http://127.0.0.1 or http://[::1]) a native app may name any
 * port, since it listens on whatever port is free (the AWS CLI does); all else must match.
 */
export function isRedirectUriAllowed(client: { redirectUris: readonly string[] }, uri: unknown): boolean {
  if (typeof uri !== 'string') return false;
  return client.redirectUris.some((registered) => registered === uri || sameLoopbackUriAnyPort(registered, uri));
}

const LOOPBACK_IP_URI = /^http:\/\/(127\.0\.0\.1|\[::1\])(:\d{1,5})?(\/[^#]*)?$/;

function sameLoopbackUriAnyPort(registered: string, presented: string): boolean {
  const r = LOOPBACK_IP_URI.exec(registered);
  const p = LOOPBACK_IP_URI.exec(presented);
  if (!r || !p) return false;
  const port = Number(p[2]?.slice(1) ?? 80);
  return r[1] === p[1] && (r[3] ?? '') === (p[3] ?? '') && port >= 1 && port <= 65535;
}
