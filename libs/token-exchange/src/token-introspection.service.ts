import type { CallerContext } from './token-request.js';
import { Injectable } from '@nestjs/common';
import { LatchkeyEnvironment, resolveIssuer } from '@latchkey/config';
import type { ClientEntity } from '@latchkey/persistence';
import { RefreshTokenService, type RefreshTokenInfo } from '@latchkey/refresh-rotation';
import { ACCESS_KEY_ID, IssuedTokensService, JwtAccessTokenVerifier, Sigv4CredentialsService, type ActiveAccessToken } from '@latchkey/tokens';
import { UsersService } from '@latchkey/users';
import { ClientAuthenticator } from './client-authenticator.js';
import { OAuthError } from './oauth-error.js';
import { lookupOrder, requireToken, type TokenKind } from './presented-token.js';
import type { ClientAuthentication } from './token-request.js';
import { SIGV4_TOKEN_TYPE } from './token-result.js';

/** POST /oauth2/introspect, in no dialect's shape. */
export interface IntrospectionRequest {
  client: ClientAuthentication;
  token?: string;
  /** access_token | refresh_token; anything else is ignored. */
  tokenTypeHint?: string;
}

/** RFC 7662 §2.2, with RFC 9449 §6.2's cnf. Only `active` when the token is not active. */
export interface IntrospectionResponse {
  active: boolean;
  scope?: string;
  client_id?: string;
  /** The user's username (absent for client_credentials tokens). */
  username?: string;
  /**
   * RFC 6749 §5.1 token type of an access token: DPoP when bound to a key (RFC 9449 §6.2);
   * the aws-signin URI for SigV4 credentials. Absent for refresh tokens.
   */
  token_type?: 'Bearer' | 'DPoP' | typeof SIGV4_TOKEN_TYPE;
  /** Which kind of token this is (an extension member, as ORY Hydra answers it). */
  token_use?: TokenKind;
  exp?: number;
  iat?: number;
  /** The user id; for client_credentials access tokens, the client id. */
  sub?: string;
  aud?: string | string[];
  iss?: string;
  /** Access tokens only (a refresh token has no identifier but itself); for SigV4 credentials, the access key id. */
  jti?: string;
  cnf?: { jkt: string };
}

const INACTIVE: IntrospectionResponse = Object.freeze({ active: false });

/**
 * RFC 7662 token introspection, for authenticated confidential clients only (§2.1: the
 * endpoint requires client authentication; a public client cannot keep a credential, so
 * it gets invalid_client).
 *
 * Whose tokens a client may introspect: its own (client_id), and access tokens naming it
 * in `aud` (a resource server registered as a confidential client). Any other token is
 * answered {active:false}, exactly like an unknown one (RFC 7662 §4: the server may limit
 * what it tells each caller; this way no client learns about another client's tokens).
 * A token of a disabled or deleted user is inactive too. SigV4 credentials (aws-signin) are
 * looked up by access key id or session token, for any confidential client (see
 * sigv4Credentials).
 */
@Injectable()
export class TokenIntrospectionService {
  private readonly issuer: string;

  constructor(
    env: LatchkeyEnvironment,
    private readonly clients: ClientAuthenticator,
    private readonly accessTokens: JwtAccessTokenVerifier,
    private readonly refreshTokens: RefreshTokenService,
    private readonly users: UsersService,
    private readonly sigv4: Sigv4CredentialsService,
    private readonly issuedTokens: IssuedTokensService,
  ) {
    this.issuer = resolveIssuer(env);
  }

  async introspect(request: IntrospectionRequest, context: CallerContext = {}): Promise<IntrospectionResponse> {
    if (request.client.method === 'none') {
      throw new OAuthError('invalid_client', 'Introspection requires client authentication.', {
        status: 401,
        debug: `public client ${JSON.stringify(request.client.clientId)} at introspection`,
      });
    }
    const client = await this.clients.authenticate(request.client, context);
    if (client.type !== 'confidential') {
      throw new OAuthError('invalid_client', 'Introspection requires client authentication.', { status: 401, debug: `public client ${client.clientId}` });
    }
    const token = requireToken(request.token);
    // SigV4 credentials (aws-signin): by access key id, or by session token.
    const accessKeyId = ACCESS_KEY_ID.test(token) ? token : this.sigv4.accessKeyIdOf(token);
    if (accessKeyId) return (await this.sigv4Credentials(accessKeyId)) ?? { ...INACTIVE };
    for (const kind of lookupOrder(token, request.tokenTypeHint)) {
      const answer = kind === 'access_token' ? await this.accessToken(token, client) : await this.refreshToken(token, client);
      if (answer) return answer;
    }
    return { ...INACTIVE };
  }

  /** Null when the token is no active access token (an inactive JWT cannot be a refresh token either). */
  private async accessToken(token: string, client: ClientEntity): Promise<IntrospectionResponse | null> {
    const active = await this.accessTokens.inspect(token);
    if (!active) return null;
    if (!visibleTo(active, client)) return { ...INACTIVE };
    const { claims, record } = active;
    const username = await this.username(record.userId);
    if (username === null) return { ...INACTIVE };
    return {
      active: true,
      ...(record.scope ? { scope: record.scope } : {}),
      client_id: claims.client_id,
      ...(username ? { username } : {}),
      token_type: claims.cnf ? 'DPoP' : 'Bearer',
      token_use: 'access_token',
      exp: claims.exp,
      iat: claims.iat,
      sub: claims.sub,
      aud: claims.aud,
      iss: claims.iss,
      jti: claims.jti,
      ...(claims.cnf ? { cnf: { jkt: claims.cnf.jkt } } : {}),
    };
  }

  /**
   * SigV4 credentials by access key id; null when there are none or they are not active.
   * Unlike a JWT they name no audience, and their issuing client (the aws-signin CLI) is
   * public and cannot introspect: the access key id travels in every request they sign, and
   * any service such a request is presented to (an authenticated confidential client) may
   * resolve it, as AWS services resolve access key ids.
   */
  private async sigv4Credentials(accessKeyId: string): Promise<IntrospectionResponse | null> {
    const record = await this.issuedTokens.status(accessKeyId);
    if (!record || record.kind !== 'sigv4_credentials' || !record.active) return null;
    const username = await this.username(record.userId);
    if (username === null) return null;
    return {
      active: true,
      ...(record.scope ? { scope: record.scope } : {}),
      client_id: record.clientId,
      ...(username ? { username } : {}),
      token_type: SIGV4_TOKEN_TYPE,
      token_use: 'access_token',
      exp: seconds(record.expiresAt),
      iat: seconds(record.createdAt),
      ...(record.userId ? { sub: record.userId } : {}),
      iss: this.issuer,
      jti: record.id,
    };
  }

  /** Null when no refresh token has this value. */
  private async refreshToken(token: string, client: ClientEntity): Promise<IntrospectionResponse | null> {
    const info = await this.refreshTokens.inspect(token);
    if (!info) return null;
    if (!info.active || info.clientId !== client.clientId) return { ...INACTIVE };
    const username = await this.username(info.userId);
    if (username === null) return { ...INACTIVE };
    return toRefreshAnswer(info, username, this.issuer);
  }

  /** The username; undefined when there is no user (client_credentials); null when the user is gone or disabled. */
  private async username(userId: string | null): Promise<string | undefined | null> {
    if (!userId) return undefined;
    const user = await this.users.findById(userId);
    return user && !user.disabled ? user.username : null;
  }
}

function visibleTo({ claims }: ActiveAccessToken, client: ClientEntity): boolean {
  const audience = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  return claims.client_id === client.clientId || audience.includes(client.clientId);
}

function toRefreshAnswer(info: RefreshTokenInfo, username: string | undefined, issuer: string): IntrospectionResponse {
  return {
    active: true,
    ...(info.scope ? { scope: info.scope } : {}),
    client_id: info.clientId,
    ...(username ? { username } : {}),
    token_use: 'refresh_token',
    exp: seconds(info.expiresAt),
    iat: seconds(info.issuedAt),
    ...(info.userId ? { sub: info.userId } : {}),
    iss: issuer,
    ...(info.dpopJkt ? { cnf: { jkt: info.dpopJkt } } : {}),
  };
}

function seconds(date: Date): number {
  return Math.floor(new Date(date).getTime() / 1000);
}
